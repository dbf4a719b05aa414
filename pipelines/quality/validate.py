"""Validate stage: run the XML1–XML5 suites over a batch's staged rows and split them into
validated and quarantined.

An episode (one ``MA_LK``) with any error-severity failure in any of its tables is quarantined with
all its rows; warnings only annotate (``_warnings``). Child rows whose ``MA_LK`` has no XML1 row are
quarantined as ``xml.orphan_child``. Rows are numbered ``_staged_row`` in staged order (files sorted
by path, then row in file); reports name rows by that number, never by a personal value.

The checks read the staged Parquet files in place through DuckDB views, and GE sees each column's
distinct values (:func:`pipelines.quality.engine.run_suite_duckdb`); nothing is copied. A batch is
validated in shards of its episodes (``pipelines/quality/shards.py``: plan, one task per shard, close;
:func:`validate_rows` is one shard's run), the same code in one process and as mapped Airflow tasks.

Outputs (replaced on every run, so re-running a batch is idempotent): the validated zone
``restricted/validated/<batch>/`` (verdicts over the staged files, read with
:func:`pipelines.quality.validated.read_validated`), ``restricted/quarantine/<batch>/<table>.parquet``,
``restricted/quarantine/<batch>/failures.parquet`` (one row per failing row, rule and field, with the
value: the restricted zone only), ``restricted/reports/<batch>/validation.json`` (counts and row
numbers, no values), ``restricted/reports/<batch>/report.html`` (readable, values masked) and ledger
entries of stage ``validate`` (per table, ``episodes`` and ``hoso``: a HOSO is one
``(_source_sha256, _hoso_index)``, the unit the ingest stage counts).
"""
from __future__ import annotations

import logging
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from pipelines import duck
from pipelines.ingest.staging import EXTRA_COLUMN, table_arrow_schema
from pipelines.quality.engine import (RuleResult, create_derived_tables, distinct_values, load_suite, run_sql_rules,
                                      run_suite_duckdb, split_suite, suite_derived_tables)
from pipelines.quality.rules import ERROR, WARNING
from pipelines.quality.validated import StagedDataChanged, read_parquet_sql, write_json_atomic
from pipelines.schema import EPISODE_TABLES, LINEAGE_COLUMNS, Schema, load_schema
from pipelines.workdir import Workdir, scratch_path

log = logging.getLogger(__name__)

STAGE = "validate"
ORPHAN_RULE = "xml.orphan_child"
EPISODE_RULE = "xml.episode_quarantined"  # on rows that pass themselves but belong to a failed episode
ROW = "_staged_row"
NON_STANDARD_COLUMNS = {EXTRA_COLUMN, *LINEAGE_COLUMNS}
EXAMPLE_ROWS = 5
HOSO_FILE = "hoso.parquet"
SHARD_KEYS = "shard_keys"  # the episode keys of the shard being validated (pipelines.quality.shards)
# A table staged in more files than this is copied once into the scratch database (see _stage_view).
MAX_FILES_READ_IN_PLACE: int | None = None  # None: from the settings (tests may pin it)
# DuckDB spills to workdir/tmp beyond this, so a large batch fits beside the other pipeline stages.


class QualityGateError(Exception):
    """The batch failed the data-quality gate; the pipeline must stop (fail closed)."""


@dataclass
class RuleSummary:
    rule_id: str
    table: str
    fields: list[str]
    severity: str
    expectation_type: str
    element_count: int
    unexpected_count: int
    pass_rate: float
    example_rows: list[int] = field(default_factory=list)  # _staged_row numbers, never values
    exception: str | None = None


@dataclass
class TableSummary:
    table: str
    files: int
    received: int
    passed: int
    quarantined: int
    warned_rows: int
    unknown_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    @property
    def drift(self) -> bool:
        return bool(self.unknown_columns or self.missing_columns)


