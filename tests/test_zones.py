"""Zones with personal data are 0700 with 0600 files whatever the umask; scratch names are unique and
cleaned after a crash; quarantine export writes only where it may; de-identify enforces its preconditions."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from umask_helper import umask

import pipelines.workdir as wd
from pipelines.deidentify.preconditions import BatchNotReady, require_deidentifiable
from pipelines.quality.validated import StagedDataChanged
from pipelines.workdir import PRIVATE_ZONES, Workdir, clean_stale_scratch, private_files, scratch_path

VAULT_KEY = "9e4d2b7a1c6f0385e2d9b4a7c1f6e0839d5b2a8c7e1f4063b9d2e5a8c1f7b304"


def loose_paths(workdir: Workdir) -> list[str]:
    """Everything in a personal-data zone that group or others could read, write or enter."""
    out = []
    for zone in workdir.private_zones():
        if stat.S_IMODE(zone.stat().st_mode) != 0o700:
            out.append(f"{oct(stat.S_IMODE(zone.stat().st_mode))} {zone}")
        for root, dirs, files in os.walk(zone):
            for name in dirs + files:
                path = Path(root) / name
                mode = stat.S_IMODE(path.lstat().st_mode)
                if mode & 0o077:
                    out.append(f"{oct(mode)} {path}")
    return out


@pytest.fixture(scope="module")
def pipeline_tree(tmp_path_factory):
    """A synthetic batch ingested and validated (with defects, so some episodes are quarantined) under
    umask 000, the loosest there is. Validation passes the gate (threshold 1.0)."""
    from pipelines import synth
    from pipelines.ingest import ingest
    from pipelines.quality import validate_batch

    base = tmp_path_factory.mktemp("zones")
    with umask(0o022):
        synth.generate(12, 11, base / "src", defects_rate=0.5, formats=("xml",))
    with umask(0o000):
        workdir = Workdir.at(base / "data").ensure()
        summary = ingest(base / "src" / "xml", workdir)
        validation = validate_batch(workdir, summary.batch_id, error_threshold=1.0)
    assert validation.gate_passed and validation.quarantined_episodes > 0
    return workdir, summary.batch_id


@pytest.mark.slow
def test_ingest_and_validate_under_umask_000_leave_nothing_readable(pipeline_tree):
    workdir, _ = pipeline_tree
    assert not loose_paths(workdir)
    assert any(workdir.landing.rglob("*")) and any(workdir.staging.rglob("*.parquet"))
    assert (workdir.restricted / "ledger.sqlite").exists()


@pytest.mark.parametrize("mask", [0o022, 0o000])
def test_every_private_writer_under_a_loose_umask(tmp_path, monkeypatch, mask):
    """Zones, the embedded key, the vault, the gate's marker and report, scratch and JSON writers."""
    from pipelines.deidentify.keys import master_key
    from pipelines.deidentify.vault import record_tokens
    from pipelines.quality.validated import write_json_atomic

    monkeypatch.delenv("ANDANH_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("ANDANH_VAULT_KEY", VAULT_KEY)
    with umask(mask):
        workdir = Workdir.at(tmp_path / "data").ensure()
        master_key(workdir)
        record_tokens(workdir, "b1", "person", [("P1", "001085012345")])
        with private_files():
            write_json_atomic(workdir.reports / "b1" / "validation.json", {"gate": {"passed": True}})
            workdir.staged_table("xml1").mkdir(parents=True)
            pq.write_table(pa.table({"a": ["x"]}), workdir.staged_table("xml1") / "b1.parquet")
        scratch_path(workdir.tmp, "x", ".parquet").write_text("x")  # outside a stage: the zone still shields it
    assert loose_paths(workdir) in ([], [f"{oct(0o666 & ~mask)} {p}" for p in workdir.tmp.glob("x.~*")])
    assert stat.S_IMODE(workdir.root.stat().st_mode) == 0o755


def test_ensure_repairs_an_older_world_readable_tree(tmp_path):
    root = tmp_path / "data"
    for zone in PRIVATE_ZONES:
        (root / zone).mkdir(parents=True)
        os.chmod(root / zone, 0o755)
    Workdir.at(root).ensure()
    assert all(stat.S_IMODE((root / zone).stat().st_mode) == 0o700 for zone in PRIVATE_ZONES)


def test_umask_is_restored_after_a_private_block():
    with umask(0o022):
        with private_files():
            with private_files():
                assert os.umask(0o077) == 0o077
            assert os.umask(0o077) == 0o077
        assert os.umask(0o022) == 0o022


# --- scratch names ---------------------------------------------------------------------------------

def test_scratch_names_are_unique_per_call_process_and_host(tmp_path):
    names = {scratch_path(tmp_path, "validate", ".duckdb").name for _ in range(200)}
    assert len(names) == 200
    name = next(iter(names))
    assert name.startswith("validate.~") and f".{os.getpid()}." in name and wd._HOST in name
    assert name.endswith(".duckdb")


def test_stale_scratch_of_dead_processes_and_old_foreign_hosts_is_removed(tmp_path):
    dead = tmp_path / f"xml1-f.~{wd._HOST}.999999999.0badcafe~.parquet"
    mine = scratch_path(tmp_path, "xml1-f", ".parquet")
    foreign_old = tmp_path / "xml1-f.~otherhost.12.deadbeef~.parquet"
    foreign_new = tmp_path / "xml1-f.~otherhost.13.feedbeef~.parquet"
    dead_dir = tmp_path / f"release-r1.~{wd._HOST}.999999998.00c0ffee~"
    unrelated = tmp_path / "xml1-f.parquet"
    for path in (dead, mine, foreign_old, foreign_new, unrelated):
        path.write_text("x")
    dead_dir.mkdir()
    (dead_dir / "part.parquet").write_text("x")
    os.utime(foreign_old, (0, 0))
    assert clean_stale_scratch(tmp_path) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, foreign_new.name, unrelated.name])


