"""Run an expectation suite and collect failing rows.

Column expectations run in Great Expectations on a pandas DataFrame, in an ephemeral, in-memory
context with analytics and progress bars off (no network, clean logs). ``unexpected_rows_expectation``
entries (SQL rules) run in DuckDB, because GE evaluates them on SQL data sources only. Results are
reduced to counts and row numbers: GE's ``unexpected_list`` and DuckDB's error texts can hold raw
values and never leave this module.
"""
from __future__ import annotations

import importlib.resources
import json
import os
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Must be set before GE is imported: it reads the variable when it sets up analytics.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import duckdb  # noqa: E402
import great_expectations as gx  # noqa: E402
from great_expectations.expectations import UnexpectedRowsExpectation  # noqa: E402
from great_expectations.data_context.types.base import (  # noqa: E402
    DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig)

from pipelines.quality.rules import SEVERITIES  # noqa: E402

EXPECTATIONS_DIR_ENV = "ANDANH_EXPECTATIONS_DIR"
# The suites are reviewed files shipped as package data (pipelines/quality/expectations/), found through
# importlib.resources so an installed wheel (the Docker image) has them wherever site-packages is.
DEFAULT_EXPECTATIONS_DIR = Path(str(importlib.resources.files("pipelines.quality") / "expectations"))
RESULT_FORMAT = {"result_format": "COMPLETE", "partial_unexpected_count": 0,
                 "include_unexpected_rows": False, "return_unexpected_index_query": False}


class SuiteError(Exception):
    """An expectation suite file is missing or does not load cleanly."""


@dataclass(frozen=True)
class RuleResult:
    """Outcome of one expectation over one table; ``failed_rows`` are index labels of the frame."""
    rule_id: str
    table: str
    fields: tuple[str, ...]
    severity: str
    expectation_type: str
    element_count: int
    unexpected_count: int
    failed_rows: np.ndarray
    exception: str | None = None

    @property
    def pass_rate(self) -> float:
        if self.element_count == 0:
            return 1.0
        return 1.0 - self.unexpected_count / self.element_count


def expectations_dir() -> Path:
    from pipelines.settings import get_settings
    return Path(get_settings().expectations_dir or DEFAULT_EXPECTATIONS_DIR)


def load_suite(table_id: str, directory: str | Path | None = None) -> gx.ExpectationSuite:
    """Load ``<directory>/<table>.json``; fail loudly if GE drops any expectation it cannot parse."""
    path = Path(directory or expectations_dir()) / f"{table_id}.json"
    if not path.exists():
        raise SuiteError(f"no expectation suite for {table_id} at {path}; run scripts/build_expectation_suites.py")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        suite = gx.ExpectationSuite(**raw)
    except Exception as exc:  # JSON or GE/pydantic errors: name the file, keep the cause
        raise SuiteError(f"{path}: not a valid expectation suite ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''})") from exc
    if len(suite.expectations) != len(raw.get("expectations", [])):
        raise SuiteError(f"{path}: {len(raw['expectations']) - len(suite.expectations)} expectation(s) "
                         "did not load; see the great_expectations log")
    for e in suite.expectations:
        meta = e.meta or {}
        if not meta.get("rule_id") or meta.get("severity") not in SEVERITIES:
            raise SuiteError(f"{path}: every expectation needs meta.rule_id and meta.severity in {SEVERITIES}")
    return suite


@lru_cache(maxsize=1)
def _context():
    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _batch_definition(name: str):
    """A whole-dataframe batch definition on the shared in-memory pandas data source."""
    context = _context()
    try:
        source = context.data_sources.get("andanh_staged")
    except (KeyError, ValueError, LookupError):
        source = context.data_sources.add_pandas("andanh_staged")
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name)
    try:
        return asset.get_batch_definition("whole")
    except (KeyError, ValueError, LookupError):
        return asset.add_batch_definition_whole_dataframe("whole")