@dataclass
class ValidationSummary:
    """What a validate run found. Episodes are the distinct ``MA_LK`` values over XML1–XML5 (so an
    orphan's key counts as a failed episode) plus each XML1 row without ``MA_LK``; the error rate is
    quarantined episodes / episodes. The gate fails above the threshold, on schema drift, or when a
    rule could not run."""
    batch_id: str
    schema_version: str
    error_threshold: float
    episodes: int
    quarantined_episodes: int
    tables: dict[str, TableSummary]
    rules: list[RuleSummary]
    gate_reasons: list[str]
    suites: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> suite name and file SHA-256
    report_path: str | None = None
    html_report_path: str | None = None
    hoso: dict[str, int] = field(default_factory=dict)  # received, passed, quarantined

    @property
    def passed_episodes(self) -> int:
        return self.episodes - self.quarantined_episodes

    @property
    def error_rate(self) -> float:
        return self.quarantined_episodes / self.episodes if self.episodes else 0.0

    @property
    def gate_passed(self) -> bool:
        return not self.gate_reasons

    @property
    def schema_drift(self) -> dict[str, dict[str, list[str]]]:
        return {t.table: {"unknown": t.unknown_columns, "missing": t.missing_columns}
                for t in self.tables.values() if t.drift}

    @property
    def rule_failures(self) -> dict[str, int]:
        """Failing rows per rule id (summed over tables for cross-table rules)."""
        counts: dict[str, int] = {}
        for r in self.rules:
            counts[r.rule_id] = counts.get(r.rule_id, 0) + r.unexpected_count
        return counts

    @property
    def pass_rates(self) -> dict[str, float]:
        elements: dict[str, int] = {}
        for r in self.rules:
            elements[r.rule_id] = elements.get(r.rule_id, 0) + r.element_count
        failures = self.rule_failures
        return {k: (1.0 - failures[k] / n if n else 1.0) for k, n in elements.items()}

    def to_dict(self) -> dict:
        return {
            "batch_id": self.batch_id, "stage": STAGE, "schema_version": self.schema_version,
            "gate": {"passed": self.gate_passed, "reasons": self.gate_reasons,
                     "error_rate": round(self.error_rate, 6), "error_threshold": self.error_threshold},
            "episodes": {"total": self.episodes, "quarantined": self.quarantined_episodes,
                         "passed": self.passed_episodes},
            "hoso": self.hoso,
            "schema_drift": self.schema_drift,
            "suites": self.suites,
            "tables": {k: asdict(t) for k, t in self.tables.items()},
            "rules": [asdict(r) for r in self.rules],
            "row_numbering": f"{ROW}: position in the table's staged rows (files by path, then row in file)",
        }


@contextmanager
def _timed(what: str):
    start = time.perf_counter()
    yield
    log.debug("validate: %s took %.2f s", what, time.perf_counter() - start)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run_suites(con: duckdb.DuckDBPyConnection, suites: dict, tables: dict[str, TableSummary]
                ) -> dict[str, list[RuleResult]]:
    """The GE column expectations of every table over its ``g_<table>`` view (then closes ``con``).
    A third thread, on its own connection, gets the next table's distinct values while GE judges
    this one's (one table ahead, so their memory stays bounded)."""
    ahead_con = con.cursor()
    try:
        results, memo = {}, {}
        todo = [t for t in EPISODE_TABLES if tables[t].received]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="andanh-distinct") as ahead:
            def fetch(table_id: str):
                return ahead.submit(distinct_values, suites[table_id], ahead_con, f"g_{table_id}")

            upcoming = fetch(todo[0]) if todo else None
            for i, table_id in enumerate(todo):
                values = upcoming.result()
                upcoming = fetch(todo[i + 1]) if i + 1 < len(todo) else None
                with _timed(f"{table_id} suite"):
                    results[table_id] = run_suite_duckdb(suites[table_id], con, f"g_{table_id}", table_id,
                                                         tables[table_id].received, memo, values)
                del values
        return {t: results.get(t, []) for t in EPISODE_TABLES}
    finally:
        ahead_con.close()
        con.close()


def _stage_view(con: duckdb.DuckDBPyConnection, table_id: str, entries: list[dict], root: Path,
                schema: Schema, shard: int | None = None) -> list[str]:
    """View ``s_<table>`` over the table's staged Parquet files (no copy: DuckDB reads only the columns
    each query names) with ``_staged_row`` = the file's offset in ``entries`` + the row's position in
    it; returns the staged columns (without the row number). ``entries`` may instead name validate's
    own copy of the table's rows (:func:`is_rows_file`: numbered already). With ``shard``, only the
    rows whose episode is in table ``shard_keys`` (and, in shard 0, the rows without an episode)."""
    target = f"s_{table_id}"
    if entries:
        select = _staged_rows_sql(entries, root)
        if shard is not None:
            select = _in_shard(con, select, shard)
        # Every query pays a cost per file (about 1-2 ms): many small files are read once into the
        # scratch database, a few large ones are read in place by each query.
        if copied_into_scratch(entries):
            con.execute("SET threads = 1")  # one thread reads many small files faster, in a third of the memory
            try:
                con.execute(f"CREATE OR REPLACE TABLE {target} AS {select}")
                con.execute("CHECKPOINT")  # compressed on disk: later steps read it within the memory limit
            finally:
                con.execute("RESET threads")
        else:
            con.execute(f"CREATE OR REPLACE VIEW {target} AS {select}")
    else:  # no rows of this table in the batch: an empty table with the staging contract's columns
        empty = table_arrow_schema(schema.table(table_id).columns).empty_table()
        con.register("empty_staged", empty)
        con.execute(f"CREATE OR REPLACE TABLE {target} AS "
                    f"SELECT *, NULL::BIGINT AS {ROW} FROM empty_staged LIMIT 0")
        con.unregister("empty_staged")
    return [d[0] for d in con.execute(f"SELECT * FROM {target} LIMIT 0").description if d[0] != ROW]


