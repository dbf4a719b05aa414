"""Fault tolerance without Airflow (issue 12, point 5): an interrupted `andanh run` re-run gives the same
release; the ledger database down and a full disk give a clear error and no partial release.
(Killed Celery workers: tests/test_distributed.py.)"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.cluster import published_digest
from pipelines.ledger import Ledger
from pipelines.workdir import Workdir

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ANDANH = [sys.executable, "-m", "pipelines.cli"]


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    subprocess.run(ANDANH + ["synth", "--encounters", "40", "--seed", "31", "--out", str(out)], check=True,
                   capture_output=True)
    return out / "xml"


@pytest.fixture(scope="module")
def reference(synth, tmp_path_factory) -> Workdir:
    workdir = Workdir.at(tmp_path_factory.mktemp("ref") / "data")
    done = subprocess.run(ANDANH + ["run", "--source", str(synth), "--workdir", str(workdir.root)],
                          capture_output=True, text=True, env=_env())
    assert done.returncode == 0, done.stderr[-2000:]
    return workdir


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ANDANH_LEDGER_URL"}
    return {**env, "PYTHONPATH": str(ROOT), "ANDANH_INGEST_WORKERS": "1", **extra}


def _no_partial_release(workdir: Workdir) -> None:
    if not workdir.published.exists():
        return
    assert not [p for p in workdir.published.rglob("*") if ".~" in p.name]
    for latest in workdir.published.rglob("LATEST"):
        assert (latest.parent / latest.read_text().strip() / "manifest.json").is_file()


def _wait_for(path_glob: tuple[Path, str], proc: subprocess.Popen, timeout: float = 300) -> None:
    root, pattern = path_glob
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if root.exists() and any(root.glob(pattern)):
            return
        time.sleep(0.2)
    raise AssertionError(f"{pattern} never appeared under {root}")


def test_an_interrupted_run_rerun_gives_the_same_release(synth, reference, tmp_path):
    workdir = Workdir.at(tmp_path / "data")
    proc = subprocess.Popen(ANDANH + ["run", "--source", str(synth), "--workdir", str(workdir.root)],
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        _wait_for((workdir.restricted, "validated/**/*.parquet"), proc)  # in the middle of validate
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _no_partial_release(workdir)
        again = subprocess.run(ANDANH + ["run", "--source", str(synth), "--workdir", str(workdir.root)],
                               capture_output=True, text=True, env=_env())
        assert again.returncode == 0, again.stderr[-2000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert published_digest(workdir.published) == published_digest(reference.published)
    entries = Ledger(workdir.ledger_url()).entries()
    assert entries and all(e.balanced for e in entries)
    _no_partial_release(workdir)


def test_ledger_database_down_is_a_clear_error_and_publishes_nothing(synth, tmp_path):
    workdir = tmp_path / "data"
    down = subprocess.run(ANDANH + ["run", "--source", str(synth), "--workdir", str(workdir)], capture_output=True,
                          text=True, env=_env(ANDANH_LEDGER_URL="postgresql+psycopg2://postgres@127.0.0.1:9/x"))
    assert down.returncode == 1
    assert "database unreachable" in down.stderr and "Traceback" not in down.stderr, down.stderr[-1500:]
    assert not list((workdir / "published").rglob("*.parquet"))


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_release(synth, tmp_path):
    workdir = Workdir.at(tmp_path / "data")
    full = subprocess.run(ANDANH + ["run", "--source", str(synth), "--workdir", str(workdir.root)],
                          capture_output=True, text=True, env=_env(), preexec_fn=_limit_file_size)
    assert full.returncode != 0
    # whichever write hits the limit first (a Parquet file, or the SQLite ledger), one line names the file system
    assert "Traceback" not in full.stderr and "error: file system:" in full.stderr, full.stderr[-1500:]
    _no_partial_release(workdir)
    again = subprocess.run(ANDANH + ["run", "--source", str(synth), "--workdir", str(workdir.root)],
                           capture_output=True, text=True, env=_env())  # space freed: the same command works
    assert again.returncode == 0, again.stderr[-2000:]
    assert list(workdir.published.rglob("LATEST"))
    _no_partial_release(workdir)


def _limit_file_size_small() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (48 * 1024, 48 * 1024))  # room for a few tables, not all


def test_a_migration_cut_short_leaves_no_half_schema(tmp_path):
    """SQLite DDL runs in one transaction: a migration the disk cuts short leaves the database as it was,
    so the next run migrates it whole (it used to fail on 'table ... already exists')."""
    import sqlalchemy as sa
    db = tmp_path / "gov.sqlite"
    url = f"sqlite:///{db}"
    cut = subprocess.run(ANDANH + ["govern", "migrate", "--url", url, "--workdir", str(tmp_path / "w")],
                         capture_output=True, text=True, env=_env(), preexec_fn=_limit_file_size_small)
    assert cut.returncode != 0 and "Traceback" not in cut.stderr, cut.stderr[-1500:]
    tables = sa.inspect(sa.create_engine(url)).get_table_names() if db.exists() else []
    assert tables in ([], ["alembic_version"]), tables  # nothing half-made
    whole = subprocess.run(ANDANH + ["govern", "migrate", "--url", url, "--workdir", str(tmp_path / "w")],
                           capture_output=True, text=True, env=_env())
    assert whole.returncode == 0, whole.stderr[-1500:]
    assert "audit_log" in sa.inspect(sa.create_engine(url)).get_table_names()