def split_suite(suite: gx.ExpectationSuite) -> tuple[gx.ExpectationSuite, list[UnexpectedRowsExpectation]]:
    """The column expectations (as a suite GE can run on pandas) and the SQL rules of ``suite``."""
    sql = [e for e in suite.expectations if isinstance(e, UnexpectedRowsExpectation)]
    columns = [e for e in suite.expectations if not isinstance(e, UnexpectedRowsExpectation)]
    return gx.ExpectationSuite(name=suite.name, expectations=columns, meta=suite.meta), sql


def suite_derived_tables(suites) -> dict[str, str]:
    """The derived tables (name -> SQL) the suites' SQL rules read; one name, one definition."""
    tables: dict[str, str] = {}
    for suite in suites:
        for name, query in ((suite.meta or {}).get("derived_tables") or {}).items():
            if tables.setdefault(name, query) != query:
                raise SuiteError(f"derived table {name} is defined differently in two suites")
    return tables


def create_derived_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, str]) -> None:
    """Build each derived table once (small: one row per episode) before the SQL rules run."""
    for name, query in tables.items():
        if not name.isidentifier():
            raise SuiteError(f"derived table name {name!r} is not an identifier")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")


# A rule of the form ``SELECT [alias.]_staged_row FROM {batch} [alias] [joins] WHERE <condition>``
# yields each row of {batch} at most once per join match; rules with the same FROM run as one scan.
_ROW_CONDITION = re.compile(r"\s*SELECT\s+(?P<row>(\w+\.)?_staged_row)\s+FROM\s+(?P<source>\{batch\}.*?)"
                            r"\s+WHERE\s+(?P<condition>.+?)\s*\Z", re.IGNORECASE | re.DOTALL)


def _balanced(sql: str) -> bool:
    depth = 0
    for char in re.sub(r"'([^']|'')*'", "", sql):  # parentheses in string literals do not count
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _shared_scans(rules: list[UnexpectedRowsExpectation]) -> dict[tuple[str, str], dict[int, str]]:
    """Rule positions grouped by (row expression, FROM clause), each with its WHERE condition."""
    groups: dict[tuple[str, str], dict[int, str]] = {}
    for i, rule in enumerate(rules):
        m = _ROW_CONDITION.match(rule.unexpected_rows_query)
        if m and _balanced(m.group("source")) and _balanced(m.group("condition")):
            groups.setdefault((m.group("row"), m.group("source")), {})[i] = m.group("condition")
    return groups


def _flags(conditions: dict[int, str]) -> tuple[str, str]:
    """Select-list columns ``rule_<i>`` (the condition holds) and the filter ``any condition holds``."""
    flags = ", ".join(f"coalesce(({c}), false) AS rule_{i}" for i, c in conditions.items())
    return flags, " OR ".join(f"({c})" for c in conditions.values())


def _rows_holding(con: duckdb.DuckDBPyConnection, relation: str, values: pa.Table) -> np.ndarray:
    """Sorted ``_staged_row`` of the rows of ``relation`` whose values in ``values``' columns are one
    of its rows (nulls match nulls)."""
    con.register("failing_values", values)
    try:
        match = " AND ".join(f"r.{_quote_identifier(c)} IS NOT DISTINCT FROM f.{_quote_identifier(c)}"
                             for c in values.column_names)
        found = con.execute(f"SELECT r._staged_row FROM {relation} r SEMI JOIN failing_values f ON {match} "
                            "ORDER BY 1").fetchnumpy()["_staged_row"]
    finally:
        con.unregister("failing_values")
    return np.asarray(found, dtype=np.int64)


