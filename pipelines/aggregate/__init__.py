"""Aggregate stage: the inner (finest) cells of a declared dataset for one period, computed in DuckDB.

One code path for every dataset of :mod:`pipelines.datasets`: :func:`inner_cells` reads the safe
(de-identified) tables of the batches the residual-PII gate released, keeps the **latest version**
of each episode, applies the dataset's population filter, maps every dimension along its hierarchy
(``h.sql_expression`` on the DuckDB side) and groups by all dimension columns of all its tables.

Latest version of an episode (facilities resend an episode once it is paid, or to correct it): the
version of the batch ingested last wins, by the batch's ingest sequence number in the run ledger
(:meth:`pipelines.ledger.Ledger.batch_sequence`, assigned once when the batch is first ingested,
never a hash); within one batch the later payment time ``NGAY_TTOAN`` wins (de-identification
shifts it by the person's own offset, so the order of two versions of one episode is kept), then
the later row of the batch. So a correction sent in the same month as the original always wins.
The choice is made on a key table of those columns only (:data:`LATEST_SQL`); the chosen rows are
then read whole, each release piece (one period) filtering them by its period.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.datasets import DatasetSpec
from pipelines.workdir import Workdir

PERSON = "PERSON_ID"  # the person pseudonym de-identification writes into every safe table
PERIOD_SQL = {
    "month": "{m}",
    "quarter": "(substr({m}, 1, 4) || '-Q' || CAST((TRY_CAST(substr({m}, 6, 2) AS INTEGER) + 2) // 3 AS VARCHAR))",
    "year": "substr({m}, 1, 4)",
}


def safe_xml1_files(workdir: Workdir, *, include_special: bool = False) -> list[str]:
    """The safe XML1 files aggregation reads. Special-category episodes (HIV, TB, mental health, STI,
    pregnancy termination: ``safe/<batch>/special/``) are left out unless the caller asks for them.
    Only batches the residual-PII gate released, and that still pass validation, are read
    (:func:`pipelines.deidentify.gate.released_batches`): a blocked or withdrawn batch feeds nothing."""
    return safe_files(workdir, "xml1", include_special=include_special)


def safe_files(workdir: Workdir, table: str, *, include_special: bool = False) -> list[str]:
    """Safe files of one table (``xml1``, ``xml2``, ...) of the released batches (see :func:`safe_xml1_files`)."""
    from pipelines.deidentify.gate import released_batches

    released = set(released_batches(workdir))
    files = sorted(str(p) for p in workdir.safe.glob(f"*/{table}.parquet") if p.parent.name in released)
    if include_special:
        files += sorted(str(p) for p in workdir.safe.glob(f"*/special/{table}.parquet")
                        if p.parent.parent.name in released)
    return files


def batch_of(path: str) -> str:
    p = Path(path).parent
    return p.parent.name if p.name == "special" else p.name


def batch_order(workdir: Workdir, batches: Iterable[str]) -> dict[str, int]:
    """Batch id -> its ingest sequence number (the ledger's, assigned on first ingest; older data roots
    get numbers in the order their ingest was recorded)."""
    from pipelines.ledger import Ledger

    return Ledger(workdir.ledger_url()).batch_sequences(sorted(set(batches)))


# The latest version is decided on a small key table (MA_LK, batch sequence, NGAY_TTOAN, file and row),
# then only those rows are read whole: the window never holds every column of every batch, and a
# period filter of the caller applies to the wide read (measured in the README, Benchmarks).
LATEST_SQL = """
        SELECT r.* EXCLUDE (filename, file_row_number)
        FROM read_parquet($x1, union_by_name = true, filename = true, file_row_number = true) r
        SEMI JOIN (
            SELECT k.filename, k.file_row_number
            FROM read_parquet($x1, union_by_name = true, filename = true, file_row_number = true) k
                 JOIN _batch_seq s ON s.batch_id = k._batch_id
            QUALIFY row_number() OVER (PARTITION BY k.MA_LK
                ORDER BY s.seq DESC, k.NGAY_TTOAN DESC NULLS LAST, k.file_row_number DESC) = 1) latest
          ON latest.filename = r.filename AND latest.file_row_number = r.file_row_number"""


def latest_episodes_sql(con: duckdb.DuckDBPyConnection, workdir: Workdir, files: list[str]) -> str:
    """The one query of the latest version of every episode in safe XML1 ``files`` (parameter ``$x1``);
    registers the batches' version order (``_batch_seq``) in ``con`` first. Used by every reader of
    episodes (datasets, research extracts)."""
    order = batch_order(workdir, [batch_of(f) for f in files])
    con.execute("CREATE OR REPLACE TEMP TABLE _batch_seq (batch_id VARCHAR, seq BIGINT)")
    con.executemany("INSERT INTO _batch_seq VALUES (?, ?)", list(order.items()))
    return LATEST_SQL


def _episodes_sql(spec: DatasetSpec) -> str:
    """SQL of the source rows: the latest version of each episode (``x1``), joined to XML2 for ``xml2``."""
    latest = LATEST_SQL
    if spec.source == "xml1":
        return latest
    return f"""
        WITH x1 AS ({latest}),
        d AS (SELECT MA_LK, _batch_id, coalesce(nullif(trim(MA_THUOC), ''), 'unknown') AS MA_THUOC,
                     sum(TRY_CAST(THANH_TIEN_BV AS DECIMAL(18, 2))) AS THUOC_THANH_TIEN_BV,
                     sum(TRY_CAST(SO_LUONG AS DECIMAL(18, 3))) AS THUOC_SO_LUONG
              FROM read_parquet($x2, union_by_name = true) GROUP BY ALL)
        SELECT x1.*, d.MA_THUOC, d.THUOC_THANH_TIEN_BV, d.THUOC_SO_LUONG
        FROM x1 JOIN d ON d.MA_LK = x1.MA_LK AND d._batch_id = x1._batch_id"""


def _register(con: duckdb.DuckDBPyConnection, spec: DatasetSpec) -> None:
    from pipelines.hierarchies import get_hierarchy

    for name in sorted({d.hierarchy for d in spec.dimensions.values() if d.hierarchy}):
        get_hierarchy(name).register(con)


def _period_sql(spec: DatasetSpec, level: str) -> str:
    month = f"(CASE WHEN regexp_full_match(trim(CAST(({spec.period_source}) AS VARCHAR)), " \
            f"'(19|20)[0-9]{{2}}-(0[1-9]|1[0-2])') THEN trim(CAST(({spec.period_source}) AS VARCHAR)) END)"
    return PERIOD_SQL[level].format(m=month)


def _label_columns(spec: DatasetSpec) -> list[str]:
    """The period and dimension columns of every source row (as its tables use them)."""
    columns = [f"{_period_sql(spec, p)} AS \"{p}\"" for p in dict.fromkeys([*spec.periods_used, spec.release_period])]
    return columns + [f"{d.sql()} AS \"{name}\"" for name, d in spec.dimensions.items() if _used(spec, name)]


def _where(spec: DatasetSpec, period_filter: bool) -> str:
    where = [f"({spec.population})"] if spec.population else []
    if period_filter:
        where.append(f"{_period_sql(spec, spec.release_period)} = $period")
    return f"WHERE {' AND '.join(where)}" if where else ""


def cells_sql(spec: DatasetSpec, period_filter: bool) -> str:
    """The query of the inner cells: periods, dimensions, the count, sums and largest contributions."""
    columns = _label_columns(spec)
    aggs = [f'count(*) AS "{spec.count_measure.name}"']
    for m in spec.sum_measures:
        value = f"CAST(({m.sql}) AS DOUBLE)"
        aggs.append(f'sum({value}) AS "{m.name}"')
        if m.dominance:
            aggs.append(f'coalesce(max({value}, 2)[1], 0) AS "{m.name}__max1"')
            aggs.append(f'coalesce(max({value}, 2)[2], 0) AS "{m.name}__max2"')
    return (f"SELECT {', '.join(columns)}, {', '.join(aggs)} FROM ({_episodes_sql(spec)}) src "
            f"{_where(spec, period_filter)} GROUP BY ALL ORDER BY ALL")


def records_sql(spec: DatasetSpec) -> str:
    """The query of a period's source rows, one per record (no grouping): the person pseudonym
    (``PERSON_ID``, for bounded contributions), the period and dimension columns, and every sum measure."""
    values = [f'CAST(({m.sql}) AS DOUBLE) AS "{m.name}"' for m in spec.sum_measures]
    return (f"SELECT CAST(PERSON_ID AS VARCHAR) AS \"{PERSON}\", {', '.join([*_label_columns(spec), *values])} "
            f"FROM ({_episodes_sql(spec)}) src {_where(spec, True)}")


def _used(spec: DatasetSpec, dimension: str) -> bool:
    return any(dimension in t.dimensions for t in spec.tables)


def _connect(workdir: Workdir, spec: DatasetSpec, *, hierarchies: bool = True) -> tuple[duckdb.DuckDBPyConnection, dict]:
    x1 = safe_files(workdir, "xml1", include_special=spec.include_special)
    if not x1:
        raise FileNotFoundError(f"no released de-identified data under {workdir.safe}; run deidentify first")
    params: dict = {"x1": x1}
    if spec.source == "xml2":
        params["x2"] = safe_files(workdir, "xml2", include_special=spec.include_special)
        if not params["x2"]:
            raise FileNotFoundError(f"dataset {spec.name}: no released XML2 under {workdir.safe}")
    con = duckdb.connect()
    latest_episodes_sql(con, workdir, x1)
    if hierarchies:
        _register(con, spec)
    return con, params


def inner_cells(workdir: Workdir, spec: DatasetSpec, period: str) -> pd.DataFrame:
    """One row per finest cell of ``spec`` in the release period ``period`` (e.g. ``2025-Q1``):
    every period and dimension column its tables use, the count, the sums and, for money sums, the
    largest and second-largest single contribution (``<measure>__max1``, ``__max2``)."""
    con, params = _connect(workdir, spec)
    try:
        return _run(con, spec, cells_sql(spec, True), params | {"period": period}).df()
    finally:
        con.close()


def period_records(workdir: Workdir, spec: DatasetSpec, period: str) -> pd.DataFrame:
    """One row per source record of ``spec`` in the release period ``period`` (the same rows
    :func:`inner_cells` groups): :data:`PERSON` and the columns of :func:`records_sql`. For a
    differentially private dataset (:mod:`pipelines.dp.dataset`), which bounds each person's records."""
    con, params = _connect(workdir, spec)
    try:
        return _run(con, spec, records_sql(spec), params | {"period": period}).df()
    finally:
        con.close()


def period_counts(workdir: Workdir, spec: DatasetSpec) -> pd.DataFrame:
    """Rows of the dataset per release period and batch of the chosen version (for closure and lateness)."""
    con, params = _connect(workdir, spec, hierarchies=False)
    try:
        where = f"WHERE ({spec.population})" if spec.population else ""
        sql = (f"SELECT {_period_sql(spec, spec.release_period)} AS period, _batch_id AS batch_id, count(*) AS n "
               f"FROM ({_episodes_sql(spec)}) src {where} GROUP BY ALL ORDER BY ALL")
        return _run(con, spec, sql, params).df()
    finally:
        con.close()


def _run(con: duckdb.DuckDBPyConnection, spec: DatasetSpec, sql: str, params: dict):
    try:
        return con.execute(sql, params)
    except duckdb.Error as exc:  # a bad expression in the dataset config: say which dataset
        raise ValueError(f"dataset {spec.name}: aggregation failed: {str(exc).splitlines()[0]}") from None
