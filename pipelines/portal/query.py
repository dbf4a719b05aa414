"""Governed SQL: the one adapter between the portal and ``pipelines.publish.sandbox`` (the sandbox
``andanh query`` uses too): one SELECT over the granted views only, in a private in-memory copy
with external access off and the configuration locked, time- and row-limited."""
from __future__ import annotations

from pathlib import Path

from pipelines.publish.sandbox import QueryRefused, QueryResult, open_sandbox

__all__ = ["QueryRefused", "QueryResult", "open_query", "refusal_types", "run"]


def refusal_types() -> tuple[type[Exception], ...]:
    """What the sandbox raises for refused or failing SQL (ValueError: does not parse or fails to run)."""
    return (QueryRefused, ValueError, KeyError)


def open_query(catalog: Path, *, views: set[str], timeout_s: float = 30, max_rows: int = 100_000):
    return open_sandbox(catalog, views=views, timeout_s=timeout_s, max_rows=max_rows)


def run(catalog: Path, views: set[str], sql: str, *, timeout_s: float = 10, max_rows: int = 100_000) -> QueryResult:
    """Run one query in a fresh sandbox over ``views`` (closed afterwards)."""
    sandbox = open_query(catalog, views=views, timeout_s=timeout_s, max_rows=max_rows)
    try:
        return sandbox.query(sql)
    finally:
        sandbox.close()
