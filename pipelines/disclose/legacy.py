"""Disclose stage, first version: primary small-cell suppression of an aggregate table.

A cell whose count is below the threshold has its count and every measure withheld, and is
flagged. Secondary suppression, k-anonymity and differential privacy come with later work.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.aggregate import DATASET, GROUP_COLUMNS, MEASURE_COLUMNS
from pipelines.workdir import Workdir, scratch_path, writes_private

DEFAULT_MIN_CELL = 10


@dataclass
class DiscloseSummary:
    dataset: str
    path: Path
    cells: int
    suppressed_cells: int
    min_cell: int


def min_cell_from_env() -> int:
    from pipelines.settings import get_settings
    return get_settings().min_cell


@writes_private
def suppress_small_cells(workdir: Workdir, min_cell: int | None = None) -> DiscloseSummary:
    min_cell = min_cell or min_cell_from_env()
    if min_cell < 1:
        raise ValueError("the minimum cell size must be at least 1")
    source = workdir.restricted / "aggregates" / f"{DATASET}.parquet"
    if not source.exists():
        raise FileNotFoundError(f"no aggregate at {source}; run aggregate first")
    target = workdir.restricted / "disclosed" / f"{DATASET}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = scratch_path(workdir.tmp, f"disclosed-{DATASET}", ".parquet")
    small = "encounters < $min_cell"
    measures = ", ".join(f"CASE WHEN {small} THEN NULL ELSE {m} END AS {m}" for m in MEASURE_COLUMNS)
    con = duckdb.connect()
    try:
        con.execute(f"""CREATE TABLE disclosed AS
            SELECT {', '.join(GROUP_COLUMNS)}, {measures}, ({small}) AS suppressed
            FROM read_parquet($source) ORDER BY ALL""", {"source": str(source), "min_cell": min_cell})
        con.execute(f"COPY disclosed TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
        cells, suppressed = con.execute("SELECT count(*), count(*) FILTER (suppressed) FROM disclosed").fetchone()
    finally:
        con.close()
    os.replace(tmp, target)
    return DiscloseSummary(DATASET, target, cells, suppressed, min_cell)