def run_sql_rules(con: duckdb.DuckDBPyConnection, rules: list[UnexpectedRowsExpectation], table_id: str,
                  view: str, element_count: int) -> list[RuleResult]:
    """Run each SQL rule with ``{batch}`` bound to ``view``; the query returns failing ``_staged_row``s.

    Rules that differ only in their WHERE condition run together in one query, each condition as its
    own column; a condition on a single field (its ``meta.fields``) is tested on the field's distinct
    values, then the rows holding a failing value are found. The others, and every rule of a shared
    query that fails, run one by one."""
    failed_by_rule: dict[int, np.ndarray] = {}
    scans = _shared_scans(rules)
    by_field: dict[str, dict[int, str]] = {}
    for i, condition in scans.get(("_staged_row", "{batch}"), {}).items():
        fields = (rules[i].meta or {}).get("fields") or []
        if len(fields) == 1:
            by_field.setdefault(fields[0], {})[i] = condition
    for name, conditions in by_field.items():
        column = _quote_identifier(name)
        flags, anywhere = _flags(conditions)
        try:  # a condition naming another column fails to bind here and runs in the row scan below
            hits = con.sql(f"SELECT {column}, {flags} FROM (SELECT DISTINCT {column} FROM {view}) "
                           f"WHERE {anywhere}").to_arrow_table()
        except duckdb.Error:
            continue
        for i in conditions:
            failing = hits.filter(hits[f"rule_{i}"]).select([name])
            failed_by_rule[i] = _rows_holding(con, view, failing) if len(failing) else np.zeros(0, dtype=np.int64)
    for (row, source), conditions in scans.items():
        conditions = {i: c for i, c in conditions.items() if i not in failed_by_rule}
        if len(conditions) < 2:
            continue
        flags, anywhere = _flags(conditions)
        try:
            hits = con.execute(f"SELECT {row} AS _staged_row, {flags} FROM {source.replace('{batch}', view)} "
                               f"WHERE {anywhere}").fetchnumpy()
        except duckdb.Error:
            continue  # one rule failed: the loop below runs each alone and reports which
        rows = np.asarray(hits["_staged_row"], dtype=np.int64)
        for i in conditions:
            failed_by_rule[i] = np.unique(rows[np.asarray(hits[f"rule_{i}"], dtype=bool)])
    results = []
    for i, rule in enumerate(rules):
        meta = rule.meta or {}
        exception = None
        failed = failed_by_rule.get(i)
        if failed is None:
            query = rule.unexpected_rows_query.replace("{batch}", view)
            try:
                failed = con.execute(f"SELECT DISTINCT _staged_row FROM ({query}) ORDER BY 1").fetchnumpy()["_staged_row"]
                failed = np.asarray(failed, dtype=np.int64)
            except duckdb.Error as exc:  # the message can quote a value: keep only its kind
                exception = f"SQL rule failed ({type(exc).__name__})"
                failed = con.execute(f"SELECT _staged_row FROM {view} ORDER BY 1").fetchnumpy()["_staged_row"]
                failed = np.asarray(failed, dtype=np.int64)
        results.append(RuleResult(
            rule_id=meta["rule_id"], table=table_id, fields=tuple(meta.get("fields") or [meta.get("field")]),
            severity=meta["severity"], expectation_type=rule.expectation_type, element_count=element_count,
            unexpected_count=len(failed), failed_rows=failed, exception=exception))
    return results


