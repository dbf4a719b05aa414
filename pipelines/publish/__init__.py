"""Publish stage: immutable, signed, versioned releases in ``published/`` and the DuckDB catalog.

- :func:`publish_release` (:mod:`.release`): audit (:mod:`.audit`), write, sign and publish one release.
- :mod:`.catalog`: ``published/andanh.duckdb``, ``LATEST`` pointers, the archive of retired releases.
- :mod:`.verify`: signature and checksums of a release folder (``andanh verify``).
- :mod:`.sandbox`: governed read-only SQL over the catalog (``andanh query``, the portal).

:func:`publish` is the adapter for the first, single-dataset pipeline (aggregate -> small-cell
suppression -> publish) until ``pipelines.run.release`` calls :func:`publish_release` for every
declared dataset.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.publish.audit import ReleaseAuditError
from pipelines.publish.catalog import DUCKDB_FILE, rebuild_catalog
from pipelines.publish.release import PublishSummary, ReleaseExistsError, publish_release
from pipelines.publish.spec import POLICY_MIN_COUNT_FLOOR, POLICY_ROUND_FLOOR
from pipelines.workdir import Workdir

__all__ = ["DUCKDB_FILE", "POLICY_MIN_COUNT_FLOOR", "POLICY_ROUND_FLOOR", "PublishSummary", "ReleaseAuditError",
           "ReleaseExistsError", "legacy_spec", "publish", "publish_release", "rebuild_catalog"]


@dataclass(frozen=True)
class _Dim:
    hierarchy: str | None
    level: str | None


@dataclass(frozen=True)
class _Measure:
    kind: str
    expression: str
    money: bool = False


@dataclass(frozen=True)
class _Table:
    name: str
    dimensions: list[str]
    period: str = "month"


@dataclass(frozen=True)
class _LegacySpec:
    name: str
    title_vi: str
    title_en: str
    tables: list[_Table]
    dimensions: dict
    measures: dict
    disclosure: dict
    partition_by: list[str] = field(default_factory=lambda: ["month"])
    period_column: str = "month"


def legacy_spec(min_cell: int) -> _LegacySpec:
    """The first pipeline's one dataset (``pipelines.aggregate``) described like a declared dataset."""
    from pipelines.aggregate import DATASET, GROUP_COLUMNS
    dims = {"month": _Dim("date", "month"), "province_code": _Dim("geography", "province"),
            "province_name": _Dim("geography", "province"), "icd10_chapter": _Dim("icd10", "chapter"),
            "icd10_chapter_title": _Dim("icd10", "chapter"), "sex": _Dim(None, "sex"), "age_band": _Dim("age", "band5")}
    measures = {"encounters": _Measure("count", "count(*)"),
                "total_cost_vnd": _Measure("sum", "sum(T_TONGCHI_BV)", True),
                "insurance_paid_vnd": _Measure("sum", "sum(T_BHTT)", True),
                "patient_paid_vnd": _Measure("sum", "sum(T_BNCCT + T_BNTT)", True)}
    return _LegacySpec(DATASET, "Lượt khám chữa bệnh và chi phí theo tháng", "Encounters and costs by month",
                       [_Table(DATASET, list(GROUP_COLUMNS))], dims, measures,
                       {"method": "sdc", "min_count": min_cell, "round_to": POLICY_ROUND_FLOOR})


def publish(workdir: Workdir, *, min_cell: int, batches: list[str] | None = None) -> PublishSummary:
    """Publish the small-cell-suppressed legacy aggregate; counts are rounded to the policy's 5 here
    (the first disclose step does not round). The version is named after the content."""
    import duckdb

    from pipelines.aggregate import DATASET
    from pipelines.publish.digest import content_digest

    source = workdir.restricted / "disclosed" / f"{DATASET}.parquet"
    if not source.exists():
        raise FileNotFoundError(f"no disclosure-checked dataset at {source}; run disclose first")
    step = POLICY_ROUND_FLOOR
    table = duckdb.sql(f"SELECT * REPLACE (CAST(round(encounters / {step}) * {step} AS BIGINT) AS encounters) "
                       "FROM read_parquet($p)", params={"p": str(source)}).to_arrow_table()
    version = "r" + content_digest({DATASET: table}).split(":")[1][:16]
    return publish_release(workdir, legacy_spec(min_cell), version, {DATASET: table},
                           metadata={"source_batches": sorted(batches or [])})
