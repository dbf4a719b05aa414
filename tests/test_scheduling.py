"""Scheduling semantics (issue 12, point 4): quiet days, fail-fast vs retry, late HIS commits, the
seen-file index, the release lock and scratch names."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import PG_URL

from pipelines import tasks
from pipelines.ingest import his
from pipelines.locks import LockTimeout, lock_key, release_lock
from pipelines.synth import generate
from pipelines.workdir import Workdir, scratch_path

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    generate(120, 3, out)
    return out / "xml"


# --- quiet days and the seen-file index ----------------------------------------------------------

def _ingest_day(source: Path, workdir: Workdir, day: str) -> dict:
    chunks = tasks.plan_batch(str(source), str(workdir.root), f"{day}T00:00:00", f"{day}T23:59:59")
    return tasks.close_ingest([tasks.ingest_chunk(**c) for c in chunks])


def test_a_day_with_no_new_files_succeeds_with_nothing_staged(small_set, workdir):
    first = _ingest_day(small_set, workdir, "2025-03-01")
    assert first["staged"] > 0
    quiet = _ingest_day(small_set, workdir, "2025-03-02")
    assert quiet["staged"] == 0 and quiet["batch_id"] != first["batch_id"]


def test_new_files_of_which_none_stage_fail_at_once(tmp_path, workdir):
    from airflow.sdk.exceptions import AirflowFailException
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.xml").write_bytes(b"\xff\xfe not xml")
    with pytest.raises(AirflowFailException, match="NothingStaged"):
        _ingest_day(junk, workdir, "2025-03-01")


def test_only_new_or_changed_files_are_hashed(small_set, workdir, monkeypatch, tmp_path):
    import pipelines.ingest as ingest_module
    calls: list[str] = []
    real = ingest_module.sha256_file
    monkeypatch.setattr(ingest_module, "sha256_file", lambda p, *a: calls.append(str(p)) or real(p, *a))
    source = tmp_path / "src"
    source.mkdir()
    for f in sorted(small_set.glob("*.xml"))[:3]:
        (source / f.name).write_bytes(f.read_bytes())
    _ingest_day(source, workdir, "2025-03-01")
    assert len(calls) == 3  # each file hashed once: planning and ingest share the index
    calls.clear()
    assert _ingest_day(source, workdir, "2025-03-02")["staged"] == 0
    assert calls == []  # path, size and mtime unchanged: nothing re-hashed
    changed = sorted(source.glob("*.xml"))[0]
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    _ingest_day(source, workdir, "2025-03-03")
    assert calls == [str(changed)]  # touched: hashed again, same content, still not new


# --- deterministic failures fail fast, transient ones are retried ---------------------------------

def test_deterministic_errors_become_airflow_fail_exception():
    from airflow.sdk.exceptions import AirflowFailException

    from pipelines.deidentify.gate import ResidualPIIError
    from pipelines.deidentify.policy import PolicyError
    from pipelines.quality.reconcile import ReconciliationError
    from pipelines.quality.validate import QualityGateError
    for error in (QualityGateError("gate closed"), ReconciliationError("3 unaccounted"), PolicyError("bad"),
                  ResidualPIIError.__new__(ResidualPIIError)):
        with pytest.raises(AirflowFailException), tasks.fail_fast():
            raise error
    for transient in (ConnectionError("db gone"), OSError(28, "No space left on device"), LockTimeout("busy")):
        with pytest.raises(type(transient)), tasks.fail_fast():
            raise transient


def test_closed_quality_gate_fails_the_validate_task_without_retry(tmp_path, workdir, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException
    out = tmp_path / "defects"
    generate(60, 5, out, defects_rate=0.5)
    batch = _ingest_day(out / "xml", workdir, "2025-03-01")
    monkeypatch.setenv("ANDANH_ERROR_THRESHOLD", "0.0")
    shards = [tasks.validate_shard(shard) for shard in tasks.plan_validate(batch)]
    with pytest.raises(AirflowFailException, match="QualityGateError"):
        tasks.close_validate(batch, shards)


@pytest.mark.airflow
def test_dag_retry_policy():
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    his_dag, kcb = bag.dags["andanh_his"], bag.dags["andanh_kcb"]
    assert his_dag.catchup and not kcb.catchup  # files are tracked by the seen-file index instead
    assert his_dag.max_active_runs == 1  # catch-up runs one interval after the other
    assert his_dag.start_date.year >= 2026  # a sane start: no years of empty hourly runs
    assert "anything_new" in kcb.get_task("close_ingest").downstream_task_ids
    assert "plan_validate" in kcb.get_task("anything_new").downstream_task_ids


# --- HIS: commit time, overlap, de-duplication by MA_LK version --------------------------------------

@pytest.fixture
def his_db():
    from pipelines.synth.his_seed import seed_his
    schema = f"ops_his_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    try:
        seed_his(engine, 30, 11, schema=schema)
        yield engine, schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def _set_commit(engine, schema: str, ma_lks: list[str], at: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {schema}.xml130_tong_hop SET updated_at = "
                             "to_timestamp(:at, 'YYYYMMDDHH24MI')::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh' "
                             "WHERE ma_lk = ANY(:ids)"), {"at": at, "ids": ma_lks})


def _pulled(workdir: Workdir, summary) -> list[str]:
    import duckdb

    from pipelines.ingest import staged_files
    files = staged_files(workdir, summary.batch_id, "xml1")
    if not files:
        return []
    return [r[0] for r in duckdb.sql(f"SELECT MA_LK FROM read_parquet({[str(f) for f in files]})").fetchall()]


@pytest.mark.postgres
def test_late_commits_are_pulled_by_the_next_interval_once(his_db, workdir):
    engine, schema = his_db
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text(
            f"SELECT ma_lk FROM {schema}.xml130_tong_hop WHERE coalesce(ngay_ttoan, '') <> '' ORDER BY ma_lk"))]
    early, late, edited = ids[:10], ids[10:13], ids[13:15]
    _set_commit(engine, schema, ids, "202001010000")  # everything else: long before
    _set_commit(engine, schema, early, "202512010930")
    pull = lambda a, b: his.pull_his(engine, workdir, interval_start=a, interval_end=b, schema=schema,
                                     watermark_column="updated_at", overlap=dt.timedelta(minutes=60))
    first = pull("202512010900", "202512011000")
    assert sorted(_pulled(workdir, first)) == sorted(early)
    # committed at 09:50 (inside the interval that already ran) but visible only after it ran
    _set_commit(engine, schema, late, "202512010950")
    second = pull("202512011000", "202512011100")
    assert sorted(_pulled(workdir, second)) == sorted(late)  # early ones are in the overlap but not again
    assert second.files[0].details["skipped_versions"] == len(early)
    # a correction of an already pulled episode is a new version: pulled again
    _set_commit(engine, schema, edited, "202512011130")
    third = pull("202512011100", "202512011200")
    assert sorted(_pulled(workdir, third)) == sorted(edited)
    again = pull("202512011000", "202512011100")  # re-running an interval is idempotent
    assert sorted(_pulled(workdir, again)) == sorted(late)
    ledger = sa.create_engine(workdir.ledger_url())
    with ledger.connect() as conn:
        text = str(conn.execute(sa.text("SELECT * FROM his_versions")).fetchall())
    ledger.dispose()
    assert not any(i in text for i in ids)


# --- the release lock ---------------------------------------------------------------------------

HOLD = textwrap.dedent("""
    import sys, time
    from pipelines.locks import release_lock
    with release_lock(sys.argv[1]) as kind:
        print(kind, flush=True)
        time.sleep(float(sys.argv[2]))
