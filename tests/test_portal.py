"""The portal's two user paths through its HTTP interface (the browser tests drive the same pages)."""
from __future__ import annotations

import pytest
from portal_fixtures import Portal


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    return Portal(tmp_path_factory.mktemp("portal") / "data")


def test_analyst_finds_dataset_charts_and_queries(portal):
    c = portal.signin("analyst", purpose="policy_formulation")
    catalog = c.get("/catalog")
    assert catalog.status_code == 200 and portal.dataset in catalog.text
    page = c.get(f"/datasets/{portal.dataset}")
    assert page.status_code == 200 and portal.release_id in page.text and "Đã kiểm tra toàn vẹn" in page.text
    png = c.get(f"/datasets/{portal.dataset}/chart/month.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    sql = f"SELECT month, sum(encounters) AS n FROM {portal.dataset} GROUP BY month ORDER BY month"
    r = c.post("/query", data={"sql": sql, "format": "html", "csrf_token": portal.csrf(c)})
    assert r.status_code == 200 and "2024-01" in r.text
    csv = c.post("/query", data={"sql": sql, "format": "csv", "csrf_token": portal.csrf(c)})
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.splitlines()[0] == "month,n"
    entry = portal.audit_entries(action="query.run", actor="analyst")[-1]
    assert entry.outcome == "ok" and '"rows": 3' in entry.details and "sum(encounters)" in entry.details
    assert "2024-01" not in entry.details  # the SQL and row count, never the results


def test_release_file_download_carries_its_checksum(portal):
    c = portal.signin("analyst", purpose="policy_formulation")
    name = f"{portal.dataset}.parquet"
    r = c.get(f"/datasets/{portal.dataset}/releases/{portal.release_id}/files/{name}")
    import hashlib
    assert r.status_code == 200 and r.headers["x-checksum-sha256"] == hashlib.sha256(r.content).hexdigest()
