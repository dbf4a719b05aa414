"""Small dataset specs and tables for the publish tests (the real specs come from pipelines.datasets)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd


@dataclass(frozen=True)
class Dim:
    hierarchy: str
    level: str


@dataclass(frozen=True)
class Measure:
    kind: str
    expression: str
    money: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    dimensions: list[str]
    period: str = "month"


@dataclass(frozen=True)
class Spec:
    name: str = "encounters"
    title_vi: str = "Lượt khám chữa bệnh"
    title_en: str = "Encounters"
    source: str = "xml1"
    tables: list[Table] = field(default_factory=lambda: [
        Table("by_province", ["month", "province", "sex"]), Table("national", ["month"])])
    dimensions: dict = field(default_factory=lambda: {
        "month": Dim("date", "month"), "province": Dim("geography", "province"), "sex": Dim("sex", "sex")})
    measures: dict = field(default_factory=lambda: {
        "encounters": Measure("count", "count(*)"), "total_cost_vnd": Measure("sum", "sum(T_TONGCHI_BV)", True)})
    disclosure: dict = field(default_factory=lambda: {"method": "sdc", "min_count": 8, "round_to": 5})
    partition_by: list[str] = field(default_factory=lambda: ["month", "province"])
    period_column: str = "month"


def spec(**over) -> Spec:
    return replace(Spec(), **over)


def tables(scale: int = 1) -> dict[str, pd.DataFrame]:
    by_province = pd.DataFrame({
        "month": ["2024-03"] * 4 + ["2024-04"] * 4,
        "province": ["01", "01", "79", "*", "01", "01", "79", "*"],
        "sex": ["Nam", "Nữ", "Nam", "*", "Nam", "Nữ", "Nam", "*"],
        "encounters": [10 * scale, None, 15, 30, 20, 0, None, 40],
        "total_cost_vnd": [1000.5, None, 2000.0, 5000.0, 1500.0, 0.0, None, 4000.0],
        "suppressed": [False, True, False, False, False, False, True, False],
    })
    national = pd.DataFrame({"month": ["2024-03", "2024-04"], "encounters": [30, 40],
                             "total_cost_vnd": [5000.0, 4000.0], "suppressed": [False, False]})
    return {"by_province": by_province, "national": national}