def _staged_rows_sql(entries: list[dict], root: Path) -> str:
    """The table's staged rows, each with its ``_staged_row``."""
    source = read_parquet_sql([str(root / e["path"]) for e in entries])
    if is_rows_file(entries):
        return f"SELECT * EXCLUDE (file_row_number) FROM {source}"
    # file_index is the file's position in the list: its offset is a constant lookup, not a join.
    offsets = "[" + ", ".join(str(int(e["offset"])) for e in entries) + "]::BIGINT[]"
    return (f"SELECT * EXCLUDE (file_row_number), "
            f"(({offsets})[file_index::BIGINT + 1] + file_row_number)::BIGINT AS {ROW} FROM {source}")


def _in_shard(con: duckdb.DuckDBPyConnection, select: str, shard: int) -> str:
    """``select`` cut to one shard's rows: those whose episode key is in ``shard_keys`` (plus, in
    shard 0, those without one)."""
    columns = [d[0] for d in con.execute(f"SELECT * FROM ({select}) LIMIT 0").description]
    key = _episode_key("r") if "MA_LK" in columns else "NULL::VARCHAR"
    keyless = f" OR {key} IS NULL" if shard == 0 else ""
    return f"SELECT * FROM ({select}) r WHERE {key} IN (SELECT episode FROM {SHARD_KEYS}){keyless}"


def is_rows_file(entries: list[dict]) -> bool:
    """``entries`` name validate's copy of a table's rows (one file with ``_staged_row``), not staged files."""
    return len(entries) == 1 and "staged_files" in entries[0]


def copied_into_scratch(entries: list[dict]) -> bool:
    """A table staged in so many files that validate copies its rows once (never its own copy)."""
    from pipelines.settings import get_settings
    limit = MAX_FILES_READ_IN_PLACE if MAX_FILES_READ_IN_PLACE is not None else (
        get_settings().validate_max_files_in_place)
    return len(entries) > limit and not is_rows_file(entries)


def _create_suite_view(con: duckdb.DuckDBPyConnection, table_id: str, columns: list[str], present: set[str]) -> str:
    """View ``g_<table>``: ``_staged_row`` and the registry columns as staged strings; a column missing
    from the staged files is all null, so its required rule fails every row (fail closed). GE sees
    blank values (empty or whitespace only) as null (:func:`pipelines.quality.engine.blank_to_null`)."""
    select = ", ".join([ROW] + [f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" if c in present
                                else f"NULL::VARCHAR AS {_quote(c)}" for c in columns])
    con.execute(f"CREATE OR REPLACE VIEW g_{table_id} AS SELECT {select} FROM s_{table_id}")
    return f"g_{table_id}"


def _failures_frame(results: list[RuleResult]) -> pa.Table:
    """One row per (staged row, failed rule): the long form DuckDB joins back to the staged rows."""
    rows, rules, fields, severities = [], [], [], []
    for r in results:
        n = len(r.failed_rows)
        if n:
            rows.append(r.failed_rows.astype(np.int64))
            rules.append(np.full(n, r.rule_id, dtype=object))
            fields.append(np.full(n, ";".join(r.fields), dtype=object))
            severities.append(np.full(n, r.severity, dtype=object))
    if not rows:
        return pa.table({ROW: pa.array([], pa.int64()), "rule_id": pa.array([], pa.string()),
                         "field": pa.array([], pa.string()), "severity": pa.array([], pa.string())})
    return pa.table({ROW: pa.array(np.concatenate(rows)), "rule_id": pa.array(np.concatenate(rules), pa.string()),
                     "field": pa.array(np.concatenate(fields), pa.string()),
                     "severity": pa.array(np.concatenate(severities), pa.string())})


