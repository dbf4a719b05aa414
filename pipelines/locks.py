"""One lock for the steps that rewrite shared outputs (the aggregate, the releases, ``LATEST``).

:func:`release_lock` is a context manager. With a PostgreSQL run ledger (a deployment: workers on
several hosts, perhaps sharing the data root over a network file system where ``fcntl`` locks are
unreliable) it holds a PostgreSQL session advisory lock keyed on the data root; otherwise an
exclusive ``fcntl`` lock on ``<data root>/.release.lock``. Both are released by the operating
system or the server when the holder dies (a killed Celery worker never leaves the lock taken).

The release's pieces (one ``<dataset>/<period>`` frozen by a mapped task, see
:func:`pipelines.run.freeze_piece`) take :func:`piece_lock`: the release lock **shared** (many pieces at
once on several workers, none while a release step or retention holds it exclusively) and the piece's
own lock exclusively (two freezes of one period never overlap). Always in that order, so no deadlock.

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


def lock_key(root: Path, piece: str | None = None) -> int:
    """Signed 64-bit advisory-lock key of a data root, or of one piece of its release (stable across
    hosts and processes)."""
    name = f"andanh-release\x1f{root}" + (f"\x1f{piece}" if piece else "")
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def release_lock(workdir: Workdir | str | os.PathLike, *, timeout_s: float | None = None,
                 shared: bool = False) -> Iterator[str]:
    """Hold the release lock of ``workdir`` while the block runs (``shared``: alongside other shared
    holders, never with an exclusive one); yields the lock kind (file/postgresql)."""
    wd = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    with _held_once(wd, None, timeout_s, shared) as kind:
        yield kind


@contextlib.contextmanager
def piece_lock(workdir: Workdir | str | os.PathLike, piece: str, *, timeout_s: float | None = None) -> Iterator[str]:
    """Hold the release lock shared and the lock of one piece (``<dataset>/<period>``) exclusively."""
    wd = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    with _held_once(wd, None, timeout_s, True), _held_once(wd, piece, timeout_s, False) as kind:
        yield kind


@contextlib.contextmanager
def _held_once(wd: Workdir, piece: str | None, timeout_s: float | None, shared: bool) -> Iterator[str]:
    """Take one lock unless this process holds it already (then yield ``reentrant``)."""
    from pipelines.settings import get_settings

    name = f"{wd.root}\x1f{piece}" if piece else str(wd.root)
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
        with holder(wd, url, timeout, piece, shared) as kind:
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


def piece_lock_file(wd: Workdir, piece: str) -> Path:
    """The lock file of one piece (``<dataset>/<period>``) of the release."""
    return wd.root / ".locks" / f"release-{piece.replace('/', '--')}.lock"


@contextlib.contextmanager
def _file_lock(wd: Workdir, url: str, timeout: float, piece: str | None, shared: bool) -> Iterator[str]:
    path = piece_lock_file(wd, piece) if piece else wd.root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        def attempt() -> bool:
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False
        _wait(attempt, timeout, f"{wd.root} ({piece})" if piece else str(wd.root))
        log.info("release lock taken (file %s%s)", path, ", shared" if shared else "")
        try:
            yield "file"
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _pg_lock(wd: Workdir, url: str, timeout: float, piece: str | None, shared: bool) -> Iterator[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, hide_parameters=True)
    key = lock_key(wd.root, piece)
    kind = "_shared" if shared else ""
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")

            def attempt() -> bool:
                return bool(conn.execute(sa.text(f"SELECT pg_try_advisory_lock{kind}(:k)"), {"k": key}).scalar())
            _wait(attempt, timeout, f"{wd.root} ({piece})" if piece else str(wd.root))
            log.info("release lock taken (PostgreSQL advisory lock %d%s)", key, ", shared" if shared else "")
            try:
                yield "postgresql"
            finally:
                conn.execute(sa.text(f"SELECT pg_advisory_unlock{kind}(:k)"), {"k": key})
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
