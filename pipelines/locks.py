"""One lock for the steps that rewrite shared outputs (the aggregate, the releases, ``LATEST``).

:func:`release_lock` is a context manager. With a PostgreSQL run ledger (a deployment: workers on
several hosts, perhaps sharing the data root over a network file system where ``fcntl`` locks are
unreliable) it holds a PostgreSQL session advisory lock keyed on the data root; otherwise an
exclusive ``fcntl`` lock on ``<data root>/.release.lock``. Both are released by the operating
system or the server when the holder dies (a killed Celery worker never leaves the lock taken).

Re-entrant within one process (``andanh run`` -> release -> the DAG task wrapper), so nesting is
harmless. Waiting longer than ``ANDANH_LOCK_TIMEOUT_S`` raises :class:`LockTimeout` (transient: the
Airflow task is retried).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from pipelines.workdir import Workdir

log = logging.getLogger(__name__)
LOCK_FILE = ".release.lock"
POLL_SECONDS = 0.2
_held: dict[str, int] = {}
_held_lock = threading.Lock()


class LockTimeout(TimeoutError):
    """The release lock was not obtained in time (another release is running)."""


def lock_key(root: Path) -> int:
    """Signed 64-bit advisory-lock key of a data root (stable across hosts and processes)."""
    digest = hashlib.sha256(f"andanh-release\x1f{root}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def release_lock(workdir: Workdir | str | os.PathLike, *, timeout_s: float | None = None) -> Iterator[str]:
    """Hold the release lock of ``workdir`` while the block runs; yields the lock kind (file/postgresql)."""
    from pipelines.settings import get_settings

    wd = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    name = str(wd.root)
    with _held_lock:
        depth = _held.get(name, 0)
        _held[name] = depth + 1
    try:
        if depth:
            yield "reentrant"
            return
        timeout = timeout_s if timeout_s is not None else get_settings().lock_timeout_s
        url = wd.ledger_url()
        holder = _pg_lock if url.startswith("postgresql") else _file_lock
        with holder(wd, url, timeout) as kind:
            yield kind
    finally:
        with _held_lock:
            _held[name] -= 1
            if not _held[name]:
                del _held[name]


def _wait(try_once, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockTimeout(f"release lock of {what} not obtained within {timeout:g} s; "
                              "another release is running (retry later)")
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def _file_lock(wd: Workdir, url: str, timeout: float) -> Iterator[str]:
    wd.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(wd.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        def attempt() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False
        _wait(attempt, timeout, str(wd.root))
        log.info("release lock taken (file %s)", wd.root / LOCK_FILE)
        try:
            yield "file"
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _pg_lock(wd: Workdir, url: str, timeout: float) -> Iterator[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, hide_parameters=True)
    key = lock_key(wd.root)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")

            def attempt() -> bool:
                return bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            _wait(attempt, timeout, str(wd.root))
            log.info("release lock taken (PostgreSQL advisory lock %d)", key)
            try:
                yield "postgresql"
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        engine.dispose()


def holds_release_lock(func):
    """Decorator: run ``func(workdir, ...)`` under :func:`release_lock` of its first argument."""
    import functools

    @functools.wraps(func)
    def wrapper(workdir, *args, **kwargs):
        with release_lock(workdir):
            return func(workdir, *args, **kwargs)
    return wrapper
