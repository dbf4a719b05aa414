"""Governed SQL over the published catalog: what ``andanh query`` and the portal run analysts' SQL in.

Three walls, each enough on its own for the file escapes:

1. The statement: exactly one plain ``SELECT`` (``duckdb.extract_statements``); its parse tree
   (``json_serialize_sql``) may name only the allowed views (and its own CTEs), call no table function
   but ``range``/``generate_series``/``unnest``, and no function that reads files or settings.
2. The database: a private in-memory DuckDB holding copies of the allowed views only; the catalog file
   is detached before any user SQL runs.
3. The engine: ``enable_external_access=false`` (no file, network, ATTACH, INSTALL/LOAD of extensions
   from disk), ``lock_configuration=true`` (no SET), a memory cap, one query at a time, interrupted after
   ``timeout_s``; at most ``max_rows`` rows come back (``truncated`` says so).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

ALLOWED_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
DENIED_FUNCTIONS = frozenset({
    "read_text", "read_blob", "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json",
    "read_json_auto", "read_ndjson", "glob", "getenv", "current_setting", "query", "query_table",
    "sniff_csv", "parquet_metadata", "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata",
    "json_serialize_sql", "json_deserialize_sql", "json_execute_serialized_sql", "icu_calendar_names",
    "duckdb_secrets", "which_secret", "pragma_database_list", "duckdb_settings", "duckdb_extensions",
})
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "system", "temp")


class QueryRefused(ValueError):
    """The SQL is outside what the sandbox allows; the message says why."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    truncated: bool


class Sandbox:
    def __init__(self, con: duckdb.DuckDBPyConnection, views: frozenset[str], timeout_s: float, max_rows: int):
        self._con, self.views, self.timeout_s, self.max_rows = con, views, timeout_s, max_rows
        self._lock = threading.Lock()

    def query(self, sql: str) -> QueryResult:
        """Run one SELECT over the allowed views; :class:`QueryRefused` for anything else or a timeout."""
        statement = self.check(sql)
        with self._lock:
            timer = threading.Timer(self.timeout_s, self._con.interrupt)
            timer.start()
            try:
                rel = self._con.sql(statement)
                columns = list(rel.columns)
                rows = rel.limit(self.max_rows + 1).fetchall()
            except duckdb.InterruptException:
                raise QueryRefused(f"query stopped after the time limit of {self.timeout_s:g} s") from None
            except duckdb.PermissionException as exc:
                raise QueryRefused(f"refused by the engine: {_first_line(exc)}") from None
            except duckdb.Error as exc:
                if not timer.is_alive():
                    raise QueryRefused(f"query stopped after the time limit of {self.timeout_s:g} s") from None
                raise ValueError(_first_line(exc)) from None
            finally:
                timer.cancel()
        return QueryResult(columns, rows[: self.max_rows], len(rows) > self.max_rows)

    def check(self, sql: str) -> str:
        """The one SELECT statement of ``sql``, or :class:`QueryRefused` naming what is not allowed."""
        try:
            statements = duckdb.extract_statements(sql)
        except duckdb.Error as exc:
            raise ValueError(f"SQL does not parse: {_first_line(exc)}") from None
        if len(statements) != 1:
            raise QueryRefused(f"one statement per query, got {len(statements)}")
        kind = statements[0].type
        if kind != duckdb.StatementType.SELECT:
            raise QueryRefused(f"only SELECT queries are allowed, not {kind.name}")
        text = statements[0].query
        tree = self._parse(text)
        refs, functions, ctes = _walk(tree)
        if denied := sorted(f for f in functions if f in DENIED_FUNCTIONS):
            raise QueryRefused(f"function(s) not allowed: {', '.join(denied)}")
        if table_functions := sorted(f for f in refs["functions"] if f not in ALLOWED_TABLE_FUNCTIONS):
            raise QueryRefused(f"table function(s) not allowed: {', '.join(table_functions)} "
                               f"(only the published views can be read)")
        unknown = sorted(name for name in refs["tables"] if name not in self.views and name not in ctes)
        if unknown:
            raise QueryRefused(f"not a published view: {', '.join(unknown)}; allowed: {', '.join(sorted(self.views))}")
        return text

    def _parse(self, text: str) -> dict:
        with self._lock:
            raw = self._con.execute("SELECT json_serialize_sql(?)", [text]).fetchall()[0][0]
        tree = json.loads(raw)
        if tree.get("error"):
            raise QueryRefused(f"only plain SELECT queries are allowed ({tree.get('error_message', 'not a SELECT')})")
        return tree

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _walk(tree: Any) -> tuple[dict[str, set[str]], set[str], set[str]]:
    refs: dict[str, set[str]] = {"tables": set(), "functions": set()}
    functions: set[str] = set()
    ctes: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind == "BASE_TABLE":
            schema, catalog = node.get("schema_name") or "", node.get("catalog_name") or ""
            name = node.get("table_name", "")
            if catalog or schema.lower() in SYSTEM_SCHEMAS or schema not in ("", "main"):
                name = ".".join(p for p in (catalog, schema, name) if p)
            refs["tables"].add(name)
        elif kind == "TABLE_FUNCTION":
            refs["functions"].add(str((node.get("function") or {}).get("function_name", "?")).lower())
        if "function_name" in node:
            functions.add(str(node["function_name"]).lower())
        for entry in (node.get("cte_map") or {}).get("map", []) or []:
            ctes.add(entry.get("key", ""))
        stack.extend(node.values())
    return refs, functions, ctes


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def catalog_views(catalog: Path) -> list[str]:
    """Every table and view of the catalog (the consumer-facing names)."""
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_schema = 'main' ORDER BY 1").fetchall()]
    finally:
        con.close()


def open_sandbox(catalog: Path, *, views: set[str] | None = None, timeout_s: float = 30,
                 max_rows: int = 100_000, memory_limit: str = "1GB") -> Sandbox:
    """A sandbox over the catalog's ``views`` (default: every published table and view)."""
    catalog = Path(catalog)
    if not catalog.is_file():
        raise FileNotFoundError(f"no published catalog at {catalog}")
    available = set(catalog_views(catalog))
    wanted = set(available if views is None else views)
    if missing := sorted(wanted - available):
        raise KeyError(f"not in the catalog: {', '.join(missing)}")
    con = duckdb.connect(":memory:", config={"threads": 1, "memory_limit": memory_limit,
                                             "autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        con.execute("ATTACH ? AS published (READ_ONLY)", [str(catalog)])
        for name in sorted(wanted):
            q = '"' + name.replace('"', '""') + '"'
            con.execute(f"CREATE TABLE main.{q} AS SELECT * FROM published.main.{q}")
        con.execute("DETACH published")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return Sandbox(con, frozenset(wanted), timeout_s, max_rows)
