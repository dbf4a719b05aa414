"""Datasets declared in config: what is aggregated, along which hierarchies, how it is protected.

``datasets.yaml`` (shipped in this package) declares every dataset; :func:`load_datasets` reads and
checks it (every problem is reported with the dataset and the key that is wrong), :func:`get_dataset`
returns one. A dataset has a source (``xml1``: one row per episode, latest version; ``xml2``: one row
per episode and active ingredient), an optional population filter (SQL over the source row),
dimensions (a hierarchy of :mod:`pipelines.hierarchies` and a level, or a closed code list),
measures (``count`` or ``sum`` of a SQL expression; money sums get the dominance rule), tables (a
subset of the dimensions and a period: month, quarter or year) and its disclosure parameters.

Releases are per closed period: the unit is the dataset's ``release_period`` (the coarsest period
of its tables unless set), see :mod:`pipelines.datasets.periods`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATASETS_FILE = Path(__file__).with_name("datasets.yaml")
POLICY_MIN_COUNT_FLOOR = 8
POLICY_ROUND_FLOOR = 5
PERIODS = ("month", "quarter", "year")
SOURCES = ("xml1", "xml2")
UNKNOWN = "unknown"
PERIOD_TITLES = {"month": ("Tháng vào viện (YYYY-MM)", "Admission month (YYYY-MM)"),
                 "quarter": ("Quý vào viện (YYYY-Qn)", "Admission quarter (YYYY-Qn)"),
                 "year": ("Năm vào viện", "Admission year")}
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DatasetConfigError(ValueError):
    """The dataset configuration cannot be used; the message names the dataset and the key."""


@dataclass(frozen=True)
class DimensionSpec:
    """One dimension column: read from ``source`` (SQL over the source row), mapped to ``level``."""
    name: str
    source: str
    hierarchy: str | None = None
    level: str | None = None
    from_level: str | None = None
    context: tuple[tuple[str, str], ...] = ()
    codes: tuple[tuple[str, str], ...] = ()  # (code, label) for dimensions without a hierarchy
    open: bool = False  # values as written (trimmed), no finite list of categories
    title_vi: str = ""
    title_en: str = ""

    @property
    def geography_level(self) -> str | None:
        """The geographic level of this dimension (province, region, ...), None when it is not one."""
        if self.hierarchy == "geography":
            return "province" if self.level in ("province", "province_63") else self.level
        if self.hierarchy == "facility" and self.level == "province":
            return "province"
        return None

    def labels(self) -> list[str] | None:
        """Every category of the dimension when finite (zero cells), else None."""
        if self.codes:
            return [c for c, _ in self.codes]
        if self.open:
            return None
        from pipelines.hierarchies import get_hierarchy
        return get_hierarchy(self.hierarchy).labels(self.level)

    def sql(self) -> str:
        """The DuckDB expression of this dimension (hierarchy lookup tables registered first)."""
        if self.codes:
            codes = ", ".join("'" + c.replace("'", "''") + "'" for c, _ in self.codes)
            value = f"trim(CAST(({self.source}) AS VARCHAR))"
            return f"(CASE WHEN {value} IN ({codes}) THEN {value} ELSE '{UNKNOWN}' END)"
        if self.open:
            return f"coalesce(nullif(trim(CAST(({self.source}) AS VARCHAR)), ''), '{UNKNOWN}')"
        from pipelines.hierarchies import get_hierarchy
        expr = get_hierarchy(self.hierarchy).sql_expression(f"({self.source})", self.level, self.from_level,
                                                            dict(self.context) or None)
        return f"coalesce({expr}, '{UNKNOWN}')"


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    kind: str  # count | sum
    sql: str | None = None
    money: bool = False
    title_vi: str = ""
    title_en: str = ""

    @property
    def dominance(self) -> bool:
        """Money sums carry their largest contributions (``<name>__max1``/``__max2``) for the dominance rule."""
        return self.kind == "sum" and self.money


@dataclass(frozen=True)
class TableSpec:
    name: str
    dimensions: list[str]
    period: str
    title_vi: str = ""
    title_en: str = ""
    until: str | None = None  # ISO date: only periods ending before it (the 63 legacy provinces)

    @property
    def columns(self) -> list[str]:
        """The table's dimension columns, its period column first."""
        return [self.period, *self.dimensions]


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title_vi: str
    title_en: str
    source: str
    population: str | None
    dimensions: dict[str, DimensionSpec]
    measures: dict[str, MeasureSpec]
    tables: list[TableSpec]
    disclosure: dict
    partition_by: list[str]
    period_column: str
    period_source: str
    release_period: str
    description_vi: str = ""
    description_en: str = ""
    include_special: bool = False
    config: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def count_measure(self) -> MeasureSpec:
        return next(m for m in self.measures.values() if m.kind == "count")

    @property
    def sum_measures(self) -> list[MeasureSpec]:
        return [m for m in self.measures.values() if m.kind == "sum"]

    @property
    def money_measures(self) -> list[MeasureSpec]:
        return [m for m in self.sum_measures if m.money]

    @property
    def periods_used(self) -> list[str]:
        """Period columns the tables need, finest first."""
        return [p for p in PERIODS if any(t.period == p for t in self.tables)]

    def published_view(self) -> "DatasetSpec":
        """The dataset as the publish step sees it: the period columns (``month``, ``quarter``, ...) are
        dimensions like the others, and every table lists all the columns it publishes (a table finer
        than the release period also carries the release period's column)."""
        import dataclasses

        periods = {p: DimensionSpec(name=p, source=self.period_source, hierarchy="date", level=p, from_level="month",
                                    title_vi=PERIOD_TITLES[p][0], title_en=PERIOD_TITLES[p][1])
                   for p in dict.fromkeys([*self.periods_used, self.release_period])}
        tables = [dataclasses.replace(t, dimensions=list(dict.fromkeys(
            ([self.release_period] if t.period != self.release_period else []) + t.columns))) for t in self.tables]
        return dataclasses.replace(self, dimensions=periods | self.dimensions, tables=tables)

    def table(self, name: str) -> TableSpec:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"dataset {self.name!r} has no table {name!r}")

    def table_geography(self, table: TableSpec) -> str:
        """``national`` when no dimension is geographic, else the finest geographic level."""
        levels = [self.dimensions[d].geography_level for d in table.dimensions]
        levels = [lv for lv in levels if lv]
        order = ("ward", "district", "province", "region")
        return min(levels, key=order.index) if levels else "national"