def run_suite(suite: gx.ExpectationSuite, frame: pd.DataFrame, table_id: str) -> list[RuleResult]:
    """Validate ``frame`` once against the suite's column expectations; failed rows are index labels."""
    suite, _ = split_suite(suite)
    batch = _batch_definition(table_id).get_batch(batch_parameters={"dataframe": frame})
    with warnings.catch_warnings():
        # pandas warns that GE's str.contains ignores the regex groups; the patterns only test a match.
        warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression")
        validation = batch.validate(suite, result_format=RESULT_FORMAT)
    results = []
    for res in validation.results:
        config = res.expectation_config
        meta = config.meta or {}
        kwargs = config.kwargs
        fields = tuple(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
        exception = None
        info = res.exception_info or {}
        if info.get("raised_exception"):
            # Name the failure, never the data: GE messages can quote values.
            exception = info.get("exception_message", "").split("\n", 1)[0][:200] or "exception"
        result = res.result or {}
        if exception:
            # A rule that could not run fails every row: fail closed.
            failed = frame.index.to_numpy()
            unexpected = len(frame)
        else:
            failed = np.asarray(result.get("unexpected_index_list") or [], dtype=np.int64)
            unexpected = int(result.get("unexpected_count") or 0)
        results.append(RuleResult(
            rule_id=meta["rule_id"], table=table_id, fields=fields, severity=meta["severity"],
            expectation_type=config.type, element_count=int(result.get("element_count") or len(frame)),
            unexpected_count=unexpected, failed_rows=np.unique(failed), exception=exception))
    return sorted(results, key=lambda r: r.rule_id)


# Expectations whose verdict on a row depends only on that row's values in their columns: GE can
# evaluate them on the distinct values (or value pairs) and the verdict carries over to every row
# holding that value. Other kwargs (row_condition, ...) or types (unique, ...) get the full column.
ROW_WISE_TYPES = {
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_null",
    "expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_value_lengths_to_be_between", "expect_column_value_lengths_to_equal",
    "expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal",
}
ROW_WISE_KWARGS = {"column", "column_A", "column_B", "regex", "value_set", "min_value", "max_value", "value",
                   "strict_min", "strict_max", "or_equal", "ignore_row_if", "mostly"}
# Single-column value lists are validated together, each padded to a common length by repeating its
# first value (a repeat changes no verdict); this caps one GE frame at about this many cells.
FRAME_CELL_BUDGET = 4_000_000
# GE filters the whole frame (every column) for each expectation: cost grows with columns x expectations.
FRAME_MAX_COLUMNS = 4


def blank_to_null(values):
    """Blank values (empty or whitespace only) as null, others unchanged: what GE is shown."""
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""), False)
    return pc.if_else(blank, pa.scalar(None, pa.string()), values)


def _expectation_columns(expectation) -> tuple[str, ...]:
    kwargs = expectation.configuration.kwargs
    return tuple(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)


def _is_row_wise(expectation) -> bool:
    config = expectation.configuration
    return config.type in ROW_WISE_TYPES and set(config.kwargs) <= ROW_WISE_KWARGS


def _validate_frame(expectations: list, frame: pd.DataFrame, table_id: str):
    """GE validation results of ``expectations`` over ``frame`` (one batch, one validation call)."""
    suite = gx.ExpectationSuite(name=f"{table_id}-part", expectations=list(expectations))
    batch = _batch_definition(table_id).get_batch(batch_parameters={"dataframe": frame})
    with warnings.catch_warnings():
        # pandas warns that GE's str.contains ignores the regex groups; the patterns only test a match.
        warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression")
        return batch.validate(suite, result_format=RESULT_FORMAT).results


def _exception_of(res) -> str | None:
    info = res.exception_info or {}
    if info.get("raised_exception"):
        # Name the failure, never the data: GE messages can quote values.
        return info.get("exception_message", "").split("\n", 1)[0][:200] or "exception"
    return None


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Judged:
    """Raw values already shown to GE under one set of column expectations, and per expectation
    the values among them that failed (or the exception it raised)."""
    checked: pa.Array
    failing: dict[str, pa.Array]
    exceptions: dict[str, str]


def _verdict_key(expectation) -> str:
    """What a row-wise single-column expectation's verdict on a value depends on: its type and its
    arguments other than the column (so ``MA_LK`` not null in XML1 and in XML2 share verdicts).
    Takes an expectation or, from a validation result, its configuration."""
    config = getattr(expectation, "configuration", expectation)
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("column", "batch_id", "mostly")}
    return json.dumps([config.type, kwargs], sort_keys=True, default=str)


def _union(known: pa.Array, more: pa.Array, disjoint: bool = False) -> pa.Array:
    """``known`` plus the values of ``more`` it lacks (columns of one chunk can share values);
    ``disjoint`` says ``more`` holds none of ``known`` (no set lookup needed)."""
    fresh = more if disjoint or not len(known) else \
        more.filter(pc.invert(pc.is_in(more, value_set=known, skip_nulls=False)))
    return pa.concat_arrays([known, fresh.cast(pa.string())]) if len(fresh) else known


