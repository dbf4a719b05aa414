"""Retention periods and crypto-shredding (issue 12, point 6)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from pipelines import tasks
from pipelines.deidentify import keys
from pipelines.govern import open_governance
from pipelines.govern.audit import verify
from pipelines.govern.models import AuditEntry
from pipelines.ledger import Ledger
from pipelines.retention import DEFAULT_DAYS, apply_retention, periods, shred_project
from pipelines.synth import generate

DAY = 86_400


def _age(path, days: float) -> None:
    t = time.time() - days * DAY
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        if p.is_file():
            os.utime(p, (t, t))


@pytest.fixture
def ingested(tmp_path, workdir):
    out = tmp_path / "synth"
    generate(30, 4, out, defects_rate=0.2)
    chunks = tasks.plan_batch(str(out / "xml"), str(workdir.root), "2025-01-01", "2025-01-02")
    batch = tasks.close_ingest([tasks.ingest_chunk(**c) for c in chunks])
    return workdir, batch["batch_id"]


def test_periods_default_and_override(monkeypatch):
    assert periods() == DEFAULT_DAYS
    monkeypatch.setenv("ANDANH_RETENTION_DAYS", json.dumps({"landing": 7}))
    assert periods()["landing"] == 7 and periods({"safe": 1})["safe"] == 1
    with pytest.raises(ValueError, match="unknown retention zone"):
        periods({"published": 1})  # releases are not retention's to delete


def test_old_landing_is_deleted_and_recorded_young_files_stay(ingested):
    workdir, batch = ingested
    landing = sorted(p for p in workdir.landing.rglob("*") if p.is_file())
    assert landing
    _age(landing[0], DEFAULT_DAYS["landing"] + 1)
    summary = apply_retention(workdir)
    assert summary.deleted["landing"] == [str(landing[0].relative_to(workdir.root))]
    assert not landing[0].exists() and all(p.exists() for p in landing[1:])
    entry = next(e for e in Ledger(workdir.ledger_url()).entries() if e.stage == "retention"
                 and e.table_name == "landing")
    assert entry.passed == 1 and entry.details["deleted"] == summary.deleted["landing"]
    gov = open_governance(workdir)
    with gov.sessions() as s:
        last = s.execute(sa.select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()
    assert (last.action, last.actor, last.resource) == ("retention", "andanh-retention", summary.run_id)
    assert json.loads(last.details)["deleted"]["landing"] == 1
    assert verify(gov.sessions, gov.signer).ok  # in the hash chain, not a side file


def test_staging_stays_readable_until_its_batch_is_deidentified(ingested):
    workdir, batch = ingested
    _age(workdir.staging, DEFAULT_DAYS["staging"] + 1)
    first = apply_retention(workdir)
    assert first.deleted["staging"] == [] and first.kept_not_deidentified > 0
    from pipelines.ledger import LedgerEntry
    Ledger(workdir.ledger_url()).record([LedgerEntry(batch, "deidentify", "xml1", received=1, passed=1)])
    second = apply_retention(workdir)
    assert second.deleted["staging"] and not list(workdir.staging.rglob("*.parquet"))


def test_dry_run_deletes_nothing(ingested):
    workdir, _ = ingested
    _age(workdir.landing, 1000)
    before = sorted(workdir.landing.rglob("*"))
    summary = apply_retention(workdir, dry_run=True)
    assert summary.deleted["landing"] and sorted(workdir.landing.rglob("*")) == before
    assert not any(e.stage == "retention" for e in Ledger(workdir.ledger_url()).entries())


def test_shredding_makes_project_tokens_unlinkable(workdir):
    master = bytes(range(7, 39))
    k1 = keys.project_key(workdir, master, "proj-7")
    assert keys.project_key(workdir, master, "proj-7") == k1  # stable while the project lives
    assert keys.project_key(workdir, master, "proj-8") != k1
    assert k1 != keys.derive_key(master, "person", "proj-7")  # not derivable from master + id alone
    salt = workdir.restricted / "keys" / "projects" / "proj-7.salt"
    assert salt.stat().st_mode & 0o777 == 0o600
    summary = shred_project(workdir, "proj-7")
    assert not salt.exists() and summary.shredded == ["proj-7"]
    with pytest.raises(keys.ProjectShredded):
        keys.project_key(workdir, master, "proj-7")
    # even an attacker who removes the shredded marker only gets a new, unrelated key
    (workdir.restricted / "keys" / "shredded.json").unlink()
    assert keys.project_key(workdir, master, "proj-7") != k1
    assert any(e.stage == "shred" for e in Ledger(workdir.ledger_url()).entries())
    with open_governance(workdir).sessions() as s:
        shreds = s.execute(sa.select(AuditEntry).where(AuditEntry.action == "shred")).scalars().all()
    assert [json.loads(e.details)["shredded"] for e in shreds] == [["proj-7"]]


def test_cli_retention_and_shred(workdir):
    run = lambda *a: subprocess.run([sys.executable, "-m", "pipelines.cli", *a, "--workdir", str(workdir.root)],
                                    capture_output=True, text=True)
    out = run("retention", "--dry-run")
    assert out.returncode == 0 and "landing" in out.stdout, out.stderr
    assert run("shred-project", "p1").returncode == 2  # needs --yes
    assert run("shred-project", "p1", "--yes").returncode == 0


@pytest.mark.airflow
def test_retention_dag_loads():
    from pathlib import Path

    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=str(Path(__file__).resolve().parent.parent / "dags" / "andanh_retention.py"))
    assert not bag.import_errors and "andanh_retention" in bag.dags
    assert "shred_project" in bag.dags["andanh_retention"].params