def _add_results(con, table_id: str, results: list[RuleResult], rule_summaries: list, phase: int,
                 create: bool) -> None:
    """Append rule results to ``f_<table>`` (the long failure table) and to the summaries, each
    summary with its place ``[phase, table, position]`` (the order a one-shard run finds them in)."""
    con.register(f"rule_failures_{table_id}", _failures_frame(results))
    if create:
        con.execute(f"CREATE OR REPLACE TEMP TABLE f_{table_id} AS SELECT * FROM rule_failures_{table_id}")
    else:
        con.execute(f"INSERT INTO f_{table_id} SELECT * FROM rule_failures_{table_id}")
    con.unregister(f"rule_failures_{table_id}")
    for i, r in enumerate(results):
        rule_summaries.append(([phase, EPISODE_TABLES.index(table_id), i], RuleSummary(
            rule_id=r.rule_id, table=table_id, fields=list(r.fields), severity=r.severity,
            expectation_type=r.expectation_type, element_count=r.element_count,
            unexpected_count=r.unexpected_count, pass_rate=round(r.pass_rate, 6),
            example_rows=[int(row) for row in r.failed_rows[:EXAMPLE_ROWS]], exception=r.exception)))


_WHITESPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"


def _trimmed(column: str, characters: str | None = _WHITESPACE) -> str:
    """``column`` as a string without surrounding ``characters`` (SQL; None: spaces), NULL when
    blank. Most values start and end with a visible character and are kept as they are: a trim on
    every value cost 6x more."""
    value = f"CAST({column} AS VARCHAR)"
    trim = f"trim({value}, {characters})" if characters else f"trim({value})"
    return f"(CASE WHEN ascii({value}) > 32 AND ascii({value}[-1]) > 32 THEN {value} ELSE NULLIF({trim}, '') END)"


def _rule_columns(queries: list[str], columns: list[str]) -> list[str]:
    """The registry columns the SQL rules name (all of them if a rule selects ``*``)."""
    text = "\n".join(queries)
    if re.search(r"(?i)(\bselect|\bdistinct|,|\.)\s*\*", text):  # SELECT *, x.*, a, *
        return list(columns)
    named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return [c for c in columns if c in named]


def _create_rule_view(con, table_id: str, columns: list[str], present: set[str], queries: list[str]) -> None:
    """View ``<table>`` as SQL rules see it: ``_staged_row`` and the registry columns the rules name,
    as strings with blank values NULL (as GE sees them); a column missing from the staged files is all
    NULL. A view, not a table: trimming again per rule costs less than writing a copy."""
    select = ", ".join([ROW] + [f"{_trimmed(_quote(c))} AS {_quote(c)}" if c in present
                                else f"NULL::VARCHAR AS {_quote(c)}"
                                for c in _rule_columns(queries, columns)])
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table_id} AS SELECT {select} FROM s_{table_id}")


def _episode_key(alias: str) -> str:
    """The episode a row belongs to: its MA_LK with surrounding spaces removed, null when empty
    (the trim only runs on values that start or end with a space or a control character)."""
    return _trimmed(f'{alias}."MA_LK"', characters=None)


def _build_xml1_keys(con: duckdb.DuckDBPyConnection, staged_columns: dict[str, list[str]]) -> int:
    """Table ``xml1_keys``: the distinct episode keys of XML1 (built once for every orphan check);
    returns the number of XML1 rows without a key."""
    key = _episode_key("s") if "MA_LK" in staged_columns["xml1"] else "NULL::VARCHAR"
    con.execute(f"CREATE OR REPLACE TEMP TABLE xml1_key_counts AS SELECT {key} AS episode, count(*) AS n "
                f"FROM s_xml1 s GROUP BY ALL")
    con.execute("CREATE OR REPLACE TEMP TABLE xml1_keys AS SELECT episode FROM xml1_key_counts WHERE episode IS NOT NULL")
    return con.execute("SELECT coalesce(sum(n), 0) FROM xml1_key_counts WHERE episode IS NULL").fetchone()[0]


