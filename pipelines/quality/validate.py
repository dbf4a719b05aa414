"""Validate stage: run the XML1–XML5 suites over a batch's staged rows and split them into
validated and quarantined.

An episode (one ``MA_LK``) with any error-severity failure in any of its tables is quarantined with
all its rows; warnings only annotate (``_warnings``). Child rows whose ``MA_LK`` has no XML1 row are
quarantined as ``xml.orphan_child``. Rows are numbered ``_staged_row`` in staged order (files sorted
by path, then row in file); reports name rows by that number, never by a personal value.

Outputs (replaced on every run, so re-running a batch is idempotent):
``restricted/validated/<batch>/<table>.parquet``, ``restricted/quarantine/<batch>/<table>.parquet``,
``restricted/reports/<batch>/validation.json``, and ledger entries of stage ``validate``.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.ingest import staged_files
from pipelines.ingest.staging import EXTRA_COLUMN, table_arrow_schema
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.quality.engine import RuleResult, load_suite, run_suite
from pipelines.quality.rules import ERROR, WARNING
from pipelines.schema import EPISODE_TABLES, LINEAGE_COLUMNS, Schema, load_schema
from pipelines.workdir import Workdir

log = logging.getLogger(__name__)

STAGE = "validate"
ORPHAN_RULE = "xml.orphan_child"
EPISODE_RULE = "xml.episode_quarantined"  # on rows that pass themselves but belong to a failed episode
ROW = "_staged_row"
NON_STANDARD_COLUMNS = {EXTRA_COLUMN, *LINEAGE_COLUMNS}
BLANK_CHARS = " \t\r\n"
EXAMPLE_ROWS = 5


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
    batch_id: str
    schema_version: str
    error_threshold: float
    episodes: int
    quarantined_episodes: int
    tables: dict[str, TableSummary]
    rules: list[RuleSummary]
    gate_reasons: list[str]
    report_path: str | None = None

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
                         "passed": self.episodes - self.quarantined_episodes},
            "schema_drift": self.schema_drift,
            "tables": {k: asdict(t) for k, t in self.tables.items()},
            "rules": [asdict(r) for r in self.rules],
            "row_numbering": f"{ROW}: position in the table's staged rows (files by path, then row in file)",
        }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load_table(con: duckdb.DuckDBPyConnection, table_id: str, files: list[Path], schema: Schema) -> list[str]:
    """Materialise the staged rows as DuckDB table ``s_<table>`` with a stable row number; returns the
    staged columns (without the row number)."""
    target = f"s_{table_id}"
    if files:
        paths = sorted(str(p) for p in files)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {target} AS
            SELECT * EXCLUDE (filename, file_row_number),
                   (row_number() OVER (ORDER BY filename, file_row_number) - 1)::BIGINT AS {ROW}
            FROM read_parquet(?, union_by_name = true, filename = true, file_row_number = true)
            ORDER BY {ROW}""", [paths])
    else:  # no rows of this table in the batch: an empty table with the staging contract's columns
        empty = table_arrow_schema(schema.table(table_id).columns).empty_table()
        con.register("empty_staged", empty)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS "
                    f"SELECT *, NULL::BIGINT AS {ROW} FROM empty_staged LIMIT 0")
        con.unregister("empty_staged")
    return [d[0] for d in con.execute(f"SELECT * FROM {target} LIMIT 0").description if d[0] != ROW]


def _frame_for_suite(con: duckdb.DuckDBPyConnection, table_id: str, columns: list[str],
                     present: set[str]) -> pd.DataFrame:
    """The registry columns as GE sees them: trimmed-empty values become null; a column missing from
    the staged files is all null, so its required rule fails every row (fail closed)."""
    select = ", ".join(
        f"{_blank_to_null(_quote(c))} AS {_quote(c)}" if c in present
        else f"NULL::VARCHAR AS {_quote(c)}" for c in columns)
    frame = con.sql(f"SELECT {select} FROM s_{table_id} ORDER BY {ROW}").df()
    frame.index = pd.RangeIndex(len(frame))
    return frame


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


def _blank_to_null(expression: str) -> str:
    chars = "||".join(f"chr({ord(c)})" for c in BLANK_CHARS)
    return f"NULLIF(trim(CAST({expression} AS VARCHAR), {chars}), '')"


def _episode_key(alias: str) -> str:
    """The episode a row belongs to: its MA_LK with surrounding blanks removed, null when empty."""
    return _blank_to_null(f'{alias}."MA_LK"')


def _copy_atomically(con: duckdb.DuckDBPyConnection, query: str, params: list, target: Path, tmp_dir: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{target.parent.name}-{target.name}.{os.getpid()}.tmp.parquet"
    con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)", params)
    os.replace(tmp, target)


