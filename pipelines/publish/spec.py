"""What the publish step needs to know about a dataset, as duck-typed protocols.

The dataset declarations live in ``pipelines.datasets`` (``DatasetSpec``); publish only reads the
attributes below, so any object that has them (a test dataclass, the legacy dataset) can be published.
The policy floors come from ``pipelines.datasets`` when that package exists; until then they are defined
here with the same values.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

try:  # the datasets package owns the policy floor; the same values here until it is merged
    from pipelines.datasets import POLICY_MIN_COUNT_FLOOR, POLICY_ROUND_FLOOR  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on which branches are merged
    POLICY_MIN_COUNT_FLOOR = 8  # counts 1-7 are never published
    POLICY_ROUND_FLOOR = 5  # published counts are multiples of at least 5

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SUPPRESSED = "suppressed"  # the only suppression column ever published
FORBIDDEN_COLUMNS = ("suppression",)  # the reason of a suppression stays in the restricted zone
FORBIDDEN_SUFFIXES = ("__max1", "__max2")  # single contributions (dominance inputs) are never published


class TableSpecLike(Protocol):
    name: str
    dimensions: list[str]


class DatasetSpecLike(Protocol):
    name: str
    title_vi: str
    title_en: str
    tables: list[Any]
    dimensions: Mapping[str, Any]
    measures: Mapping[str, Any]
    disclosure: Mapping[str, Any]
    partition_by: list[str]


def attr(obj: Any, name: str, default: Any = None) -> Any:
    """An attribute of a spec object, or a key of a mapping (YAML-loaded specs may be either)."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def table_spec(spec: DatasetSpecLike, table: str) -> Any:
    for t in spec.tables:
        if attr(t, "name") == table:
            return t
    raise KeyError(f"dataset {spec.name!r} declares no table {table!r} "
                   f"(declared: {', '.join(attr(t, 'name') for t in spec.tables)})")


def count_measures(spec: DatasetSpecLike) -> list[str]:
    return [name for name, m in spec.measures.items() if attr(m, "kind") == "count"]


def sum_measures(spec: DatasetSpecLike) -> list[str]:
    return [name for name, m in spec.measures.items() if attr(m, "kind") != "count"]


def period_column(spec: DatasetSpecLike) -> str | None:
    return attr(spec, "period_column")


def check_names(spec: DatasetSpecLike, version: str, tables: Mapping[str, Any]) -> None:
    if not NAME.match(spec.name or ""):
        raise ValueError(f"dataset name {spec.name!r} must match {NAME.pattern}")
    if not VERSION.match(version or "") or ".." in version:
        raise ValueError(f"release version {version!r} must match {VERSION.pattern}")
    for name in tables:
        if not NAME.match(name):
            raise ValueError(f"table name {name!r} must match {NAME.pattern}")
        table_spec(spec, name)