def _check_orphans(con: duckdb.DuckDBPyConnection, table_id: str, staged_columns: dict[str, list[str]],
                   received: int) -> RuleSummary:
    """Add ``xml.orphan_child`` failures for child rows without an XML1 row of the same MA_LK (in SQL);
    ``o_<table>`` keeps each orphan row with its key."""
    key = _episode_key("c") if "MA_LK" in staged_columns[table_id] else "NULL::VARCHAR"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE o_{table_id} AS
        SELECT c.{ROW}, {key} AS episode FROM s_{table_id} c
        WHERE {key} IS NULL OR NOT EXISTS (SELECT 1 FROM xml1_keys p WHERE p.episode = {key})""")
    con.execute(f"INSERT INTO f_{table_id} SELECT {ROW}, ?, 'MA_LK', ? FROM o_{table_id}", [ORPHAN_RULE, ERROR])
    orphans = con.execute(f"SELECT count(*) FROM o_{table_id}").fetchone()[0]
    examples = [r[0] for r in con.execute(f"SELECT {ROW} FROM o_{table_id} ORDER BY 1 LIMIT {EXAMPLE_ROWS}")
                .fetchall()]
    return RuleSummary(
        rule_id=ORPHAN_RULE, table=table_id, fields=["MA_LK"], severity=ERROR,
        expectation_type="duckdb:child_has_xml1_parent", element_count=received, unexpected_count=orphans,
        pass_rate=round(1 - orphans / received, 6) if received else 1.0, example_rows=examples)


class _Outputs:
    """Parquet outputs written to temporary files first and moved into place together at the end,
    so a run that fails half-way leaves the previous run's outputs whole."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tmp_dir: Path):
        self.con, self.tmp_dir, self.pending, self.moves = con, tmp_dir, [], []

    def copy(self, query: str, params: list, target: Path) -> Path:
        zone = target.parent.parent.name  # validated / quarantine
        tmp = scratch_path(self.tmp_dir, f"{zone}-{target.parent.name}-{target.stem}", ".tmp.parquet")
        self.pending.append((tmp, target))
        path_literal = str(tmp).replace("'", "''")
        self.con.execute(f"COPY ({query}) TO '{path_literal}' (FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 1)", params)
        return tmp

    def write_json(self, document: dict, target: Path) -> None:
        tmp = scratch_path(self.tmp_dir, f"{target.parent.name}-{target.stem}", ".tmp.json")
        self.pending.append((tmp, target))
        write_json_atomic(tmp, document)

    def move(self, source: Path, target: Path) -> None:
        """Move a finished file (not this object's to discard) into place with the others."""
        self.moves.append((source, target))

    def commit(self) -> None:
        for tmp, target in self.pending + self.moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        self.pending.clear()
        self.moves.clear()

    def discard(self) -> None:
        for tmp, _ in self.pending:
            tmp.unlink(missing_ok=True)
        self.pending.clear()
        self.moves.clear()


def validate_batch(workdir: Workdir | str | os.PathLike, batch_id: str, *, error_threshold: float = 0.2,
                   expectations_dir: str | os.PathLike | None = None, shards: int | None = None
                   ) -> ValidationSummary:
    """Validate one ingested batch; write validated/quarantine files, the JSON report and ledger counts.
    Plans the batch's shards, validates each, then closes (``pipelines.quality.shards``: the same three
    steps the ``andanh_kcb`` DAG maps)."""
    from pipelines.quality.shards import close_validate, plan_validate, validate_shard

    workdir = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    plan = plan_validate(workdir, batch_id, error_threshold=error_threshold, expectations_dir=expectations_dir,
                         shards=shards)
    for k in range(plan["shards"]):
        validate_shard(workdir, batch_id, k)
    return close_validate(workdir, batch_id)