def validate_batch(workdir: Workdir | str | os.PathLike, batch_id: str, *, error_threshold: float = 0.2,
                   expectations_dir: str | os.PathLike | None = None) -> ValidationSummary:
    """Validate one ingested batch; write validated/quarantine files, the JSON report and ledger counts."""
    workdir = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    workdir.ensure()
    schema = load_schema()
    suites = {t: load_suite(t, expectations_dir) for t in EPISODE_TABLES}
    con = duckdb.connect()
    con.execute("SET temp_directory = ?", [str(workdir.tmp / "duckdb")])
    try:
        return _validate(con, workdir, batch_id, schema, suites, error_threshold)
    finally:
        con.close()


def _validate(con, workdir: Workdir, batch_id: str, schema: Schema, suites: dict, error_threshold: float
              ) -> ValidationSummary:
    tables: dict[str, TableSummary] = {}
    rule_summaries: list[RuleSummary] = []
    staged_columns: dict[str, list[str]] = {}
    gate_reasons: list[str] = []

    for table_id in EPISODE_TABLES:
        files = staged_files(workdir, batch_id, table_id)
        columns = _load_table(con, table_id, files, schema)
        staged_columns[table_id] = columns
        registry = schema.table(table_id).columns
        standard = [c for c in columns if c not in NON_STANDARD_COLUMNS]
        summary = TableSummary(table=table_id, files=len(files), received=0, passed=0, quarantined=0,
                               warned_rows=0,
                               unknown_columns=sorted(set(standard) - set(registry)) if files else [],
                               missing_columns=sorted(set(registry) - set(standard)) if files else [])
        tables[table_id] = summary
        frame = _frame_for_suite(con, table_id, registry, set(standard))
        summary.received = len(frame)
        results = run_suite(suites[table_id], frame, table_id) if len(frame) else []
        del frame
        con.register(f"gx_failures_{table_id}", _failures_frame(results))
        con.execute(f"CREATE OR REPLACE TEMP TABLE f_{table_id} AS SELECT * FROM gx_failures_{table_id}")
        con.unregister(f"gx_failures_{table_id}")
        for r in results:
            rule_summaries.append(RuleSummary(
                rule_id=r.rule_id, table=table_id, fields=list(r.fields), severity=r.severity,
                expectation_type=r.expectation_type, element_count=r.element_count,
                unexpected_count=r.unexpected_count, pass_rate=round(r.pass_rate, 6),
                example_rows=[int(i) for i in r.failed_rows[:EXAMPLE_ROWS]], exception=r.exception))
            if r.exception:
                gate_reasons.append(f"{r.rule_id}: the rule could not run ({r.exception})")
        if summary.drift:
            gate_reasons.append(f"{table_id}: staged columns differ from the registry "
                                f"(unknown: {summary.unknown_columns}, missing: {summary.missing_columns})")

    # Cross-table rule: every child row needs an XML1 row with the same MA_LK.
    for table_id in EPISODE_TABLES[1:]:
        if "MA_LK" in staged_columns[table_id] and "MA_LK" in staged_columns["xml1"]:
            orphan_query = f"""
                SELECT c.{ROW} FROM s_{table_id} c
                WHERE {_episode_key("c")} IS NULL
                   OR NOT EXISTS (SELECT 1 FROM s_xml1 p WHERE {_episode_key("p")} = {_episode_key("c")})"""
        else:  # without a key column no row can be matched to an episode
            orphan_query = f"SELECT {ROW} FROM s_{table_id}"
        orphans = con.execute(f"SELECT count(*) FROM ({orphan_query})").fetchone()[0]
        con.execute(f"INSERT INTO f_{table_id} SELECT {ROW}, ?, 'MA_LK', ? FROM ({orphan_query})",
                    [ORPHAN_RULE, ERROR])
        examples = [r[0] for r in con.execute(f"{orphan_query} ORDER BY 1 LIMIT {EXAMPLE_ROWS}").fetchall()]
        received = tables[table_id].received
        rule_summaries.append(RuleSummary(
            rule_id=ORPHAN_RULE, table=table_id, fields=["MA_LK"], severity=ERROR,
            expectation_type="duckdb:child_has_xml1_parent", element_count=received, unexpected_count=orphans,
            pass_rate=round(1 - orphans / received, 6) if received else 1.0, example_rows=examples))

    # Rows with their own annotations, and the episodes that any error fails.
    for table_id in EPISODE_TABLES:
        key = _episode_key("s") if "MA_LK" in staged_columns[table_id] else "NULL::VARCHAR"
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE a_{table_id} AS
            SELECT s.{ROW}, {key} AS episode,
                   string_agg(DISTINCT f.rule_id, ';' ORDER BY f.rule_id) FILTER (WHERE f.severity = '{ERROR}')
                       AS own_errors,
                   string_agg(DISTINCT f.field, ';' ORDER BY f.field) FILTER (WHERE f.severity = '{ERROR}')
                       AS failing_fields,
                   string_agg(DISTINCT f.rule_id, ';' ORDER BY f.rule_id) FILTER (WHERE f.severity = '{WARNING}')
                       AS warnings
            FROM s_{table_id} s LEFT JOIN f_{table_id} f USING ({ROW})
            GROUP BY ALL""")
    union = " UNION ALL ".join(f"SELECT episode, own_errors FROM a_{t}" for t in EPISODE_TABLES)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE bad_episodes AS
        SELECT episode, string_agg(DISTINCT rule_id, ';' ORDER BY rule_id) AS episode_rule_ids
        FROM (SELECT episode, unnest(string_split(own_errors, ';')) AS rule_id FROM ({union})
              WHERE own_errors IS NOT NULL AND episode IS NOT NULL)
        GROUP BY episode""")
    all_episodes = " UNION ".join(f"SELECT episode FROM a_{t} WHERE episode IS NOT NULL" for t in EPISODE_TABLES)
    keyless_xml1 = con.execute("SELECT count(*) FROM a_xml1 WHERE episode IS NULL").fetchone()[0]
    episodes = con.execute(f"SELECT count(*) FROM ({all_episodes})").fetchone()[0] + keyless_xml1
    quarantined_episodes = con.execute("SELECT count(*) FROM bad_episodes").fetchone()[0] + keyless_xml1

    ledger_entries = []
    for table_id in EPISODE_TABLES:
        columns = staged_columns[table_id]
        # Staged columns in staged order, with _batch_id set to this batch (added if a file lacked it).
        staged = ", ".join("?::VARCHAR AS _batch_id" if c == "_batch_id" else f"s.{_quote(c)}" for c in columns)
        if "_batch_id" not in columns:
            staged += ", ?::VARCHAR AS _batch_id"
        decided = f"""
            SELECT s.*, a.own_errors, a.failing_fields, a.warnings, b.episode_rule_ids,
                   (a.own_errors IS NOT NULL OR b.episode IS NOT NULL) AS quarantined
            FROM s_{table_id} s JOIN a_{table_id} a USING ({ROW})
            LEFT JOIN bad_episodes b ON a.episode = b.episode"""
        con.execute(f"CREATE OR REPLACE TEMP TABLE d_{table_id} AS {decided}")
        validated_query = f"""
            SELECT {staged}, s.warnings AS _warnings
            FROM d_{table_id} s WHERE NOT s.quarantined ORDER BY s.{ROW}"""
        quarantine_query = f"""
            SELECT {staged}, s.{ROW},
                   coalesce(s.own_errors, '{EPISODE_RULE}') AS _rule_ids,
                   s.failing_fields AS _failing_fields, s.episode_rule_ids AS _episode_rule_ids,
                   s.warnings AS _warnings
            FROM d_{table_id} s WHERE s.quarantined ORDER BY s.{ROW}"""
        _copy_atomically(con, validated_query, [batch_id],
                         workdir.validated / batch_id / f"{table_id}.parquet", workdir.tmp)
        _copy_atomically(con, quarantine_query, [batch_id],
                         workdir.quarantine / batch_id / f"{table_id}.parquet", workdir.tmp)
        passed, quarantined, warned = con.execute(
            f"SELECT count(*) FILTER (WHERE NOT quarantined), count(*) FILTER (WHERE quarantined), "
            f"count(*) FILTER (WHERE warnings IS NOT NULL) FROM d_{table_id}").fetchone()
        summary = tables[table_id]
        summary.passed, summary.quarantined, summary.warned_rows = passed, quarantined, warned
        entry = LedgerEntry(batch_id, STAGE, table_id, received=summary.received, passed=passed,
                            quarantined=quarantined, details={"warned_rows": warned, "files": summary.files})
        if not entry.balanced:  # an explicit check: asserts vanish under python -O
            raise RuntimeError(f"validate ledger does not balance for {batch_id}/{table_id}: "
                               f"{entry.received} != {passed} + {quarantined}")
        ledger_entries.append(entry)
    ledger_entries.append(LedgerEntry(batch_id, STAGE, "episodes", received=episodes,
                                      passed=episodes - quarantined_episodes, quarantined=quarantined_episodes))

    result = ValidationSummary(batch_id=batch_id, schema_version=schema.version, error_threshold=error_threshold,
                               episodes=episodes, quarantined_episodes=quarantined_episodes, tables=tables,
                               rules=sorted(rule_summaries, key=lambda r: (r.table, r.rule_id)),
                               gate_reasons=gate_reasons)
    if result.error_rate > error_threshold:
        gate_reasons.insert(0, f"error rate {result.error_rate:.4f} exceeds the threshold {error_threshold}")
    result.report_path = str(write_report(workdir, result))
    Ledger(workdir.ledger_url()).record(ledger_entries)
    log.info("validated batch %s: %d episodes, %d quarantined (%.2f%%), gate %s", batch_id, episodes,
             quarantined_episodes, 100 * result.error_rate, "passed" if result.gate_passed else "FAILED")
    return result


def write_report(workdir: Workdir, summary: ValidationSummary) -> Path:
    path = workdir.reports / summary.batch_id / "validation.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def enforce_gate(summary: ValidationSummary) -> ValidationSummary:
    """Raise :class:`QualityGateError` when the batch failed the gate; returns the summary otherwise."""
    if not summary.gate_passed:
        raise QualityGateError(f"batch {summary.batch_id} failed the data-quality gate: "
                               + "; ".join(summary.gate_reasons))
    return summary