# --- loading and checking ---------------------------------------------------------------------

def _fail(where: str, message: str) -> None:
    raise DatasetConfigError(f"{where}: {message}")


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        _fail(where, f"must be a mapping, got {type(value).__name__}")
    return value


def _text(value: Any, where: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        _fail(where, "must be a non-empty text")
    return value


def _dimension(name: str, raw: Any, where: str) -> DimensionSpec:
    raw = _mapping(raw, where)
    unknown = set(raw) - {"from", "hierarchy", "level", "from_level", "context", "codes", "open", "title_vi", "title_en"}
    if unknown:
        _fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    source = _text(raw.get("from"), f"{where}.from")
    common = dict(name=name, source=source, title_vi=raw.get("title_vi", ""), title_en=raw.get("title_en", ""))
    if "codes" in raw:
        if "hierarchy" in raw:
            _fail(where, "give either a hierarchy or codes, not both")
        codes = _mapping(raw["codes"], f"{where}.codes")
        if not codes:
            _fail(f"{where}.codes", "must list at least one code")
        return DimensionSpec(codes=tuple((str(k), str(v)) for k, v in codes.items()), **common)
    if raw.get("open"):
        if "hierarchy" in raw:
            _fail(where, "give either a hierarchy or open: true, not both")
        return DimensionSpec(open=True, **common)
    from pipelines.hierarchies import HierarchyError, get_hierarchy
    hierarchy, level = raw.get("hierarchy"), raw.get("level")
    if not hierarchy or not level:
        _fail(where, "needs a hierarchy and a level (or a codes list)")
    try:
        h = get_hierarchy(hierarchy)
        h.check_levels(level, raw.get("from_level"))
    except HierarchyError as exc:
        _fail(where, str(exc))
    context = tuple(sorted((str(k), str(v)) for k, v in _mapping(raw.get("context", {}), f"{where}.context").items()))
    return DimensionSpec(hierarchy=hierarchy, level=level, from_level=raw.get("from_level"), context=context, **common)


def _measure(name: str, raw: Any, where: str) -> MeasureSpec:
    raw = _mapping(raw, where)
    kind = raw.get("kind")
    if kind not in ("count", "sum"):
        _fail(f"{where}.kind", f"must be count or sum, got {kind!r}")
    sql = raw.get("sql")
    if kind == "sum":
        _text(sql, f"{where}.sql")
    money = raw.get("money", False)
    if not isinstance(money, bool) or (money and kind != "sum"):
        _fail(f"{where}.money", "must be true or false, and true only for a sum")
    return MeasureSpec(name=name, kind=kind, sql=sql, money=money, title_vi=raw.get("title_vi", ""),
                       title_en=raw.get("title_en", ""))


def _table(raw: Any, where: str, dimensions: dict[str, DimensionSpec]) -> TableSpec:
    raw = _mapping(raw, where)
    name = _text(raw.get("name"), f"{where}.name")
    if not _NAME.fullmatch(name):
        _fail(f"{where}.name", f"{name!r} must be lower-case letters, digits and _ (at most 32)")
    dims = raw.get("dimensions", [])
    if not isinstance(dims, list) or len(set(dims)) != len(dims):
        _fail(f"{where}.dimensions", "must be a list of distinct dimension names")
    for d in dims:
        if d not in dimensions:
            _fail(f"{where}.dimensions", f"unknown dimension {d!r} (declared: {', '.join(dimensions)})")
    period = raw.get("period")
    if period not in PERIODS:
        _fail(f"{where}.period", f"must be one of {', '.join(PERIODS)}, got {period!r}")
    until = raw.get("until")
    if until is not None and not (isinstance(until, str) and _DATE.fullmatch(until)):
        _fail(f"{where}.until", f"must be an ISO date YYYY-MM-DD, got {until!r}")
    return TableSpec(name=name, dimensions=list(dims), period=period, title_vi=raw.get("title_vi", ""),
                     title_en=raw.get("title_en", ""), until=until)


def check_disclosure(disclosure: Any, where: str) -> dict:
    """The disclosure parameters, refused below the policy floors (counts 1-7 suppressed, rounding to 5)."""
    d = _mapping(disclosure, where)
    method = d.get("method")
    if method not in ("sdc", "dp"):
        _fail(f"{where}.method", f"must be sdc or dp, got {method!r}")
    if method == "sdc":
        min_count, round_to = d.get("min_count"), d.get("round_to")
        if not isinstance(min_count, int) or min_count < POLICY_MIN_COUNT_FLOOR:
            _fail(f"{where}.min_count", f"must be an integer >= the policy floor {POLICY_MIN_COUNT_FLOOR}, "
                  f"got {min_count!r}")
        if not isinstance(round_to, int) or round_to < POLICY_ROUND_FLOOR:
            _fail(f"{where}.round_to", f"must be an integer >= the policy floor {POLICY_ROUND_FLOOR}, got {round_to!r}")
        dominance = d.get("dominance")
        if dominance is not None:
            dominance = _mapping(dominance, f"{where}.dominance")
            if not ({"n", "k"} <= set(dominance) or "p" in dominance):
                _fail(f"{where}.dominance", "needs {n, k} (n,k rule) or {p} (p% rule)")
            for key in ("k", "p"):
                if key in dominance and not (isinstance(dominance[key], (int, float)) and 1 < dominance[key] <= 100):
                    _fail(f"{where}.dominance.{key}", f"is a percentage above 1 and at most 100 (90 = 90 %), "
                          f"got {dominance[key]!r}")
    else:
        _check_dp(d, where)
    return dict(d)


DP_KEYS = ("method", "epsilon", "mechanism", "delta", "max_contributions", "bounds", "consumer")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_dp(d: dict, where: str) -> None:
    """``method: dp``: ε per released period, the mechanism, contributions per person, sum bounds."""
    if unknown := set(d) - set(DP_KEYS):
        _fail(where, f"unknown dp key(s) {', '.join(sorted(unknown))} (known: {', '.join(DP_KEYS)})")
    if not _number(d.get("epsilon")) or not d["epsilon"] > 0:
        _fail(f"{where}.epsilon", "must be a positive number (ε spent per released period)")
    if d.get("mechanism", "laplace") not in ("laplace", "gaussian"):
        _fail(f"{where}.mechanism", f"must be laplace or gaussian, got {d.get('mechanism')!r}")
    if "delta" in d and not (_number(d["delta"]) and 0 < d["delta"] < 1):
        _fail(f"{where}.delta", f"must be a number between 0 and 1, got {d['delta']!r}")
    contributions = d.get("max_contributions", 1)
    if not isinstance(contributions, int) or isinstance(contributions, bool) or contributions < 1:
        _fail(f"{where}.max_contributions", f"must be an integer >= 1 (records per person), got {contributions!r}")
    for measure, bound in _mapping(d.get("bounds") or {}, f"{where}.bounds").items():
        if not (isinstance(bound, list) and len(bound) == 2 and all(map(_number, bound)) and bound[0] <= bound[1]):
            _fail(f"{where}.bounds.{measure}", f"must be [lower, upper] with lower <= upper, got {bound!r}")
    if "consumer" in d and not (isinstance(d["consumer"], str) and d["consumer"].strip()):
        _fail(f"{where}.consumer", "must be a non-empty text (the ε-ledger consumer that pays)")


def _check_dp_dataset(where: str, disclosure: dict, dimensions: dict[str, DimensionSpec],
                      measures: dict[str, MeasureSpec], tables: list[TableSpec]) -> None:
    """A dp dataset releases every cell of declared categories and bounds every sum."""
    sums = {m.name for m in measures.values() if m.kind == "sum"}
    bounds = set(disclosure.get("bounds") or {})
    if missing := sorted(sums - bounds):
        _fail(f"{where}.disclosure.bounds", f"every sum measure needs [lower, upper] bounds; missing: "
              f"{', '.join(missing)}")
    if extra := sorted(bounds - sums):
        _fail(f"{where}.disclosure.bounds", f"not a sum measure of the dataset: {', '.join(extra)}")
    for d in dict.fromkeys(d for t in tables for d in t.dimensions):
        if dimensions[d].labels() is None:
            _fail(f"{where}.dimensions.{d}", "a dp dataset publishes every cell of declared categories; this "
                  "dimension has no finite list (open, or a level without one): use codes or a coarser level")


def _dataset(name: str, raw: Any) -> DatasetSpec:
    where = f"dataset {name!r}"
    if not _NAME.fullmatch(str(name)):
        _fail(where, "the name must be lower-case letters, digits and _ (at most 32)")
    raw = _mapping(raw, where)
    source = raw.get("source")
    if source not in SOURCES:
        _fail(f"{where}.source", f"must be one of {', '.join(SOURCES)}, got {source!r}")
    dims_raw = _mapping(raw.get("dimensions"), f"{where}.dimensions")
    dimensions = {d: _dimension(d, v, f"{where}.dimensions.{d}") for d, v in dims_raw.items()}
    for d in dimensions:
        if d in PERIODS or not _NAME.fullmatch(d):
            _fail(f"{where}.dimensions.{d}", "a dimension name must be lower-case, and not a period name")
    measures = {m: _measure(m, v, f"{where}.measures.{m}")
                for m, v in _mapping(raw.get("measures"), f"{where}.measures").items()}
    if sum(m.kind == "count" for m in measures.values()) != 1:
        _fail(f"{where}.measures", "needs exactly one measure of kind count")
    tables_raw = raw.get("tables")
    if not isinstance(tables_raw, list) or not tables_raw:
        _fail(f"{where}.tables", "must be a non-empty list")
    tables = [_table(t, f"{where}.tables[{i}]", dimensions) for i, t in enumerate(tables_raw)]
    if len({t.name for t in tables}) != len(tables):
        _fail(f"{where}.tables", "table names must be distinct")
    period_raw = _mapping(raw.get("period"), f"{where}.period")
    period_source = _text(period_raw.get("from"), f"{where}.period.from")
    coarsest = max((t.period for t in tables), key=PERIODS.index)
    release_period = period_raw.get("release", coarsest)
    if release_period not in PERIODS or PERIODS.index(release_period) < PERIODS.index(coarsest):
        _fail(f"{where}.period.release", f"must be a period at least as coarse as every table's ({coarsest})")
    disclosure = check_disclosure(raw.get("disclosure"), f"{where}.disclosure")
    if disclosure["method"] == "dp":
        _check_dp_dataset(where, disclosure, dimensions, measures, tables)
    partition_by = raw.get("partition_by", [])
    if not isinstance(partition_by, list):
        _fail(f"{where}.partition_by", "must be a list of column names")
    return DatasetSpec(
        name=name, title_vi=_text(raw.get("title_vi"), f"{where}.title_vi"),
        title_en=_text(raw.get("title_en"), f"{where}.title_en"), source=source,
        population=raw.get("population"), dimensions=dimensions, measures=measures, tables=tables,
        disclosure=disclosure, partition_by=list(partition_by), period_column="month", period_source=period_source,
        release_period=release_period, description_vi=raw.get("description_vi", ""),
        description_en=raw.get("description_en", ""), include_special=bool(raw.get("include_special", False)),
        config=raw)


def load_datasets(path: str | Path | None = None) -> list[DatasetSpec]:
    """Every dataset of ``path`` (default: the shipped ``datasets.yaml``), checked."""
    path = Path(path) if path else DATASETS_FILE
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DatasetConfigError(f"{path}: not valid YAML: {exc}") from None
    datasets = _mapping(doc, str(path)).get("datasets")
    datasets = _mapping(datasets, f"{path}: datasets")
    if not datasets:
        raise DatasetConfigError(f"{path}: no dataset declared")
    return [_dataset(name, raw) for name, raw in datasets.items()]


@lru_cache(maxsize=4)
def _cached(path: str) -> tuple[DatasetSpec, ...]:
    return tuple(load_datasets(path))


def get_dataset(name: str, path: str | Path | None = None) -> DatasetSpec:
    specs = _cached(str(path or DATASETS_FILE))
    for spec in specs:
        if spec.name == name:
            return spec
    raise KeyError(f"no dataset {name!r} (declared: {', '.join(s.name for s in specs)})")


__all__ = ["DATASETS_FILE", "POLICY_MIN_COUNT_FLOOR", "POLICY_ROUND_FLOOR", "DatasetConfigError", "DatasetSpec",
           "DimensionSpec", "MeasureSpec", "TableSpec", "check_disclosure", "get_dataset", "load_datasets"]
