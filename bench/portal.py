"""Portal load test: 50 concurrent analysts on loopback (locust, bounded in time), p50/p95 and errors.

``python -m bench.portal`` (``make bench-portal``). Data: ``.demo/data`` when ``make demo`` made it, else a
small catalog published by the real stages (the test fixture). Writes ``bench/out/portal.json``.
Targets (issue 11): p95 <= 300 ms for pages, <= 1 s for queries, zero errors.
"""
from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
USERS, SECONDS = int(os.environ.get("PORTAL_BENCH_USERS", "50")), int(os.environ.get("PORTAL_BENCH_SECONDS", "60"))


def _workdir(tmp: Path):
    """(workdir, governance URL): the demo's data root with a governance database of the bench's own."""
    from pipelines.portal import catalog
    from pipelines.workdir import Workdir
    url = f"sqlite:///{tmp / 'bench-governance.sqlite'}"
    demo = ROOT / ".demo" / "data"
    if demo.exists() and catalog.datasets(demo / "published"):
        return Workdir.at(demo), url
    sys.path.insert(0, str(ROOT / "tests"))
    from portal_fixtures import publish_demo
    workdir = Workdir.at(tmp / "data").ensure()
    publish_demo(workdir)
    return workdir, url


def _account(workdir, url: str, tmp: Path) -> Path:
    """One analyst in the bench's governance database (the demo's registry is not touched)."""
    from pipelines.govern import open_governance
    from pipelines.portal import catalog
    from pipelines.portal.seed import seed_demo
    sets = catalog.datasets(workdir.published)
    names = sorted(sets, key=lambda n: (n != "encounters", n))  # the demo's main dataset first
    seeded = seed_demo(open_governance(workdir, url), names)
    path = tmp / "account.json"
    path.write_text(json.dumps({"username": "analyst", "password": seeded.passwords["analyst"],
                                "purpose": "policy_formulation", "dataset": names[0],
                                "queries": typical_queries(workdir.published, sets[names[0]])}))
    os.chmod(path, 0o600)
    return path


def typical_queries(published: Path, dataset) -> list[str]:
    """An analyst's aggregate queries over the dataset's published tables: one series per table, by its
    first dimension, margins ('*') left out."""
    import duckdb

    from pipelines.portal import catalog
    con = duckdb.connect(str(catalog.catalog_path(published)), read_only=True)
    types = dict(((t, c), ty) for t, c, ty in con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns").fetchall())
    con.close()
    queries = []
    for view in list(dataset.views)[:4]:
        columns = catalog.columns_of(published, view)
        text = [c for c in columns if types.get((view, c)) == "VARCHAR"]
        dims = [c for c in text if catalog.is_dimension(c, columns)]
        measures = [c for c in columns if c not in text and c != "suppressed" and types.get((view, c)) != "BOOLEAN"]
        if not dims or not measures:
            continue
        others = " ".join(f"AND {d} = '*'" for d in dims[1:])
        queries.append(f'SELECT {dims[0]}, sum({measures[0]}) AS n FROM "{view}" WHERE {dims[0]} <> \'*\' {others} '
                       f"GROUP BY 1 ORDER BY 1")
    if not queries:
        raise RuntimeError(f"no table of {dataset.name} has a dimension and a measure to query")
    return queries


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(workdir, url: str, port: int) -> subprocess.Popen:
    code = ("import uvicorn; from pipelines.workdir import Workdir; from pipelines.portal.app import create_app; "
            f"app = create_app(Workdir.at({str(workdir.root)!r}), url={url!r}); "
            f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)})
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the portal did not start")


def _locust(host: str, account: Path, prefix: Path) -> None:
    subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "portal_locustfile.py"), "--headless",
                    "-u", str(USERS), "-r", "5", "-t", f"{SECONDS}s", "--host", host,
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"], check=False, cwd=ROOT,
                   env=os.environ | {"PORTAL_BENCH_ACCOUNT": str(account), "PYTHONPATH": str(ROOT)})


def _report(prefix: Path) -> dict:
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    out = {}
    for r in rows:
        out[r["Name"]] = {"requests": int(r["Request Count"]), "errors": int(r["Failure Count"]),
                          "p50_ms": float(r["50%"] or 0), "p95_ms": float(r["95%"] or 0),
                          "rps": round(float(r["Requests/s"] or 0), 1)}
    return out


def main() -> int:
    os.environ.setdefault("ANDANH_PORTAL_INSECURE_COOKIES", "1")  # locust speaks plain HTTP on loopback
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp_name:
        tmp = Path(tmp_name)
        workdir, url = _workdir(tmp)
        account = _account(workdir, url, tmp)
        port = _port()
        server = _serve(workdir, url, port)
        try:
            _locust(f"http://127.0.0.1:{port}", account, tmp / "locust")
        finally:
            server.terminate()  # requests still in flight at the end show as errors
            server.wait(timeout=30)
        report = {"users": USERS, "seconds": SECONDS, "cpus": os.cpu_count(),
                  "load_average_1m_at_end": round(os.getloadavg()[0], 1), "published": str(workdir.published),
                  "results": _report(tmp / "locust")}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "portal.json").write_text(json.dumps(report, indent=2))
    for name, r in report["results"].items():
        print(f"{name:<14} n={r['requests']:<6} errors={r['errors']:<4} p50={r['p50_ms']:.0f} ms  p95={r['p95_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