def _grouped(suite: gx.ExpectationSuite) -> tuple[dict, dict, dict]:
    """The suite's column expectations: row-wise on one column, row-wise on a column pair, others."""
    column_suite, _ = split_suite(suite)
    singles: dict[str, list] = {}
    pairs: dict[tuple[str, ...], list] = {}
    whole: dict[tuple[str, ...], list] = {}
    for e in column_suite.expectations:
        columns = _expectation_columns(e)
        if _is_row_wise(e) and len(columns) == 1:
            singles.setdefault(columns[0], []).append(e)
        elif _is_row_wise(e):
            pairs.setdefault(columns, []).append(e)
        else:
            whole.setdefault(columns, []).append(e)
    return singles, pairs, whole


def distinct_values(suite: gx.ExpectationSuite, con: duckdb.DuckDBPyConnection, relation: str) -> dict:
    """What GE will see of ``relation``: each single column's distinct raw values and each column
    pair's distinct pairs. Separate from :func:`run_suite_duckdb` so it can run ahead in a thread."""
    def distinct(columns: tuple[str, ...]) -> pa.Table:
        names = ", ".join(_quote_identifier(c) for c in columns)
        return con.sql(f"SELECT {names} FROM {relation} GROUP BY ALL").to_arrow_table()

    singles, pairs, _ = _grouped(suite)
    return {"singles": {c: distinct((c,)).column(0).combine_chunks().cast(pa.string()) for c in singles},
            "pairs": {columns: distinct(columns) for columns in pairs}}


