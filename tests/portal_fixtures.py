"""A small published catalog made by the release step (`pipelines.run.release`) from safe-zone rows."""
from __future__ import annotations

import random


def safe_rows(n: int = 4000, seed: int = 3) -> list[dict]:
    from release_fixtures import episode
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        month = rnd.choice(["2024-01", "2024-02", "2024-03"])
        rows.append(episode(f"E{i}", PERSON_ID=f"P{rnd.randint(0, n // 2):05d}", THANG_VAO=month,
                            NGAY_VAO=month.replace("-", "") + "151000", NGAY_TTOAN=month.replace("-", "") + "201000",
                            MATINH_2025=rnd.choices(["01", "79", "48"], [6, 3, 1])[0],
                            MA_BENH_CHINH=rnd.choice(["J18.0", "I10", "E11.9", "A09", "K29.7"]),
                            GIOI_TINH=rnd.choice("12"), NHOM_TUOI=rnd.choice(["35-39", "60-64"]),
                            T_TONGCHI_BV=f"{rnd.randint(100, 5000)}.00"))
    return rows


def publish_demo(workdir) -> str:
    """Publish one release of the test dataset (``release_fixtures.TEST_DATASETS``) through the release
    step; returns its version."""
    import datetime as dt

    from release_fixtures import write_datasets, write_safe

    from pipelines.run import release
    write_safe(workdir, "b1", safe_rows())
    config = write_datasets(workdir.root.parent)
    [summary] = release(workdir, as_of=dt.date(2024, 7, 1), config=config)
    return summary.version


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
        self.seeded = seed_demo(self.gov, ["enc"])
        self._client = TestClient
        self.dataset = "enc"
        self.view = "enc__national_month_chapter"  # month x ICD-10 chapter, with '*' margins

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
