"""Attacks on the portal: every case is refused AND leaves a refused entry in the audit log."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from portal_fixtures import Portal, csrf_of
from test_portal import act, download_link, new_request, released_request

from pipelines.govern import registry as reg
from pipelines.govern.models import Grant, Organisation, utcnow


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    return Portal(tmp_path_factory.mktemp("portal-sec") / "data")


def refused(portal, action: str, code: str, since: int = 0):
    """The refused audit entries of ``action`` with ``code`` written after entry ``since``."""
    return [e for e in portal.audit_entries(action=action, outcome="refused")
            if e.seq > since and json.loads(e.details).get("code") == code]


def last_seq(portal) -> int:
    entries = portal.audit_entries()
    return entries[-1].seq if entries else 0


def outsider(portal, code: str, *, grant_days: float | None, purpose="scientific_research", kind="health_facility"):
    """A new organisation with an approved purpose, an analyst, and optionally a grant (negative days: expired)."""
    password = "pw-" + code * 4
    with portal.gov.sessions.begin() as s:
        custodian = s.execute(reg.sa.select(reg.User).where(reg.User.username == "custodian1")).scalar()
        org = reg.create_organisation(s, code=code, name=code, kind=kind, legal_basis="test")
        reg.approve_purpose(s, reg.register_purpose(s, org, purpose), custodian)
        reg.create_user(s, username=f"{code}-user", org=org, role="policy_analyst", password=password)
        grant_id = None
        if grant_days is not None:
            g = reg.create_grant(s, by=custodian, org=org, resource_kind="dataset", resource=portal.dataset,
                                 purpose=purpose, tier="open_aggregate", valid_to=utcnow() + dt.timedelta(days=grant_days),
                                 valid_from=utcnow() - dt.timedelta(days=30))
            grant_id = g.id
    c = portal.signin(f"{code}-user", password, purpose=purpose)
    return c, grant_id


def test_no_grant(portal):
    c, _ = outsider(portal, "nogrant", grant_days=None)
    since = last_seq(portal)
    assert c.get(f"/datasets/{portal.dataset}").status_code == 403
    assert c.get(f"/datasets/{portal.dataset}/chart/month.png").status_code == 403
    r = c.post("/query", data={"sql": f"SELECT * FROM {portal.view}", "csrf_token": portal.csrf(c)})
    assert r.status_code == 403
    assert refused(portal, "catalog.read", "no_grant", since) and refused(portal, "data.read", "no_grant", since)
    assert refused(portal, "query.run", "no_grant", since)


def test_expired_grant(portal):
    c, _ = outsider(portal, "expired", grant_days=-1)
    since = last_seq(portal)
    assert c.get(f"/datasets/{portal.dataset}").status_code == 403
    assert refused(portal, "catalog.read", "grant_expired", since)


def test_revoked_grant_stops_an_open_session_at_once(portal):
    c, grant_id = outsider(portal, "revoked", grant_days=30)
    assert c.get(f"/datasets/{portal.dataset}").status_code == 200
    custodian = portal.signin("custodian1", purpose="policy_formulation")
    r = custodian.post(f"/admin/grants/{grant_id}/revoke", data={"csrf_token": portal.csrf(custodian)})
    assert r.status_code == 303
    since = last_seq(portal)
    assert c.get(f"/datasets/{portal.dataset}").status_code == 403  # same session, next click
    assert refused(portal, "catalog.read", "grant_revoked", since)


def test_wrong_purpose(portal):
    c = portal.signin("analyst", purpose="state_management")  # registered, but the grant is for policy_formulation
    since = last_seq(portal)
    assert c.get(f"/datasets/{portal.dataset}").status_code == 403
    assert refused(portal, "catalog.read", "wrong_purpose", since)
    r = c.post("/purpose", data={"purpose": "scientific_research", "csrf_token": portal.csrf(c)})
    assert r.status_code == 403 and refused(portal, "purpose.declare", "purpose_not_registered", since)


def test_insurer_never_gets_row_level_data(portal):
    with portal.gov.sessions.begin() as s, pytest.raises(reg.RegistryError, match="LEG-04"):
        custodian = s.execute(reg.sa.select(reg.User).where(reg.User.username == "custodian1")).scalar()
        insurer = s.execute(reg.sa.select(Organisation).where(Organisation.code == "bhxh-demo")).scalar()
        reg.create_grant(s, by=custodian, org=insurer, resource_kind="dataset", resource="xml1",
                         purpose="public_statistics", tier="row_level_extract", valid_to=utcnow() + dt.timedelta(days=1))


def test_idor_on_requests_and_deliveries(portal):
    researcher, request_id = released_request(portal)
    analyst = portal.signin("analyst", purpose="policy_formulation")
    since = last_seq(portal)
    assert analyst.get(f"/requests/{request_id}").status_code == 404
    assert analyst.get(f"/requests/{request_id}/manifest").status_code == 404
    r = analyst.post(f"/requests/{request_id}/action", data={"action": "withdraw", "csrf_token": portal.csrf(analyst)})
    assert r.status_code == 404
    assert len(refused(portal, "request.read", "not_found", since)) == 3
    with portal.gov.sessions.begin() as s:  # a second researcher of another organisation, with a stolen link
        other_org = reg.create_organisation(s, code="other-uni", name="x", kind="education_institution", legal_basis="x")
        reg.create_user(s, username="thief", org=other_org, role="researcher", password="thief-password-1")
    link = download_link(portal, researcher, request_id)
    thief = portal.signin("thief", "thief-password-1")
    assert thief.get(link).status_code == 403 and refused(portal, "extract.download", "not_recipient", since)
    assert researcher.get(link).status_code == 200  # the stolen link did not consume the use


def test_self_approval_is_refused(portal):
    researcher = portal.signin("researcher", purpose="scientific_research")
    request_id = new_request(portal, researcher)
    act(portal, researcher, request_id, "submit")
    since = last_seq(portal)
    assert act(portal, researcher, request_id, "approve").status_code == 403
    assert refused(portal, "request.transition", "self_approval", since)
    c1 = portal.signin("custodian1", purpose="policy_formulation")
    act(portal, c1, request_id, "approve")
    assert act(portal, c1, request_id, "approve").status_code == 403  # the same custodian twice is one approval
    assert refused(portal, "request.transition", "already_approved", since)
    from test_portal import state
    assert state(portal, request_id) == "under_review"


def test_download_link_reuse_and_revocation_withdraws(portal):
    researcher, request_id = released_request(portal)
    link = download_link(portal, researcher, request_id)
    assert researcher.get(link).status_code == 200
    since = last_seq(portal)
    assert researcher.get(link).status_code == 403 and refused(portal, "extract.download", "link_used", since)
    # a second extract, released but not downloaded, is withdrawn when the project's grant is revoked
    researcher, second = released_request(portal)
    link = download_link(portal, researcher, second)
    custodian = portal.signin("custodian1", purpose="policy_formulation")
    with portal.gov.sessions() as s:
        grant_id = s.execute(reg.sa.select(Grant.id).where(Grant.tier == "row_level_extract")).scalar()
    custodian.post(f"/admin/grants/{grant_id}/revoke", data={"csrf_token": portal.csrf(custodian)})
    from test_portal import state
    assert state(portal, second) == "withdrawn"
    assert researcher.get(link).status_code == 403 and refused(portal, "extract.download", "withdrawn", since)


ESCAPES = ["SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM '/etc/passwd'",
           "SELECT * FROM read_parquet('{restricted}/safe/b1/xml1.parquet')", "SELECT * FROM '{restricted}/safe/b1/xml1.parquet'",
           "COPY (SELECT 1) TO '/tmp/portal-escape.csv'", "ATTACH '{restricted}/ledger.sqlite' AS l",
           "INSTALL httpfs", "LOAD httpfs", "SET enable_external_access = true", "PRAGMA database_list",
           "SELECT * FROM read_text('/etc/hostname')", "SELECT * FROM glob('{restricted}/*')",
           "SELECT * FROM releases", "SELECT 1; DROP TABLE enc__national_month_chapter",
           "SELECT * FROM duckdb_settings()", "SELECT getenv('HOME')"]


@pytest.mark.parametrize("sql", ESCAPES)
def test_duckdb_escapes_are_refused_and_audited(portal, sql):
    c = portal.signin("analyst", purpose="policy_formulation")
    sql = sql.format(restricted=portal.workdir.restricted)
    since = last_seq(portal)
    r = c.post("/query", data={"sql": sql, "csrf_token": portal.csrf(c)})
    assert r.status_code == 400 and "root:" not in r.text
    entry = refused(portal, "query.run", "query_refused", since)
    assert entry and json.loads(entry[0].details)["sql"] == sql
    from pathlib import Path
    assert not Path("/tmp/portal-escape.csv").exists()


@pytest.mark.parametrize("name", ["../../../restricted/ledger.sqlite", "..%2F..%2F..%2Frestricted%2Fledger.sqlite",
                                  "%2e%2e/%2e%2e/manifest.json", "/etc/passwd", "LATEST"])
def test_path_traversal_in_download_names(portal, name):
    c = portal.signin("analyst", purpose="policy_formulation")
    since = last_seq(portal)
    r = c.get(f"/datasets/{portal.dataset}/releases/{portal.release_id}/files/{name}")
    assert r.status_code == 404 and b"SQLite" not in r.content
    # the client may normalise '..' away before sending: then no route matches, which is audited as well
    assert refused(portal, "release.download", "bad_file_name", since) or refused(portal, "route.not_found",
                                                                                   "not_found", since)


def test_csrf(portal):
    c = portal.signin("analyst", purpose="policy_formulation")
    since = last_seq(portal)
    for token in ("", "forged"):
        r = c.post("/query", data={"sql": "SELECT 1", "csrf_token": token})
        assert r.status_code == 403
    assert len(refused(portal, "csrf.refused", "csrf", since)) == 2
    fresh = portal.client()  # sign-in without the form's token (login CSRF)
    r = fresh.post("/signin", data={"username": "analyst", "password": portal.seeded.passwords["analyst"]})
    assert r.status_code == 403 and refused(portal, "csrf.refused", "csrf", since)


def test_forged_and_fixed_sessions(portal):
    since = last_seq(portal)
    forged = portal.client()
    assert forged.get("/catalog", headers={"Cookie": "andanh_session=forged-session-id"}).status_code == 303
    assert refused(portal, "auth.invalid", "invalid_credential", since)
    # fixation: an attacker plants a session id, the victim signs in with it in the browser
    victim = portal.client()
    page = victim.get("/signin")
    planted = "attacker-chosen-id"
    r = victim.post("/signin", headers={"Cookie": f"andanh_pre={victim.cookies.get('andanh_pre')}; "
                                                  f"andanh_session={planted}"},
                    data={"username": "analyst", "password": portal.seeded.passwords["analyst"],
                          "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    issued = r.cookies.get("andanh_session")
    assert issued and issued != planted
    attacker = portal.client()
    assert attacker.get("/catalog", headers={"Cookie": f"andanh_session={planted}"}).status_code == 303
    assert portal.client().get("/catalog", headers={"Cookie": f"andanh_session={issued}"}).status_code == 200


def test_brute_force_sign_in_is_locked(portal):
    with portal.gov.sessions.begin() as s:
        org = s.execute(reg.sa.select(Organisation).where(Organisation.code == "byt")).scalar()
        reg.create_user(s, username="victim", org=org, role="policy_analyst", password="the-right-password")
    c = portal.client()
    since = last_seq(portal)
    for i in range(5):
        page = c.get("/signin")
        r = c.post("/signin", data={"username": "victim", "password": f"guess-{i}", "csrf_token": csrf_of(page.text)})
        assert r.status_code == 401
    page = c.get("/signin")
    r = c.post("/signin", data={"username": "victim", "password": "the-right-password", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 429
    assert len(refused(portal, "signin", "bad_credentials", since)) == 5 and refused(portal, "signin", "signin_locked", since)


def test_custodian_needs_totp(portal):
    c = portal.client()
    page = c.get("/signin")
    since = last_seq(portal)
    r = c.post("/signin", data={"username": "custodian2", "password": portal.seeded.passwords["custodian2"],
                                "totp": "000000", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 401 and refused(portal, "signin", "bad_credentials", since)


@pytest.mark.parametrize("expression", ["MATINH_2025 = '01' OR 1=1", "1=1; DROP TABLE grants",
                                        '{"MATINH_2025 = \'01\' OR 1=1 --": "x"}',
                                        '{"MATINH_2025": {"OR 1=1; --": "01"}}', '["MATINH_2025"]'])
def test_sql_injection_in_filters(portal, expression):
    researcher = portal.signin("researcher", purpose="scientific_research")
    since = last_seq(portal)
    from test_portal import new_request as make
    with pytest.raises(AssertionError):
        make(portal, researcher, population_filter=expression)
    assert refused(portal, "request.create", "invalid_request", since)
    auditor = portal.signin("auditor")
    r = auditor.get("/audit", params={"batch": "' OR 1=1 --", "release": "x\" OR \"1\"=\"1"})
    assert r.status_code == 200 and '<table id="scope">' in r.text and "<td>" not in r.text.split('id="scope"')[1].split("</table>")[0]


def test_roles_cannot_reach_other_roles_pages(portal):
    analyst = portal.signin("analyst", purpose="policy_formulation")
    since = last_seq(portal)
    assert analyst.get("/audit").status_code == 403
    r = analyst.post("/admin/grants", data={"csrf_token": portal.csrf(analyst), "org": "byt", "resource_kind": "dataset",
                                            "resource": "x", "purpose": "policy_formulation", "tier": "open_aggregate"})
    assert r.status_code == 403
    assert refused(portal, "audit.forbidden", "role_forbidden", since)
    assert refused(portal, "grant.forbidden", "role_forbidden", since)