def test_a_crashed_run_is_cleaned_by_the_next_one(tmp_path):
    workdir = Workdir.at(tmp_path / "data").ensure()
    left = workdir.tmp / f"validate.~{wd._HOST}.999999997.0000abcd~.duckdb"
    left.write_text("x")
    Workdir.at(tmp_path / "data").ensure()
    assert not left.exists()
    left.write_text("x")
    scratch_path(workdir.tmp, "validate", ".duckdb")  # a new scratch of the same stem cleans too
    assert not left.exists()


def test_no_stage_names_temp_files_by_pid_alone():
    root = Path(__file__).resolve().parent.parent / "pipelines"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "getpid()" in p.read_text(encoding="utf-8") and p.name != "workdir.py"]
    assert not offenders, f"use pipelines.workdir.scratch_path instead of os.getpid() in {offenders}"


# --- quarantine export -----------------------------------------------------------------------------

@pytest.mark.slow
def test_quarantine_export_defaults_to_the_restricted_zone(pipeline_tree, capsys):
    from pipelines.cli import main

    workdir, batch = pipeline_tree
    with umask(0o000):
        assert main(["quarantine", "export", "--batch", batch, "--workdir", str(workdir.root)]) == 0
    folder = workdir.quarantine / batch / "export"
    files = list(folder.glob("*.csv"))
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert str(folder) in capsys.readouterr().out


@pytest.mark.slow
def test_quarantine_export_to_an_explicit_path_is_private_and_never_to_published(pipeline_tree, tmp_path):
    from pipelines.quality.quarantine import export_episodes

    workdir, batch = pipeline_tree
    out = tmp_path / "fixes"
    out.mkdir()
    (out / "xml1.csv").write_text("old")
    os.chmod(out / "xml1.csv", 0o644)
    with umask(0o000):
        written = export_episodes(workdir, batch, out)
    assert written and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written.values())
    with pytest.raises(PermissionError, match="published"):
        export_episodes(workdir, batch, workdir.published / "fixes")
    assert not (workdir.published / "fixes").exists()


# --- preconditions of de-identify ------------------------------------------------------------------

