"""A real distributed run (issue 12, points 3 and 5): api-server, scheduler, dag-processor and two Celery
workers as processes on PostgreSQL (fresh metadata database, created and dropped) and Redis db 6;
andanh_kcb triggered through the REST API (JWT from the simple auth manager); both workers run tasks;
then a worker is SIGKILLed in the middle of ingest and of validate and the run still ends with the
same published content; and the broker goes down (a relay in front of Redis is closed) while a run
starts: a clear error, nothing published, and once it is back, the cleared run publishes the same.
Everything started is stopped (process groups, SIGINT then SIGKILL)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from broker_proxy import BrokerProxy

from pipelines.cluster import LocalCluster, published_digest
from pipelines.ledger import Ledger
from pipelines.workdir import Workdir

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow, pytest.mark.distributed,
              pytest.mark.xdist_group("distributed")]
ENCOUNTERS = 60


def _broker_db() -> int:
    """A Redis database of this test process's own: two clusters on one broker take each other's tasks."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    return 6 + 2 * index


def _broker_url() -> str:
    return f"redis://127.0.0.1:6379/{_broker_db()}"


def _services_up() -> bool:
    import redis
    import sqlalchemy as sa
    try:
        redis.Redis.from_url(_broker_url()).ping()
        sa.create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres").connect().close()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    subprocess.run([sys.executable, "-m", "pipelines.cli", "synth", "--encounters", str(ENCOUNTERS), "--seed", "12",
                    "--out", str(out), "--defects", "0.02"], check=True, capture_output=True)
    return out / "xml"


@pytest.fixture(scope="module")
def broker():
    proxy = BrokerProxy()
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, broker):
    if not _services_up():
        pytest.fail("PostgreSQL 127.0.0.1:5432 and Redis 127.0.0.1:6379 must run (.ci/run starts them)")
    import redis
    redis.Redis.from_url(_broker_url()).flushdb()  # no message of an earlier run
    home = tmp_path_factory.mktemp("airflow")
    c = LocalCluster(home, broker_url=broker.url(_broker_db()),  # through the relay, so it can go down
                     env={"ANDANH_FILES_PER_TASK": "3", "ANDANH_RETRY_DELAY_SECONDS": "2"})
    try:
        c.start()
        yield c
    finally:
        c.stop()
        c.drop_database()


def _run(cluster: LocalCluster, source: Path, workdir: Path, on_poll=None, timeout_s: float = 1500) -> str:
    run_id = cluster.trigger("andanh_kcb", {"source": str(source), "workdir": str(workdir)})
    state = cluster.wait("andanh_kcb", run_id, timeout_s=timeout_s, on_poll=on_poll and (lambda: on_poll(run_id)))
    assert state == "success", _failure(cluster, run_id)
    return run_id


def _failure(cluster: LocalCluster, run_id: str) -> str:
    tis = cluster.task_instances("andanh_kcb", run_id)
    return str([(t["task_id"], t.get("map_index"), t["state"], t.get("hostname")) for t in tis]) + \
        cluster.logs()[-3000:]


def _assert_clean_release(workdir: Workdir) -> None:
    entries = Ledger(workdir.ledger_url()).entries()
    assert entries and all(e.balanced for e in entries), [e for e in entries if not e.balanced]
    assert {"ingest", "validate"} <= {e.stage for e in entries}
    leftovers = [p for p in workdir.published.rglob("*") if ".~" in p.name]
    assert not leftovers, leftovers  # nothing half-written
    for latest in workdir.published.rglob("LATEST"):
        release = latest.parent / latest.read_text().strip()
        assert (release / "manifest.json").is_file(), release


@pytest.fixture(scope="module")
def baseline(cluster, synth, tmp_path_factory):
    workdir = Workdir.at(tmp_path_factory.mktemp("run") / "data")
    run_id = _run(cluster, synth, workdir.root)
    return workdir, run_id


def test_dag_runs_on_two_celery_workers(cluster, baseline):
    workdir, run_id = baseline
    tries = cluster.tries("andanh_kcb", run_id)
    hosts = {t["hostname"] for t in tries if t["state"] == "success"}
    assert hosts == {"worker1", "worker2"}, [(t["task_id"], t["hostname"]) for t in tries]
    assert sum(1 for t in tries if t["task_id"] == "ingest") >= 2  # mapped ingest spread over workers
    _assert_clean_release(workdir)
    assert list(workdir.published.rglob("LATEST"))


