"""A small published catalog made by the real aggregate → disclose → publish stages from safe-zone rows."""
from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.parquet as pq


def write_safe(workdir, batch_id: str, rows: list[dict]) -> None:
    from pipelines.deidentify.gate import run_gate
    from pipelines.quality.validated import index_document, write_json_atomic
    folder = workdir.safe / batch_id
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "xml1.parquet")
    write_json_atomic(workdir.validated / batch_id / "index.json", index_document(batch_id, {}))
    write_json_atomic(workdir.reports / batch_id / "validation.json", {"gate": {"passed": True, "reasons": []}})
    run_gate(workdir, batch_id, use_detector=False)


def safe_rows(n: int = 4000, seed: int = 3) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        month = rnd.choice(["202401", "202402", "202403"])
        rows.append(dict(MA_LK=f"E{i}", PERSON_ID=f"P{rnd.randint(0, n // 2):05d}", NGAY_VAO=month + "15",
                         THANG_VAO=f"{month[:4]}-{month[4:]}", NGAY_TTOAN=month + "20",
                         MATINH_2025=rnd.choices(["01", "79", "48"], [6, 3, 1])[0],
                         MA_BENH_CHINH=rnd.choice(["J18.0", "I10", "E11.9", "A09", "K29.7"]),
                         GIOI_TINH=rnd.choice("12"), NHOM_TUOI=rnd.choice(["35-39", "60-64"]),
                         T_TONGCHI_BV=f"{rnd.randint(100, 5000)}.00", T_BHTT="80.00", T_BNCCT="20.00", T_BNTT="0",
                         _batch_id="b1"))
    return rows


def publish_demo(workdir) -> str:
    """Publish one release of the demo dataset; returns its release id."""
    from pipelines import aggregate, disclose, publish
    write_safe(workdir, "b1", safe_rows())
    agg = aggregate.aggregate(workdir)
    disclose.suppress_small_cells(workdir, 10)
    return publish.publish(workdir, min_cell=10, batches=agg.batches).release_id


def csrf_of(html: str) -> str:
    import re
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


class Portal:
    """A portal app over a published demo catalog, with the seeded accounts and a signed-in client per user."""

    def __init__(self, root):
        from fastapi.testclient import TestClient

        from pipelines.portal.app import create_app
        from pipelines.portal.seed import seed_demo
        from pipelines.workdir import Workdir
        self.workdir = Workdir.at(root).ensure()
        self.release_id = publish_demo(self.workdir)
        self.app = create_app(self.workdir)
        self.gov = self.app.state.gov
        self.seeded = seed_demo(self.gov, ["encounter_costs_monthly"])
        self._client = TestClient
        self.dataset = "encounter_costs_monthly"

    def client(self):
        return self._client(self.app, base_url="https://testserver", follow_redirects=False)

    def signin(self, username: str, password: str | None = None, purpose: str | None = None, client=None):
        import pyotp
        c = client or self.client()
        page = c.get("/signin")
        code = pyotp.TOTP(self.seeded.totp[username]).now() if username in self.seeded.totp else ""
        r = c.post("/signin", data={"username": username, "password": password or self.seeded.passwords[username],
                                    "totp": code, "csrf_token": csrf_of(page.text)})
        assert r.status_code == 303, r.text[:500]
        if purpose:
            self.declare(c, purpose)
        return c

    def declare(self, c, purpose: str):
        r = c.post("/purpose", data={"purpose": purpose, "csrf_token": self.csrf(c), "next": "/catalog"})
        assert r.status_code == 303, r.text[:300]

    def csrf(self, c) -> str:
        return csrf_of(c.get("/account").text)

    def audit_entries(self, **where):
        import sqlalchemy as sa

        from pipelines.govern.models import AuditEntry
        with self.gov.sessions() as s:
            q = sa.select(AuditEntry).order_by(AuditEntry.seq)
            for k, v in where.items():
                q = q.where(getattr(AuditEntry, k) == v)
            return s.execute(q).scalars().all()