def validate_rows(workdir: Workdir, batch_id: str, plan: dict, shard: int, out: Path) -> dict:
    """Run every rule over one shard's rows (all rows with one shard) in a scratch DuckDB database;
    write its verdicts, quarantined rows, failures and HOSO verdicts into ``out`` and return its counts
    and rule summaries (``shard.json``)."""
    suite_dir = Path(plan["expectations_dir"])
    suites = {t: load_suite(t, suite_dir) for t in EPISODE_TABLES}
    # A scratch database file, not memory: DuckDB keeps the staged copy compressed on disk.
    scratch = scratch_path(workdir.tmp, "validate", ".duckdb")
    for leftover in (scratch, scratch.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    from pipelines.settings import get_settings
    con = duck.connect(get_settings().validate_memory, database=scratch, workdir=workdir)
    try:
        return _validate(con, workdir, batch_id, load_schema(), suites, plan, shard, out)
    finally:
        con.close()
        for leftover in (scratch, scratch.with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)


def _select_shard(con, plan: dict, shard: int, keys: Path) -> int | None:
    """Table ``shard_keys`` (the shard's episode keys, from the plan's key table) when the batch has
    more than one shard; the shard number to cut the staged rows by, or None for every row."""
    if plan["shards"] == 1:
        return None
    path = str(keys).replace("'", "''")
    con.execute(f"CREATE OR REPLACE TABLE {SHARD_KEYS} AS SELECT DISTINCT episode FROM read_parquet('{path}') "
                f"WHERE shard = ? AND episode IS NOT NULL", [shard])
    return shard


def _validate(con, workdir: Workdir, batch_id: str, schema: Schema, suites: dict, plan: dict, shard: int,
              out: Path) -> dict:
    from pipelines.quality.shards import keys_path, planned_rows

    tables: dict[str, TableSummary] = {}
    rule_summaries: list[tuple[list[int], RuleSummary]] = []
    staged_columns: dict[str, list[str]] = {}
    index, staged = plan["index"], plan["staged"]
    cut = _select_shard(con, plan, shard, keys_path(workdir, batch_id))
    for table_id in EPISODE_TABLES:
        files = index[table_id]
        columns = _stage_view(con, table_id, files, workdir.root, schema, cut)
        staged_columns[table_id] = columns
        registry = schema.table(table_id).columns
        standard = [c for c in columns if c not in NON_STANDARD_COLUMNS]
        summary = TableSummary(table=table_id, files=len(staged[table_id]), received=0, passed=0, quarantined=0,
                               warned_rows=0,
                               unknown_columns=sorted(set(standard) - set(registry)) if files else [],
                               missing_columns=sorted(set(registry) - set(standard)) if files else [])
        tables[table_id] = summary
        summary.received = con.execute(f"SELECT count(*) FROM s_{table_id}").fetchone()[0] if cut is not None \
            else sum(e["rows"] for e in files)
        if summary.received != planned_rows(plan, table_id, shard):
            raise StagedDataChanged(f"batch {batch_id}: the {table_id} rows of validate shard {shard} are not the "
                                    "planned ones; plan again")
        _create_suite_view(con, table_id, registry, set(standard))
        _add_results(con, table_id, [], rule_summaries, 0, create=True)

    # GE runs in a second thread on its own connection while DuckDB runs the SQL rules here: GE is
    # mostly single-threaded Python, DuckDB releases the GIL, so the two overlap.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="andanh-ge") as pool:
        suite_results = pool.submit(_run_suites, con.cursor(), suites, tables)
        # SQL rules (cross-field, money, cross-table) over views named like the tables.
        derived = suite_derived_tables(suites[t] for t in EPISODE_TABLES)
        queries = [rule.unexpected_rows_query for t in EPISODE_TABLES for rule in split_suite(suites[t])[1]]
        queries += list(derived.values())
        for table_id in EPISODE_TABLES:
            _create_rule_view(con, table_id, schema.table(table_id).columns, set(staged_columns[table_id]),
                              queries)
        with _timed("derived tables"):
            create_derived_tables(con, derived)
        for table_id in EPISODE_TABLES:
            _, sql = split_suite(suites[table_id])
            with _timed(f"{table_id} SQL rules"):
                results = run_sql_rules(con, sql, table_id, table_id, tables[table_id].received) \
                    if tables[table_id].received else []
            _add_results(con, table_id, results, rule_summaries, 0, create=False)
        # Cross-table rule: every child row needs an XML1 row with the same MA_LK.
        keyless_xml1 = _build_xml1_keys(con, staged_columns)
        for table_id in EPISODE_TABLES[1:]:
            with _timed(f"{table_id} orphans"):
                rule_summaries.append(([1, EPISODE_TABLES.index(table_id), 0], _check_orphans(
                    con, table_id, staged_columns, tables[table_id].received)))
        for table_id, results in suite_results.result().items():
            _add_results(con, table_id, results, rule_summaries, 2, create=False)

    # Per failing row: its own error rules, failing fields and warnings (small: failing rows only).
    with _timed("episodes"):
        for table_id in EPISODE_TABLES:
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE a_{table_id} AS
                SELECT {ROW},
                       string_agg(DISTINCT rule_id, ';' ORDER BY rule_id) FILTER (WHERE severity = '{ERROR}')
                           AS own_errors,
                       string_agg(DISTINCT field, ';' ORDER BY field) FILTER (WHERE severity = '{ERROR}')
                           AS failing_fields,
                       string_agg(DISTINCT rule_id, ';' ORDER BY rule_id) FILTER (WHERE severity = '{WARNING}')
                           AS warnings
                FROM f_{table_id} GROUP BY {ROW}""")
        keys = {t: (_episode_key("s") if "MA_LK" in staged_columns[t] else "NULL::VARCHAR") for t in EPISODE_TABLES}
        # An episode fails when any row of it, in any table, has an error.
        failing = " UNION ALL ".join(
            f"SELECT {keys[t]} AS episode, a.own_errors FROM s_{t} s JOIN a_{t} a USING ({ROW}) "
            f"WHERE a.own_errors IS NOT NULL" for t in EPISODE_TABLES)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE bad_episodes AS
            SELECT episode, string_agg(DISTINCT rule_id, ';' ORDER BY rule_id) AS episode_rule_ids
            FROM (SELECT episode, unnest(string_split(own_errors, ';')) AS rule_id FROM ({failing})
                  WHERE episode IS NOT NULL)
            GROUP BY episode""")
        # Episodes: every MA_LK seen in the batch, plus each XML1 row without one (it cannot be matched).
        # Every key of the batch is an XML1 key or an orphan's key.
        orphan_keys = " UNION ".join(f"SELECT episode FROM o_{t}" for t in EPISODE_TABLES[1:])
        keyed = con.execute(f"SELECT (SELECT count(*) FROM xml1_keys) + "
                            f"(SELECT count(*) FROM ({orphan_keys}) WHERE episode IS NOT NULL)").fetchone()[0]
        episodes = keyed + keyless_xml1
        quarantined_episodes = con.execute("SELECT count(*) FROM bad_episodes").fetchone()[0] + keyless_xml1
        # Verdicts: the rows that are quarantined or warned (few); every other row passes as it is.
        for table_id in EPISODE_TABLES:
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE v_{table_id} AS
                SELECT {ROW}, a.own_errors, a.failing_fields, a.warnings, e.episode_rule_ids,
                       (a.own_errors IS NOT NULL OR e.{ROW} IS NOT NULL) AS quarantined
                FROM a_{table_id} a FULL JOIN (
                    SELECT s.{ROW}, b.episode_rule_ids FROM s_{table_id} s
                    JOIN bad_episodes b ON {keys[table_id]} = b.episode) e USING ({ROW})""")

    outputs = _Outputs(con, workdir.tmp)
    try:
        _write_outputs(con, outputs, out, batch_id, staged_columns, tables, plan["rows"])
        _write_hoso(con, outputs, out, staged_columns)
    except BaseException:
        outputs.discard()
        raise
    outputs.commit()
    return {"tables": {t: asdict(s) for t, s in tables.items()},
            "rules": [[key, asdict(r)] for key, r in rule_summaries],
            "episodes": episodes, "quarantined_episodes": quarantined_episodes}


def _write_hoso(con, outputs: _Outputs, out: Path, staged_columns: dict[str, list[str]]) -> None:
    """The shard's HOSO (records as ingest counts them: one ``(_source_sha256, _hoso_index)``), each
    with whether any of its rows is quarantined: a HOSO can hold rows of episodes in other shards, so
    the close counts them over every shard's file (:data:`HOSO_FILE`). Nothing without lineage."""
    with_lineage = [t for t in EPISODE_TABLES if {"_source_sha256", "_hoso_index"} <= set(staged_columns[t])]
    if not with_lineage:
        return
    every = " UNION ALL ".join(f"SELECT s._source_sha256, s._hoso_index, coalesce(v.quarantined, false) AS quarantined "
                               f"FROM s_{t} s LEFT JOIN v_{t} v USING ({ROW})" for t in with_lineage)
    outputs.copy(f"SELECT _source_sha256, _hoso_index, bool_or(quarantined) AS quarantined FROM ({every}) "
                 "GROUP BY ALL", [], out / HOSO_FILE)


