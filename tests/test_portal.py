"""The portal's two user paths through its HTTP interface (the browser tests drive the same pages)."""
from __future__ import annotations

import pytest
from portal_fixtures import Portal, safe_rows


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
    sql = (f"SELECT month, sum(encounters) AS n FROM {portal.view} WHERE month <> '*' AND icd10_chapter = '*' "
           "GROUP BY month ORDER BY month")
    r = c.post("/query", data={"sql": sql, "format": "html", "csrf_token": portal.csrf(c)})
    assert r.status_code == 200 and "2024-01" in r.text
    csv = c.post("/query", data={"sql": sql, "format": "csv", "csrf_token": portal.csrf(c)})
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.splitlines()[0] == "month,n"
    entry = portal.audit_entries(action="query.run", actor="analyst")[-1]
    assert entry.outcome == "ok" and '"rows": 3' in entry.details and "sum(encounters)" in entry.details
    assert "2024-01" not in entry.details  # the SQL and row count, never the results


def test_release_file_download_carries_its_checksum(portal):
    c = portal.signin("analyst", purpose="policy_formulation")
    import hashlib
    import json
    manifest = json.loads((portal.workdir.published / portal.dataset / portal.release_id / "manifest.json").read_text())
    name = next(n for n in manifest["files"] if n.endswith(".parquet"))
    r = c.get(f"/datasets/{portal.dataset}/releases/{portal.release_id}/files/{name}")
    assert r.status_code == 200 and r.headers["x-checksum-sha256"] == hashlib.sha256(r.content).hexdigest()
    assert r.headers["x-checksum-sha256"] == manifest["files"][name]["sha256"]
    sig = c.get(f"/datasets/{portal.dataset}/releases/{portal.release_id}/files/manifest.json.sig")
    assert sig.status_code == 200 and sig.content


def new_request(portal, c, **over) -> int:
    import sqlalchemy as sa

    from pipelines.govern.models import Project
    with portal.gov.sessions() as s:
        project_id = s.execute(sa.select(Project.id).where(Project.code == "nc-demo")).scalar()
    form = {"project_id": project_id, "purpose": "scientific_research", "variables": "PERSON_ID, T_TONGCHI_BV",
            "quasi_identifiers": "NHOM_TUOI:age:band5, GIOI_TINH, MATINH_2025:geography:province",
            "sensitive": "MA_BENH_CHINH", "period": "2024-01..2024-03", "k": "5", "l": "2",
            "population_filter": '{"MATINH_2025": ["01", "79", "48"]}', "csrf_token": portal.csrf(c)} | over
    r = c.post("/requests", data=form)
    assert r.status_code == 303, r.text.split('id="refused"')[-1][:400]
    return int(r.headers["location"].rsplit("/", 1)[1])


def act(portal, c, request_id: int, action: str):
    return c.post(f"/requests/{request_id}/action", data={"action": action, "csrf_token": portal.csrf(c)})


def state(portal, request_id: int) -> str:
    from pipelines.govern.models import ExtractRequest
    with portal.gov.sessions() as s:
        return s.get(ExtractRequest, request_id).state


def released_request(portal):
    """A request taken through submit, two approvals, build and release; returns (researcher client, id)."""
    researcher = portal.signin("researcher", purpose="scientific_research")
    request_id = new_request(portal, researcher)
    assert act(portal, researcher, request_id, "submit").status_code == 303
    c1 = portal.signin("custodian1", purpose="policy_formulation")
    c2 = portal.signin("custodian2", purpose="policy_formulation")
    assert act(portal, c1, request_id, "approve").status_code == 303 and state(portal, request_id) == "under_review"
    assert act(portal, c2, request_id, "approve").status_code == 303
    assert state(portal, request_id) == "built"
    assert act(portal, c1, request_id, "release").status_code == 303 and state(portal, request_id) == "released"
    return researcher, request_id


def download_link(portal, c, request_id: int) -> str:
    r = c.post(f"/requests/{request_id}/link", data={"csrf_token": portal.csrf(c)})
    assert r.status_code == 303, r.text[:300]
    return "/download/" + r.headers["location"].split("link=", 1)[1]


def test_researcher_request_two_approvals_release_download_decrypt(portal):
    import io
    import json
    import tarfile

    import pyarrow.parquet as pq
    import pyrage

    from pipelines.govern.delivery import canonical
    researcher, request_id = released_request(portal)
    link = download_link(portal, researcher, request_id)
    r = researcher.get(link)
    assert r.status_code == 200 and state(portal, request_id) == "downloaded"
    identity = pyrage.x25519.Identity.from_str(portal.seeded.researcher_identity)
    with tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(r.content, [identity]))) as tar:
        table = pq.read_table(io.BytesIO(tar.extractfile("extract.parquet").read()))
        report = json.loads(tar.extractfile("report.json").read())
    assert table.num_rows == report["rows_out"] > 0 and "HO_TEN" not in table.column_names
    safe_tokens = {r["PERSON_ID"] for r in safe_rows()}
    assert not safe_tokens & set(table.column("PERSON_ID").to_pylist())  # re-keyed for the project's scope
    body = researcher.get(f"/requests/{request_id}/manifest").json()
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from pipelines.govern.signing import verify
    assert verify(load_pem_public_key(body["public_key_pem"].encode()), canonical(body["manifest"]), body["signature"])
    assert body["manifest"]["purpose"] == "scientific_research" and body["manifest"]["recipient"] == "researcher"
    assert portal.audit_entries(action="extract.download", outcome="ok")[-1].actor == "researcher"


