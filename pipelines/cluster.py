"""A real Airflow CeleryExecutor cluster as local processes: api-server, scheduler, dag-processor
and N Celery workers on PostgreSQL (metadata + result backend) and Redis (broker).

Used by the distributed and fault-injection tests and by the scale-out benchmark; the same layout
as ``docker-compose.yml`` without containers. Every process gets its own process group, so
:meth:`LocalCluster.stop` (SIGINT, then SIGKILL) and :meth:`LocalCluster.kill_worker` (SIGKILL of the
worker and every task process it forked, as when a container dies) leave nothing behind.

Each worker names itself (``--celery-hostname``) and its task processes report that name as the
task instance's ``hostname`` (``ANDANH_WORKER_NAME`` read by :func:`worker_hostname`, Airflow's
``hostname_callable``), so the task instances show which worker ran what.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_hostname() -> str:
    """Airflow ``hostname_callable``: the worker's name when one is set, else the host's FQDN."""
    from pipelines.settings import get_settings
    return get_settings().worker_name or socket.getfqdn()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalCluster:
    home: Path
    pg_admin_url: str = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
    broker_url: str = "redis://127.0.0.1:6379/6"
    workers: tuple[str, ...] = ("worker1", "worker2")
    concurrency: int = 2
    env: dict[str, str] = field(default_factory=dict)
    db_name: str = field(default_factory=lambda: f"ops_airflow_{uuid.uuid4().hex[:8]}")
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.home = Path(self.home)
        self.port = free_port()
        self.password = secrets.token_hex(12)
        self.jwt_secret, self.api_secret = secrets.token_hex(16), secrets.token_hex(16)  # shared by every process
        self._token: str | None = None

    # --- set-up -----------------------------------------------------------------------------------
    @property
    def db_url(self) -> str:
        return self.pg_admin_url.rsplit("/", 1)[0] + f"/{self.db_name}"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def base_env(self) -> dict[str, str]:
        result_backend = "db+" + self.db_url.replace("postgresql+psycopg2", "postgresql")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update({
            "AIRFLOW_HOME": str(self.home), "PYTHONPATH": str(ROOT),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.db_url,
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api}/execution/",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "pipelines.cluster.worker_hostname",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__API__BASE_URL": self.api,
            "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
            "AIRFLOW__API__SECRET_KEY": self.api_secret,
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({"type": "console"}),
            "GX_ANALYTICS_ENABLED": "False", "NO_COLOR": "1",
        })
        env.update(self.env)
        return env

    def _create_database(self) -> None:
        import sqlalchemy as sa
        engine = sa.create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.db_name}"'))
        engine.dispose()

    def drop_database(self) -> None:
        import sqlalchemy as sa
        engine = sa.create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                         {"d": self.db_name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.db_name}"'))
        engine.dispose()

    def _spawn(self, name: str, args: list[str], extra: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.home / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "airflow", *args], env={**self.base_env(), **(extra or {})},
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.home)
        log.close()
        self.procs[name] = proc
        return proc

    def start(self, timeout_s: float = 180) -> "LocalCluster":
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "passwords.json").write_text(json.dumps({"admin": self.password}))
        self._create_database()
        migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=self.base_env(),
                                 capture_output=True, text=True, cwd=self.home)
        if migrate.returncode:
            raise RuntimeError(f"airflow db migrate failed: {migrate.stderr[-2000:]}")
        self._spawn("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(self.port)])
        self._spawn("scheduler", ["scheduler"])
        self._spawn("dag-processor", ["dag-processor"])
        for name in self.workers:
            self.start_worker(name)
        self.wait_ready(timeout_s)
        return self

    def start_worker(self, name: str) -> subprocess.Popen:
        return self._spawn(name, ["celery", "worker", "--celery-hostname", f"{name}@%h",
                                  "--concurrency", str(self.concurrency)],
                           {"ANDANH_WORKER_NAME": name,
                            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())})

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                self.request("GET", "/api/v2/dags/andanh_kcb")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(2)
        raise TimeoutError(f"the cluster was not ready in {timeout_s:g} s; logs in {self.home}")

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None and not name.startswith("killed:"):
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.home / (name + '.log')}")

    # --- REST API -----------------------------------------------------------------------------------
    def token(self) -> str:
        """A JWT from the simple auth manager (``POST /auth/token``)."""
        if self._token is None:
            body = json.dumps({"username": "admin", "password": self.password}).encode()
            req = urllib.request.Request(f"{self.api}/auth/token", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                self._token = json.loads(resp.read())["access_token"]
        return self._token

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.api}{path}", data=data, method=method, headers={
            "Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        from datetime import datetime, timezone
        run = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns",
                           {"logical_date": datetime.now(timezone.utc).isoformat(), "conf": conf or {}})
        return run["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")[
            "task_instances"]

    def tries(self, dag_id: str, run_id: str) -> list[dict]:
        """Every try of every task instance (retried ones included), with its hostname and state."""
        out = []
        for ti in self.task_instances(dag_id, run_id):
            index = ti.get("map_index", -1)
            path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}"
            path += f"/{index}/tries" if index is not None and index >= 0 else "/tries"
            out += self.request("GET", path)["task_instances"]
        return out

    def wait(self, dag_id: str, run_id: str, timeout_s: float = 240, on_poll=None) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check_alive()
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            if on_poll:
                on_poll()
            time.sleep(1)
        raise TimeoutError(f"{dag_id} run {run_id} still not done after {timeout_s:g} s; logs in {self.home}")

    # --- faults and shutdown ------------------------------------------------------------------------
    def kill_worker(self, name: str) -> None:
        """SIGKILL the worker's whole process group (Celery, its pool and the task processes)."""
        proc = self.procs.pop(name)
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        self.procs[f"killed:{name}"] = proc

    def stop(self) -> None:
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGINT)
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():  # whatever is left in each group, children included
            _signal_group(proc, signal.SIGKILL)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.procs.clear()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.home.rglob("*.log")))

    def __enter__(self) -> "LocalCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            self.drop_database()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def published_digest(published: Path) -> str:
    """Digest of the published content: every Parquet table's rows in a canonical order, keyed by its
    path inside its release (release ids, timestamps, signatures and archive copies left out)."""
    import pyarrow.parquet as pq

    digest = hashlib.sha256()
    tables: dict[str, list] = {}
    for path in sorted(published.rglob("*.parquet")):
        rel = path.relative_to(published).parts
        if "_archive" in rel or any(part.startswith(".") for part in rel):
            continue
        key = "/".join((rel[0], *rel[2:]))  # <dataset>/<release>/<rest> -> <dataset>/<rest>
        rows = pq.read_table(path).to_pylist()
        tables.setdefault(key, []).extend(sorted(repr(sorted(r.items())) for r in rows))
    for key in sorted(tables):
        digest.update(key.encode())
        for row in sorted(tables[key]):
            digest.update(row.encode())
    return digest.hexdigest()