def _failures_query(con, table_id: str, batch_id: str, staged_columns: list[str]) -> str | None:
    """One row per (failing row, rule, field) with the staged value; None when the table has no failures.
    One pass over the staged rows: the failing rows are joined once, then each field picks its value."""
    fields = [r[0] for r in con.execute(
        f"SELECT DISTINCT unnest(string_split(field, ';')) FROM f_{table_id} ORDER BY 1").fetchall()]
    fields = [name for name in fields if name.replace("_", "").isalnum()]
    if not fields:
        return None
    key = 'CAST(s."MA_LK" AS VARCHAR)' if "MA_LK" in staged_columns else "NULL::VARCHAR"
    present = [name for name in fields if name in staged_columns]
    picked = ", ".join(f"CAST(s.{_quote(name)} AS VARCHAR) AS {_quote('value_' + name)}" for name in present)
    value = ("CASE field " + " ".join(f"WHEN '{name}' THEN {_quote('value_' + name)}" for name in present)
             + " END") if present else "NULL::VARCHAR"
    return f"""
        SELECT '{table_id}' AS table_name, {ROW}, MA_LK, rule_id, severity, field, {value} AS value, quarantined
        FROM (SELECT f.{ROW}, {key} AS MA_LK, f.rule_id, f.severity, v.quarantined,
                     unnest(string_split(f.field, ';')) AS field{", " + picked if picked else ""}
              FROM f_{table_id} f JOIN s_{table_id} s USING ({ROW}) JOIN v_{table_id} v USING ({ROW}))
        WHERE field IN ({", ".join(f"'{name}'" for name in fields)})"""