""")


def _holder(root: Path, seconds: float, env: dict | None = None) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(root), str(seconds)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            start_new_session=True)
    assert proc.stdout.readline().strip() in ("file", "postgresql")
    return proc


@pytest.mark.parametrize("ledger", ["file", "postgresql"])
def test_release_lock_serialises_processes(workdir, monkeypatch, ledger):
    env = {}
    if ledger == "postgresql":
        env["ANDANH_LEDGER_URL"] = PG_URL
        monkeypatch.setenv("ANDANH_LEDGER_URL", PG_URL)
    holder = _holder(workdir.root, 3, env)
    try:
        with pytest.raises(LockTimeout, match="another release is running"):
            with release_lock(workdir, timeout_s=0.5):
                pass
        start = time.monotonic()
        with release_lock(workdir, timeout_s=30) as kind:
            assert kind == ledger
            assert time.monotonic() - start > 1  # waited for the holder to finish
            with release_lock(workdir, timeout_s=0.1) as inner:  # re-entrant in one process
                assert inner == "reentrant"
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_releases_the_lock(workdir):
    holder = _holder(workdir.root, 600)
    holder.kill()
    holder.wait()
    with release_lock(workdir, timeout_s=5) as kind:
        assert kind == "file"


def test_lock_key_names_the_data_root(tmp_path):
    assert lock_key(tmp_path / "a") != lock_key(tmp_path / "b")
    assert lock_key(tmp_path / "a") == lock_key(tmp_path / "a")


def test_release_step_takes_the_lock(workdir, monkeypatch):
    import pipelines.run as run
    assert getattr(run.release, "__wrapped__", None) is not None  # holds_release_lock
    holder = _holder(workdir.root, 5)
    try:
        monkeypatch.setenv("ANDANH_LOCK_TIMEOUT_S", "0.5")
        with pytest.raises(LockTimeout):
            run.release(workdir)
    finally:
        holder.kill()
        holder.wait()


def test_scratch_names_carry_host_and_process(tmp_path):
    import socket
    name = scratch_path(tmp_path, "validate", ".duckdb").name
    host = socket.gethostname().split(".")[0][:10]
    assert f".{os.getpid()}." in name and host.replace("_", "-")[:5] in name