def test_no_planted_identifier_in_any_airflow_log_and_lineage_names_datasets(cluster, baseline, synth):
    """The synthetic set plants names, CCCD, BHYT, phone numbers and patient ids in free text and in the
    identifying columns: none may appear in any Airflow log (task logs of every try, every service)."""
    import json
    spans = [json.loads(line) for line in (synth.parent / "truth" / "pii_spans.jsonl").read_text().splitlines()]
    kinds = {"PERSON", "VN_CCCD", "VN_BHYT", "PHONE_NUMBER", "VN_PATIENT_ID"}
    planted = sorted({s["text"] for s in spans if s["entity_type"] in kinds and len(s["text"]) >= 6})
    assert len(planted) > 50
    logs = cluster.logs()
    found = [p for p in planted if p in logs]
    assert not found, f"{len(found)} planted identifier(s) in Airflow logs, e.g. a {len(found[0])}-char value"
    task_logs = [p for p in (cluster.home / "logs").rglob("*.log") if "task_id=close_validate" in str(p)]
    events = [line for p in task_logs for line in p.read_text().splitlines() if "openlineage.client" in line
              and "COMPLETE" in line]
    assert events and any("restricted/validated" in e and "staging" in e for e in events)
    records = [json.loads(line) for p in task_logs for line in p.read_text().splitlines() if line.startswith("{")]
    ours = [r for r in records if "validated batch" in str(r.get("event", ""))]  # validate's own summary line
    assert ours and all(r.get("stage") == "validate" and r.get("batch_id") for r in ours), ours[:3]


def _kill_during(cluster: LocalCluster, task_id: str, killed: dict):
    """SIGKILL the worker of the first ``task_id`` instance seen running. A short task can end between the
    poll and the kill: then the kill interrupted nothing, so the worker is started again and the next
    running instance is tried (``killed`` names only a worker whose task the kill really cut short)."""
    def state_of(run_id: str, map_index) -> str | None:
        return next((ti["state"] for ti in cluster.task_instances("andanh_kcb", run_id)
                     if ti["task_id"] == task_id and ti.get("map_index") == map_index), None)

    def poll(run_id: str) -> None:
        if killed:
            return
        for ti in cluster.task_instances("andanh_kcb", run_id):
            host = ti.get("hostname")
            if ti["task_id"] == task_id and ti["state"] == "running" and host in cluster.procs:
                cluster.kill_worker(host)
                if state_of(run_id, ti.get("map_index")) == "success":  # it finished first: not interrupted
                    cluster.procs.pop(f"killed:{host}", None)
                    cluster.start_worker(host)
                    return
                killed[host] = ti.get("map_index")
                return
    return poll


@pytest.mark.parametrize("task_id", ["ingest", "validate"])
def test_a_worker_killed_mid_task_is_retried_elsewhere_with_the_same_release(cluster, synth, baseline, task_id,
                                                                             tmp_path):
    workdir = Workdir.at(tmp_path / "data")
    killed: dict = {}
    try:
        run_id = _run(cluster, synth, workdir.root, on_poll=_kill_during(cluster, task_id, killed), timeout_s=1500)
    finally:
        for name in killed:  # the next test has two workers again
            cluster.procs.pop(f"killed:{name}", None)
            cluster.start_worker(name)
    assert killed, f"no running {task_id} task was seen to kill"
    victim = next(iter(killed))
    tries = [t for t in cluster.tries("andanh_kcb", run_id) if t["task_id"] == task_id]
    retried = [t for t in tries if t["try_number"] > 1 and t["state"] == "success"]
    assert retried and all(t["hostname"] != victim for t in retried), [(t["try_number"], t["hostname"],
                                                                        t["state"]) for t in tries]
    assert published_digest(workdir.published) == published_digest(baseline[0].published)
    _assert_clean_release(workdir)


def test_broker_down_is_a_clear_error_publishes_nothing_and_the_cleared_run_recovers(cluster, broker, synth,
                                                                                   baseline, tmp_path):
    workdir = Workdir.at(tmp_path / "data")
    broker.stop()
    try:
        run_id = cluster.trigger("andanh_kcb", {"source": str(synth), "workdir": str(workdir.root)})
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and cluster.run_state("andanh_kcb", run_id) not in ("failed",):
            if "Error sending Celery workload" in (cluster.home / "scheduler.log").read_text(errors="replace"):
                break
            time.sleep(2)
        scheduler = (cluster.home / "scheduler.log").read_text(errors="replace")
        assert "Error sending Celery workload" in scheduler and "Connection refused" in scheduler
        assert cluster.run_state("andanh_kcb", run_id) != "success"
        assert not list(workdir.published.rglob("LATEST")) if workdir.published.exists() else True
    finally:
        broker.start()
    # the operator's recovery: the broker is back, clear what failed, the run goes on
    time.sleep(5)
    cluster.request("POST", "/api/v2/dags/andanh_kcb/clearTaskInstances",
                    {"dag_run_id": run_id, "only_failed": True, "reset_dag_runs": True, "dry_run": False})
    state = cluster.wait("andanh_kcb", run_id, timeout_s=900)
    assert state == "success", _failure(cluster, run_id)
    assert published_digest(workdir.published) == published_digest(baseline[0].published)
    _assert_clean_release(workdir)
