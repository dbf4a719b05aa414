"""Governed SQL: the one adapter between the portal and ``pipelines.publish.sandbox`` (the sandbox
``andanh query`` uses too): one SELECT over the granted views only, in a private in-memory copy
with external access off and the configuration locked, time- and row-limited."""
from __future__ import annotations

import threading
from pathlib import Path

from pipelines.publish.sandbox import QueryRefused, QueryResult, open_sandbox

__all__ = ["QueryRefused", "QueryResult", "open_query", "refusal_types", "run"]


def refusal_types() -> tuple[type[Exception], ...]:
    """What the sandbox raises for refused or failing SQL (ValueError: does not parse or fails to run)."""
    return (QueryRefused, ValueError, KeyError)


def open_query(catalog: Path, *, views: set[str], timeout_s: float = 30, max_rows: int = 100_000):
    return open_sandbox(catalog, views=views, timeout_s=timeout_s, max_rows=max_rows)


# Idle sandboxes per (catalog, its mtime, view set, limits): opening one copies the granted views, which
# cost more than most queries. A sandbox serves one query at a time (taken from the pool, given back
# after), admits only one SELECT, so nothing a query does stays in it; a new catalog retires the old.
MAX_IDLE = 4
_IDLE: dict[tuple, list] = {}
_IDLE_LOCK = threading.Lock()


def _key(catalog: Path, views: set[str], timeout_s: float, max_rows: int) -> tuple:
    return (str(catalog), catalog.stat().st_mtime_ns, frozenset(views), timeout_s, max_rows)


def _take(key: tuple):
    with _IDLE_LOCK:
        for stale in [k for k in _IDLE if k[0] == key[0] and k[1] != key[1]]:
            for sandbox in _IDLE.pop(stale):
                sandbox.close()
        idle = _IDLE.get(key)
        return idle.pop() if idle else None


def _give_back(key: tuple, sandbox) -> None:
    with _IDLE_LOCK:
        idle = _IDLE.setdefault(key, [])
        if len(idle) < MAX_IDLE:
            idle.append(sandbox)
            return
    sandbox.close()


def run(catalog: Path, views: set[str], sql: str, *, timeout_s: float = 10, max_rows: int = 100_000) -> QueryResult:
    """Run one query in a sandbox over exactly ``views`` (a pooled one, or a new one)."""
    catalog = Path(catalog)
    if not catalog.is_file():
        raise FileNotFoundError(f"no published catalog at {catalog}")
    key = _key(catalog, views, timeout_s, max_rows)
    sandbox = _take(key) or open_query(catalog, views=views, timeout_s=timeout_s, max_rows=max_rows)
    try:
        result = sandbox.query(sql)
    except BaseException:
        sandbox.close()  # refused or failed: not reused
        raise
    _give_back(key, sandbox)
    return result