def run_suite_duckdb(suite: gx.ExpectationSuite, con: duckdb.DuckDBPyConnection, relation: str,
                     table_id: str, row_count: int, memo: dict | None = None,
                     distinct: dict | None = None) -> list[RuleResult]:
    """Run the suite's column expectations in GE over ``relation`` (a DuckDB table or view with
    ``_staged_row`` and the registry columns as raw strings), one column group at a time.

    Row-wise expectations see each distinct raw value (or value pair) once, blanks made null as in
    :func:`blank_to_null`; the rows holding a failing value are then found in DuckDB. This gives the
    same failing rows as validating every row while GE reads far less data. Other expectations see
    their columns in full. Results as :func:`run_suite` (failed rows are ``_staged_row`` numbers).

    ``memo`` (a dict shared by the calls of one run) remembers GE's verdicts per set of single-column
    expectations, so a value already judged under the same rules in another table (``MA_LK`` in every
    table, dates of one shape) is not shown to GE again. ``distinct``: :func:`distinct_values` of the
    same suite and relation, when computed ahead."""
    singles, pairs, whole = _grouped(suite)
    distinct = distinct if distinct is not None else distinct_values(suite, con, relation)
    results: list[RuleResult] = []
    all_rows = None

    def every_row() -> np.ndarray:
        nonlocal all_rows
        if all_rows is None:
            all_rows = np.asarray(con.execute(f"SELECT _staged_row FROM {relation} ORDER BY 1")
                                  .fetchnumpy()["_staged_row"], dtype=np.int64)
        return all_rows

    def record(config, columns: tuple[str, ...], failed: np.ndarray, exception: str | None) -> None:
        """One rule's result; ``config`` is the expectation's configuration."""
        meta = config.meta or {}
        results.append(RuleResult(
            rule_id=meta["rule_id"], table=table_id, fields=columns, severity=meta["severity"],
            expectation_type=config.type, element_count=row_count, unexpected_count=len(failed),
            failed_rows=failed, exception=exception))

    # Single columns: distinct values, several columns per GE frame; values judged before under
    # the same expectations are left out.
    memo = {} if memo is None else memo
    values = distinct["singles"]
    signature = {c: json.dumps(sorted(_verdict_key(e) for e in singles[c])) for c in singles}
    pending, known = {}, {}  # known: how many values the memo held when pending was taken
    for c in singles:
        judged = memo.get(signature[c])
        known[c] = len(judged.checked) if judged is not None else 0
        pending[c] = values[c] if judged is None else \
            values[c].filter(pc.invert(pc.is_in(values[c], value_set=judged.checked, skip_nulls=False)))
    order = sorted(singles, key=lambda c: (len(pending[c]), c))
    chunks, current = [], []
    for column in order:
        if current and (len(pending[column]) * (len(current) + 1) > FRAME_CELL_BUDGET
                        or len(current) >= FRAME_MAX_COLUMNS):
            chunks.append(current)
            current = []
        current.append(column)
    if current:
        chunks.append(current)
    for chunk in chunks:
        shown = [c for c in chunk if len(pending[c])]
        verdicts: dict[str, dict] = {c: {} for c in chunk}  # column -> verdict key -> (failing values, exception)
        if shown:
            length = max(len(pending[c]) for c in shown)
            padded = {}
            for c in shown:
                take = np.minimum(np.arange(length), len(pending[c]) - 1)
                padded[c] = blank_to_null(pending[c].take(pa.array(take, pa.int64())))
            frame = pa.table(padded).to_pandas()
            for res in _validate_frame([e for c in shown for e in singles[c]], frame, table_id):
                column = res.expectation_config.kwargs["column"]
                positions = np.unique(np.asarray((res.result or {}).get("unexpected_index_list") or [],
                                                 dtype=np.int64))
                positions = positions[positions < len(pending[column])]
                verdicts[column][_verdict_key(res.expectation_config)] = (
                    pending[column].take(pa.array(positions, pa.int64())), _exception_of(res))
            del frame, padded
        for column in chunk:
            judged = memo.get(signature[column])
            if judged is None:
                judged = memo[signature[column]] = _Judged(pa.array([], pa.string()), {}, {})
            # Nothing added since pending was taken (the usual case): pending is new, so just append.
            unchanged = len(judged.checked) == known[column]
            judged.checked = _union(judged.checked, pending[column], unchanged)
            for key, (failing, exception) in verdicts[column].items():
                judged.failing[key] = _union(judged.failing.get(key, pa.array([], pa.string())), failing, unchanged)
                if exception:
                    judged.exceptions[key] = exception
            for e in singles[column]:
                key = _verdict_key(e)
                config = e.configuration
                exception = judged.exceptions.get(key)
                if exception:
                    failed = every_row()
                else:
                    failing = judged.failing.get(key, pa.array([], pa.string()))
                    present = values[column].filter(pc.is_in(values[column], value_set=failing, skip_nulls=False)) \
                        if len(failing) else failing
                    failed = _rows_holding(con, relation, pa.table({column: present})) if len(present) \
                        else np.zeros(0, dtype=np.int64)
                record(config, (column,), failed, exception)
    values = pending = None  # free them before the pair and whole-column rules

    # Column pairs: distinct value pairs.
    for columns, expectations in pairs.items():
        raw = distinct["pairs"][columns]
        frame = pa.table({c: blank_to_null(raw.column(c).combine_chunks()) for c in columns}).to_pandas()
        for res in _validate_frame(expectations, frame, table_id):
            exception = _exception_of(res)
            if exception:
                record(res.expectation_config, columns, every_row(), exception)
                continue
            positions = np.unique(np.asarray((res.result or {}).get("unexpected_index_list") or [], dtype=np.int64))
            failed = _rows_holding(con, relation, raw.take(pa.array(positions))) if len(positions) \
                else np.zeros(0, dtype=np.int64)
            record(res.expectation_config, columns, failed, None)

    # Everything else (uniqueness, ...): the columns in full, indexed by row number.
    for columns, expectations in whole.items():
        names = ", ".join(_quote_identifier(c) for c in columns)
        raw = con.sql(f"SELECT _staged_row, {names} FROM {relation}").to_arrow_table()
        frame = pa.table({c: blank_to_null(raw.column(c).combine_chunks()) for c in columns}).to_pandas()
        frame.index = pd.Index(raw.column("_staged_row").to_numpy())
        del raw
        for res in _validate_frame(expectations, frame, table_id):
            exception = _exception_of(res)
            if exception:
                record(res.expectation_config, columns, every_row(), exception)
                continue
            failed = np.unique(np.asarray((res.result or {}).get("unexpected_index_list") or [], dtype=np.int64))
            record(res.expectation_config, columns, failed, None)
        del frame
    return sorted(results, key=lambda r: r.rule_id)
