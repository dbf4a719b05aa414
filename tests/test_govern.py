"""Governance database, registry, grants and the tamper-evident audit log (SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import secrets

import pytest
import sqlalchemy as sa

from pipelines.govern import open_governance
from pipelines.govern import registry as reg
from pipelines.govern.access import AccessDenied, authorize
from pipelines.govern.audit import verify
from pipelines.govern.db import current_revision, migrate
from pipelines.govern.models import AuditEntry, utcnow
from pipelines.ledger import Ledger, LedgerEntry

from conftest import PG_URL

DAY = dt.timedelta(days=1)


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"portal_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc.__class__.__name__}")
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    from pipelines.govern.db import _ENGINES
    if url in _ENGINES:
        _ENGINES.pop(url).dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def gov(request, workdir):
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    g = open_governance(workdir, url)
    if request.param == "postgres":  # one database for the session: start each test from an empty log
        with g.sessions.begin() as s:
            for table in ("audit_checkpoints", "audit_log", "deliveries", "approvals", "extract_requests", "grants",
                          "project_members", "projects", "portal_sessions", "api_tokens", "org_purposes"):
                s.execute(sa.text(f"DELETE FROM {table}"))
            s.execute(sa.text("DELETE FROM users"))
            s.execute(sa.text("DELETE FROM organisations"))
    return g


def test_migrations_create_the_ledger_tables_and_keep_an_older_ledger(workdir):
    old = sa.create_engine(workdir.ledger_url())
    from pipelines.ledger import metadata
    metadata.create_all(old)  # a ledger made before the migrations existed
    with old.begin() as conn:
        conn.execute(sa.text("INSERT INTO watermarks VALUES ('s', 'v1', '2026-01-01')"))
    assert migrate(workdir.ledger_url()) == current_revision(workdir.ledger_url()) == "0004_batch_sequence"
    ledger = Ledger(workdir.ledger_url())
    assert ledger.get_watermark("s") == "v1"
    ledger.record([LedgerEntry("b1", "ingest", "xml1", received=3, passed=3)])
    assert [e.balanced for e in ledger.entries("b1")] == [True]


def seed(g):
    with g.sessions.begin() as s:
        ministry = reg.create_organisation(s, code="byt", name="Bộ Y tế", kind="state_agency",
                                           legal_basis="TT 38/2024 Điều 11(a)")
        uni = reg.create_organisation(s, code="dhyhn", name="ĐH Y Hà Nội", kind="education_institution",
                                      legal_basis="TT 38/2024 Điều 11(b)")
        custodian = reg.create_user(s, username="giamsat", org=ministry, role="data_custodian", password="c" * 16)
        analyst = reg.create_user(s, username="phantich", org=ministry, role="policy_analyst", password="a" * 16)
        for org, purpose in ((ministry, "policy_formulation"), (uni, "scientific_research")):
            reg.approve_purpose(s, reg.register_purpose(s, org, purpose), custodian)
        with pytest.raises(reg.RegistryError):  # Art. 11(a) purposes are not open to a university
            reg.register_purpose(s, uni, "state_management")
        grant = reg.create_grant(s, by=custodian, org=ministry, resource_kind="dataset", resource="ds",
                                 purpose="policy_formulation", tier="open_aggregate", valid_to=utcnow() + DAY)
        return analyst.id, custodian.id, grant.id


def test_default_deny_expired_revoked_and_wrong_purpose(gov):
    from pipelines.govern.models import Grant, User
    analyst_id, custodian_id, grant_id = seed(gov)
    with gov.sessions.begin() as s:
        analyst, custodian = s.get(User, analyst_id), s.get(User, custodian_id)
        ok = dict(kind="dataset", resource="ds", purpose="policy_formulation", tier="open_aggregate")
        assert authorize(s, analyst, **ok).id == grant_id
        cases = {"no_grant": dict(ok, resource="other"), "wrong_purpose": dict(ok, purpose="state_management"),
                 "no_purpose": dict(ok, purpose=None), "unknown_purpose": dict(ok, purpose="marketing")}
        for code, kwargs in cases.items():
            with pytest.raises(AccessDenied) as exc:
                authorize(s, analyst, **kwargs)
            assert exc.value.code in (code, "purpose_not_registered")
        with pytest.raises(AccessDenied, match="restricted|no grant"):
            authorize(s, analyst, **dict(ok, tier="restricted_aggregate"))
        with pytest.raises(AccessDenied) as exc:
            authorize(s, analyst, **ok, now=utcnow() + 2 * DAY)
        assert exc.value.code == "grant_expired"
        reg.revoke_grant(s, s.get(Grant, grant_id), custodian)
        with pytest.raises(AccessDenied) as exc:
            authorize(s, analyst, **ok)
        assert exc.value.code == "grant_revoked"
        with pytest.raises(AccessDenied):
            reg.create_grant(s, by=analyst, org=analyst.organisation, resource_kind="dataset", resource="ds",
                             purpose="policy_formulation", tier="open_aggregate", valid_to=utcnow() + DAY)


def _fill(g, n=12):
    for i in range(n):
        g.audit.append(actor=f"u{i % 3}", action="query.run", resource="ds", details={"sql": f"SELECT {i}", "rows": i})


@pytest.mark.parametrize("attack", ["change", "delete", "insert", "reorder"])
def test_audit_verify_names_the_first_bad_entry(gov, attack):
    gov.audit.checkpoint_every = 5
    _fill(gov)
    assert verify(gov.sessions, gov.signer).ok
    with gov.sessions.begin() as s:
        rows = {e.seq: e for e in s.execute(sa.select(AuditEntry)).scalars()}
        if attack == "insert":
            s.expunge_all()
        if attack == "change":
            rows[7].details = '{"rows": 0, "sql": "SELECT 7"}'
        elif attack == "delete":
            s.delete(rows[7])
        elif attack == "insert":  # a forged entry slipped in at 7, the rest renumbered
            for seq in sorted(rows, reverse=True)[:-6]:
                s.execute(sa.update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq + 1))
            s.execute(sa.insert(AuditEntry).values(seq=7, at=rows[6].at, actor="x", org="", action="query.run",
                                                   outcome="ok", purpose="", resource="ds", details="{}",
                                                   prev_hash=rows[6].hash, hash="f" * 64))
        else:
            a, b = rows[7], rows[8]
            fields = ("actor", "details", "prev_hash", "hash")
            va, vb = [getattr(a, f) for f in fields], [getattr(b, f) for f in fields]
            for f, x, y in zip(fields, va, vb):
                setattr(a, f, y)
                setattr(b, f, x)
    result = verify(gov.sessions, gov.signer)
    assert not result.ok and result.first_bad == 7, result


def test_audit_rewritten_chain_is_caught_by_the_signed_checkpoint(gov):
    from pipelines.govern.audit import _hash_of
    gov.audit.checkpoint_every = 5
    _fill(gov)
    with gov.sessions.begin() as s:  # change entry 3 and recompute every hash after it: only signatures catch it
        prev = None
        for e in s.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars():
            if prev is not None:
                e.prev_hash = prev
            if e.seq == 3:
                e.actor = "somebody-else"
            if e.seq >= 3:
                e.hash = _hash_of(e)
            prev = e.hash
    result = verify(gov.sessions, gov.signer)
    assert not result.ok and result.first_bad == 5 and "checkpoint" in result.problem
    with gov.sessions.begin() as s:  # truncation after the last checkpoint at 10
        s.execute(sa.delete(AuditEntry).where(AuditEntry.seq >= 10))
    assert not verify(gov.sessions, gov.signer).ok


def test_cli_audit_verify_names_a_changed_entry(workdir, capsys):
    from pipelines.cli import main
    g = open_governance(workdir)
    _fill(g, 4)
    assert main(["audit", "verify", "--workdir", str(workdir.root)]) == 0
    with g.sessions.begin() as s:
        s.execute(sa.update(AuditEntry).where(AuditEntry.seq == 3).values(actor="mallory"))
    capsys.readouterr()
    assert main(["audit", "verify", "--workdir", str(workdir.root)]) == 1
    assert "entry 3 was changed" in capsys.readouterr().out