@pytest.mark.slow
def test_a_validated_reconciled_unchanged_batch_may_be_deidentified(pipeline_tree):
    from pipelines.quality import reconcile
    workdir, batch = pipeline_tree
    reconcile(workdir, batch)
    require_deidentifiable(workdir, batch)


@pytest.mark.slow
def test_a_failed_quality_gate_stops_deidentify(pipeline_tree):
    workdir, batch = pipeline_tree
    report = workdir.reports / batch / "validation.json"
    saved = report.read_text(encoding="utf-8")
    document = json.loads(saved)
    document["gate"] = {"passed": False, "reasons": ["error rate 0.5 exceeds the threshold 0.2"]}
    try:
        report.write_text(json.dumps(document), encoding="utf-8")
        with pytest.raises(BatchNotReady, match="failed the data-quality gate.*error rate"):
            require_deidentifiable(workdir, batch)
    finally:
        report.write_text(saved, encoding="utf-8")


@pytest.mark.slow
def test_a_batch_that_does_not_reconcile_is_refused(pipeline_tree):
    import sqlalchemy as sa

    from pipelines.ledger import Ledger, ledger_entries
    workdir, batch = pipeline_tree
    ledger = Ledger(workdir.ledger_url())
    key = (ledger_entries.c.batch_id == batch) & (ledger_entries.c.stage == "ingest") & \
        (ledger_entries.c.table_name == "hoso")
    with ledger.engine.begin() as conn:
        saved = conn.execute(sa.select(ledger_entries.c.received).where(key)).scalar()
        conn.execute(ledger_entries.update().where(key).values(received=saved + 1))
    try:
        with pytest.raises(BatchNotReady, match="does not reconcile"):
            require_deidentifiable(workdir, batch)
    finally:
        with ledger.engine.begin() as conn:
            conn.execute(ledger_entries.update().where(key).values(received=saved))


@pytest.mark.slow
def test_staged_data_changed_since_validation_is_refused(pipeline_tree):
    workdir, batch = pipeline_tree
    staged = sorted(workdir.staged_table("xml2").rglob("*.parquet"))[0]
    saved = staged.read_bytes()
    try:
        table = pq.read_table(staged)
        pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), staged)
        with pytest.raises(StagedDataChanged, match="run validate again"):
            require_deidentifiable(workdir, batch)
        staged.unlink()
        with pytest.raises(StagedDataChanged, match="gone"):
            require_deidentifiable(workdir, batch)
    finally:
        staged.write_bytes(saved)
        os.chmod(staged, 0o600)


def test_an_unvalidated_batch_is_refused(workdir):
    with pytest.raises(FileNotFoundError, match="run validate first"):
        require_deidentifiable(workdir, "never-validated")


@pytest.mark.slow
def test_revalidation_failure_withdraws_a_deidentified_batch_from_aggregation(pipeline_tree, monkeypatch):
    """Defined last: it closes the quality gate of the module's batch for good."""
    from pipelines import aggregate
    from pipelines.datasets import get_dataset
    from pipelines.deidentify import deidentify_batch
    from pipelines.deidentify.gate import released_batches
    from pipelines.quality import reconcile, validate_batch

    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", VAULT_KEY)
    workdir, batch = pipeline_tree
    with umask(0o000):
        reconcile(workdir, batch)
        deidentify_batch(workdir, batch)
    assert not loose_paths(workdir)  # safe tables, gate marker and report: 0600 under umask 000
    assert released_batches(workdir) == [batch]
    assert {aggregate.batch_of(f) for f in aggregate.safe_xml1_files(workdir)} == {batch}
    assert not validate_batch(workdir, batch, error_threshold=0.0).gate_passed  # validated again: now it fails
    assert released_batches(workdir) == []
    with pytest.raises(FileNotFoundError, match="no released de-identified data"):
        aggregate.period_counts(workdir, get_dataset("encounters"))
    with pytest.raises(BatchNotReady, match="failed the data-quality gate"):
        deidentify_batch(workdir, batch)
