"""Governed SQL: the one adapter between the portal and the query sandbox.

The portal codes against ``pipelines.publish.sandbox.open_sandbox(catalog, *, views, timeout_s,
max_rows)``. Until that module is on main, :class:`LocalSandbox` below is the TEMPORARY ADAPTER with
the same signature and refusals: a single SELECT; the granted views are copied (as Arrow) into a
fresh in-memory DuckDB that holds nothing else; then ``enable_external_access=false`` and
``lock_configuration=true``, so files, extensions, ATTACH and settings are out of reach even if the
text check missed something. Delete it when the publish sandbox lands.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

FORBIDDEN = re.compile(
    r"\b(read_\w+|glob|copy|attach|detach|install|load|set|reset|pragma|export|import|call|create|drop|insert|"
    r"update|delete|alter|checkpoint|vacuum|getenv|duckdb_\w+|sniff_csv|parquet_\w+|query_table|query|"
    r"current_setting|system|sqlite_\w+|postgres_\w+|iceberg_\w+|delta_\w+|json_execute_serialized_sql)\b",
    re.IGNORECASE)


class QueryRefused(Exception):
    """A query outside the granted views or trying to escape the sandbox."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    truncated: bool


def _strip_literals(sql: str) -> str:
    sql = re.sub(r"--[^\n]*|/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


_CACHE: dict[tuple[str, int], dict] = {}
_CACHE_LOCK = threading.Lock()


def _granted_data(catalog: Path, views: set[str]) -> dict:
    """The views' rows as Arrow tables, read once per catalog file version."""
    key = (str(catalog), catalog.stat().st_mtime_ns)
    with _CACHE_LOCK:
        tables = _CACHE.get(key)
        if tables is None:
            _CACHE.clear()
            tables = _CACHE[key] = {}
        missing = [v for v in views if v not in tables]
        if missing:
            source = duckdb.connect(str(catalog), read_only=True)
            try:
                for view in missing:
                    tables[view] = source.sql(f'SELECT * FROM "{view}"').to_arrow_table()
            finally:
                source.close()
        return {v: tables[v] for v in sorted(views)}


class LocalSandbox:
    """TEMPORARY ADAPTER (see the module docstring)."""

    def __init__(self, catalog: Path, *, views: set[str] | None, timeout_s: float, max_rows: int):
        self.timeout_s, self.max_rows = timeout_s, max_rows
        self.views = set(views or ())
        self.con = duckdb.connect(":memory:")
        if self.views:
            for view, data in _granted_data(catalog, self.views).items():
                self.con.register(f"_arrow_{view}", data)
                self.con.execute(f'CREATE TABLE "{view}" AS SELECT * FROM "_arrow_{view}"')
                self.con.unregister(f"_arrow_{view}")
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET autoinstall_known_extensions = false")
        self.con.execute("SET autoload_known_extensions = false")
        self.con.execute("SET lock_configuration = true")

    def _check(self, sql: str) -> None:
        try:
            statements = self.con.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryRefused(f"the query does not parse: {str(exc).splitlines()[0][:200]}") from None
        if len(statements) != 1:
            raise QueryRefused("send exactly one statement")
        if statements[0].type != duckdb.StatementType.SELECT:
            raise QueryRefused(f"only SELECT is allowed, not {statements[0].type.name}")
        found = FORBIDDEN.search(_strip_literals(sql))
        if found:
            raise QueryRefused(f"{found.group(0)!r} is not allowed in the sandbox (files, settings, extensions, DDL)")

    def query(self, sql: str) -> QueryResult:
        self._check(sql)
        timer = threading.Timer(self.timeout_s, self.con.interrupt)
        timer.start()
        try:
            cursor = self.con.execute(sql)
            rows = cursor.fetchmany(self.max_rows + 1)
            columns = [d[0] for d in cursor.description or ()]
        except duckdb.InterruptException:
            raise QueryRefused(f"the query ran longer than {self.timeout_s:g} s") from None
        except duckdb.CatalogException as exc:
            raise QueryRefused("only your granted views can be queried: " + str(exc).splitlines()[0][:200]) from None
        except duckdb.Error as exc:
            raise QueryRefused("the query failed: " + str(exc).splitlines()[0][:200]) from None
        finally:
            timer.cancel()
        return QueryResult(columns, rows[: self.max_rows], len(rows) > self.max_rows)

    def close(self) -> None:
        self.con.close()


def open_query(catalog: Path, *, views: set[str], timeout_s: float = 30, max_rows: int = 100_000):
    """The sandbox for one query over ``views`` (the publish sandbox when merged, else the temporary adapter)."""
    try:
        from pipelines.publish.sandbox import open_sandbox
    except ImportError:
        return LocalSandbox(catalog, views=views, timeout_s=timeout_s, max_rows=max_rows)
    return open_sandbox(catalog, views=views, timeout_s=timeout_s, max_rows=max_rows)


def refusal_types() -> tuple[type[Exception], ...]:
    """The refusal exceptions of whichever sandbox is in use."""
    try:
        from pipelines.publish.sandbox import QueryRefused as Theirs
    except ImportError:
        return (QueryRefused,)
    return (QueryRefused, Theirs)