def _write_outputs(con: duckdb.DuckDBPyConnection, outputs: _Outputs, out: Path, batch_id: str,
                   staged_columns: dict[str, list[str]], tables: dict[str, TableSummary],
                   table_rows: dict[str, int]) -> None:
    """Per table the verdicts and the quarantined rows in full, and the failure list, into ``out``
    (named as :func:`output_name` says); the tables' counts."""
    parts = [q for q in (_failures_query(con, t, batch_id, staged_columns[t]) for t in EPISODE_TABLES) if q]
    empty = ("SELECT NULL::VARCHAR AS table_name, NULL::BIGINT AS _staged_row, NULL::VARCHAR AS MA_LK, "
             "NULL::VARCHAR AS rule_id, NULL::VARCHAR AS severity, NULL::VARCHAR AS field, NULL::VARCHAR AS value, "
             "NULL::BOOLEAN AS quarantined LIMIT 0")
    failures = " UNION ALL ".join(parts) if parts else empty
    outputs.copy(f"SELECT *, ?::VARCHAR AS _batch_id FROM ({failures}) ORDER BY table_name, {ROW}, rule_id, field",
                 [batch_id], out / output_name("failures"))
    for table_id in EPISODE_TABLES:
        columns = staged_columns[table_id]
        # Staged columns in staged order, with _batch_id set to this batch (added if a file lacked it).
        staged = ", ".join("?::VARCHAR AS _batch_id" if c == "_batch_id" else f"s.{_quote(c)}" for c in columns)
        if "_batch_id" not in columns:
            staged += ", ?::VARCHAR AS _batch_id"
        quarantine_query = f"""
            SELECT {staged}, s.{ROW},
                   coalesce(v.own_errors, '{EPISODE_RULE}') AS _rule_ids,
                   v.failing_fields AS _failing_fields, v.episode_rule_ids AS _episode_rule_ids,
                   v.warnings AS _warnings
            FROM s_{table_id} s JOIN v_{table_id} v USING ({ROW}) WHERE v.quarantined ORDER BY s.{ROW}"""
        verdicts_query = f"SELECT {ROW}, quarantined, warnings AS _warnings FROM v_{table_id} ORDER BY {ROW}"
        with _timed(f"{table_id} write"):
            outputs.copy(verdicts_query, [], out / output_name("verdicts", table_id))
            outputs.copy(quarantine_query, [batch_id], out / output_name("quarantine", table_id))
        quarantined, warned, outside = con.execute(
            f"SELECT count(*) FILTER (WHERE quarantined), count(*) FILTER (WHERE warnings IS NOT NULL), "
            f"count(*) FILTER (WHERE {ROW} IS NULL OR {ROW} < 0 OR {ROW} >= ?) FROM v_{table_id}",
            [table_rows[table_id]]).fetchone()
        if outside:  # an explicit check: asserts vanish under python -O
            raise RuntimeError(f"validate of {batch_id}/{table_id}: {outside} verdicts name no staged row")
        summary = tables[table_id]
        summary.passed, summary.quarantined, summary.warned_rows = summary.received - quarantined, quarantined, warned


def output_name(kind: str, table_id: str | None = None) -> str:
    """A shard's output file: ``failures.parquet``, ``<table>.verdicts.parquet``, ``<table>.quarantine.parquet``."""
    return f"{kind}.parquet" if table_id is None else f"{table_id}.{kind}.parquet"


def gate_reasons(tables: dict[str, TableSummary], rules: list[tuple[list[int], RuleSummary]]) -> list[str]:
    """Why the batch fails the gate besides its error rate: schema drift per table, then each rule that
    could not run (in the order the rules ran)."""
    reasons = [f"{t.table}: staged columns differ from the registry "
               f"(unknown: {t.unknown_columns}, missing: {t.missing_columns})" for t in tables.values() if t.drift]
    reasons += [f"{r.rule_id}: the rule could not run ({r.exception})"
                for _, r in sorted(rules, key=lambda kr: kr[0]) if r.exception]
    return reasons


def write_report(workdir: Workdir, summary: ValidationSummary) -> Path:
    path = workdir.reports / summary.batch_id / "validation.json"
    write_json_atomic(path, summary.to_dict())
    return path


def enforce_gate(summary: ValidationSummary) -> ValidationSummary:
    """Raise :class:`QualityGateError` when the batch failed the gate; returns the summary otherwise."""
    if not summary.gate_passed:
        raise QualityGateError(f"batch {summary.batch_id} failed the data-quality gate: "
                               + "; ".join(summary.gate_reasons))
    return summary
