"""Aggregate stage: encounters and costs by month x province x ICD-10 chapter x sex x age band.

Reads the safe (de-identified) XML1 of every batch, keeps the latest version of each episode
(facilities resend an episode once it is paid) and writes one restricted table that the
disclose stage then checks before anything is published.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.reference import icd10_chapters, provinces_34
from pipelines.workdir import Workdir, scratch_path, writes_private

DATASET = "encounter_costs_monthly"
GROUP_COLUMNS = ("month", "province_code", "province_name", "icd10_chapter", "icd10_chapter_title",
                 "sex", "age_band")
MEASURE_COLUMNS = ("encounters", "total_cost_vnd", "insurance_paid_vnd", "patient_paid_vnd")

AGGREGATE_SQL = """
WITH episodes AS (
    SELECT * FROM read_parquet($files, union_by_name = true)
    QUALIFY row_number() OVER (PARTITION BY MA_LK ORDER BY NGAY_TTOAN DESC NULLS LAST, _batch_id DESC) = 1
), typed AS (
    SELECT substr(NGAY_VAO, 1, 4) || '-' || substr(NGAY_VAO, 5, 2) AS month,
           MATINH_2025 AS province_code,
           upper(substr(trim(MA_BENH_CHINH), 1, 3)) AS icd3,
           CASE GIOI_TINH WHEN '1' THEN 'Nam' WHEN '2' THEN 'Nữ' ELSE 'Chưa xác định' END AS sex,
           coalesce(NHOM_TUOI, 'unknown') AS age_band,
           TRY_CAST(T_TONGCHI_BV AS DECIMAL(18, 2)) AS total_cost,
           TRY_CAST(T_BHTT AS DECIMAL(18, 2)) AS insurance_paid,
           coalesce(TRY_CAST(T_BNCCT AS DECIMAL(18, 2)), 0) + coalesce(TRY_CAST(T_BNTT AS DECIMAL(18, 2)), 0)
               AS patient_paid
    FROM episodes
)
SELECT t.month,
       coalesce(t.province_code, 'unknown') AS province_code,
       coalesce(p.name, 'unknown') AS province_name,
       coalesce(c.chapter, 'unknown') AS icd10_chapter,
       coalesce(c.title_vi, 'unknown') AS icd10_chapter_title,
       t.sex, t.age_band,
       count(*) AS encounters,
       sum(total_cost) AS total_cost_vnd,
       sum(insurance_paid) AS insurance_paid_vnd,
       sum(patient_paid) AS patient_paid_vnd
FROM typed t
LEFT JOIN chapters c ON t.icd3 BETWEEN c.first AND c.last
LEFT JOIN provinces p ON p.code = t.province_code
GROUP BY ALL
ORDER BY ALL
"""


@dataclass
class AggregateSummary:
    dataset: str
    path: Path
    cells: int
    encounters: int
    batches: list[str]


def safe_xml1_files(workdir: Workdir, *, include_special: bool = False) -> list[str]:
    """The safe XML1 files aggregation reads. Special-category episodes (HIV, TB, mental health, STI,
    pregnancy termination: ``safe/<batch>/special/``) are left out unless the caller asks for them.
    Only batches the residual-PII gate released, and that still pass validation, are read
    (:func:`pipelines.deidentify.gate.released_batches`): a blocked or withdrawn batch feeds nothing."""
    from pipelines.deidentify.gate import released_batches

    released = set(released_batches(workdir))
    files = sorted(str(p) for p in workdir.safe.glob("*/xml1.parquet") if p.parent.name in released)
    if include_special:
        files += sorted(str(p) for p in workdir.safe.glob("*/special/xml1.parquet")
                        if p.parent.parent.name in released)
    return files


@writes_private
def aggregate(workdir: Workdir, *, include_special: bool = False) -> AggregateSummary:
    """Rebuild the aggregate over every de-identified batch (months span batches)."""
    files = safe_xml1_files(workdir, include_special=include_special)
    if not files:
        raise FileNotFoundError(f"no de-identified data under {workdir.safe}; run deidentify first")
    target_dir = workdir.restricted / "aggregates"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{DATASET}.parquet"
    tmp = scratch_path(workdir.tmp, DATASET, ".parquet")
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE chapters (chapter VARCHAR, first VARCHAR, last VARCHAR, title_vi VARCHAR)")
        con.executemany("INSERT INTO chapters VALUES (?, ?, ?, ?)",
                        [(c["chapter"], c["first"], c["last"], c["title_vi"]) for c in icd10_chapters()])
        con.execute("CREATE TABLE provinces (code VARCHAR, name VARCHAR)")
        con.executemany("INSERT INTO provinces VALUES (?, ?)", [(p["new_code"], p["name"]) for p in provinces_34()])
        con.execute(f"CREATE TABLE agg AS {AGGREGATE_SQL}", {"files": files})
        con.execute(f"COPY agg TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
        cells, encounters = con.execute("SELECT count(*), coalesce(sum(encounters), 0) FROM agg").fetchone()
    finally:
        con.close()
    os.replace(tmp, target)
    batches = sorted({Path(f).parent.name if Path(f).parent.name != "special" else Path(f).parent.parent.name
                      for f in files})
    return AggregateSummary(DATASET, target, cells, int(encounters), batches)