def test_api_token_query_needs_a_declared_purpose(portal):
    import re
    c = portal.signin("analyst")
    page = c.post("/account/token", data={"label": "script", "csrf_token": portal.csrf(c)})
    token = re.search(r'id="api-token">([^<]+)<', page.text).group(1)
    api = portal.client()
    sql = {"sql": f"SELECT count(*) AS n FROM {portal.view}"}
    r = api.post("/api/v1/query", json=sql, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and r.json()["refused"] == "no_grant"  # no purpose declared: nothing granted
    r = api.post("/api/v1/query", json=sql, headers={"Authorization": f"Bearer {token}",
                                                      "X-Andanh-Purpose": "policy_formulation"})
    assert r.status_code == 200 and r.json()["rows"][0][0] > 0
    assert api.get("/api/v1/datasets", headers={"Authorization": "Bearer adt_forged"}).status_code == 401
    assert api.get("/api/openapi.json").json()["info"]["title"] == "AnDanh portal"


def test_breach_scope_names_who_received_a_batch_and_an_extract(portal):
    from pipelines.govern.breach import scope
    researcher, request_id = released_request(portal)
    researcher.get(download_link(portal, researcher, request_id))
    analyst = portal.signin("analyst", purpose="policy_formulation")
    analyst.get(f"/datasets/{portal.dataset}/chart/province.png")
    with portal.gov.sessions() as s:
        found = scope(s, portal.workdir.published, batch="b1")
        by_release = scope(s, portal.workdir.published, release=portal.release_id)
    who = {(r.actor, r.action, r.purpose) for r in found}
    assert ("analyst", "data.read", "policy_formulation") in who
    assert ("researcher", "extract.download", "scientific_research") in who
    assert {r.actor for r in by_release} >= {"analyst"} and "researcher" not in {r.actor for r in by_release}
    import pyarrow.parquet as pq

    from pipelines.govern.models import ExtractRequest
    with portal.gov.sessions() as s:
        assert scope(s, portal.workdir.published, batch="no-such-batch") == []
        folder = s.get(ExtractRequest, request_id).extract_path
        token = pq.read_table(f"{folder}/extract.parquet").column("PERSON_ID")[0].as_py()
        by_token = scope(s, portal.workdir.published, token=token)
        assert ("researcher", f"request:{request_id}") in [(r.actor, r.resource) for r in by_token]
        assert {r.action for r in by_token} == {"extract.download"}  # aggregates never carry person tokens
        assert scope(s, portal.workdir.published, token="P-not-delivered") == []


def test_stopping_the_portal_signs_a_checkpoint_and_the_chain_verifies(portal):
    import sqlalchemy as sa
    from fastapi.testclient import TestClient

    from pipelines.govern.audit import verify
    from pipelines.govern.models import AuditCheckpoint, AuditEntry
    with TestClient(portal.app, base_url="https://testserver") as c:
        c.get("/signin")
        c.get("/no-such-page")
    with portal.gov.sessions() as s:
        last = s.execute(sa.select(sa.func.max(AuditEntry.seq))).scalar()
        signed = s.execute(sa.select(sa.func.max(AuditCheckpoint.seq))).scalar()
    assert signed == last and verify(portal.gov.sessions, portal.gov.signer).ok


def test_budget_page_shows_what_is_left_and_custodians_set_totals(portal):
    from pipelines.dp import EpsilonLedger
    from pipelines.portal.seed import DEMO_BUDGET, DEMO_EPSILON
    EpsilonLedger(portal.gov.url).spend(DEMO_BUDGET, 0.5, "extract-demo-dp")
    researcher = portal.signin("researcher", purpose="scientific_research")
    page = researcher.get("/budgets")
    assert page.status_code == 200 and f"budget-{DEMO_BUDGET}" in page.text and "extract-demo-dp" in page.text
    assert f"<strong class=\"left\">{DEMO_EPSILON - 0.5:.3g}</strong>" in page.text
    assert "/budgets/set" not in page.text  # a researcher only reads
    portal.declare(researcher, "training")  # the budget was granted for research, not for training
    assert f"budget-{DEMO_BUDGET}" not in researcher.get("/budgets").text
    portal.declare(researcher, "scientific_research")
    analyst = portal.signin("analyst", purpose="policy_formulation")  # another organisation: no budget of its own
    assert f"budget-{DEMO_BUDGET}" not in analyst.get("/budgets").text
    form = {"consumer": DEMO_BUDGET, "total_epsilon": "4", "csrf_token": portal.csrf(researcher)}
    assert researcher.post("/budgets/set", data=form).status_code == 403  # role refused, and audited
    custodian = portal.signin("custodian1", purpose="policy_formulation")
    form["csrf_token"] = portal.csrf(custodian)
    assert custodian.post("/budgets/set", data=form).status_code == 303
    assert EpsilonLedger(portal.gov.url).remaining(DEMO_BUDGET) == 3.5
    unknown = custodian.post("/budgets/set", data=form | {"consumer": "no-such-budget"})
    assert unknown.status_code == 403
    assert portal.audit_entries(action="dp.budget.set", outcome="ok")[-1].resource == DEMO_BUDGET
    assert portal.audit_entries(action="dp.budget.set", outcome="refused")
    assert portal.audit_entries(action="dp.budget.read")
