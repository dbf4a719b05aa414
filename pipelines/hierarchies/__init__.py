"""Generalisation hierarchies as data, shared by de-identification (policy ``generalise``) and disclosure.

Usage::

    from pipelines.hierarchies import get_hierarchy, HIERARCHY_NAMES
    h = get_hierarchy("age")
    h.generalise(values, "band5")                 # Arrow/pandas/list in, same kind out, per distinct value
    h.sql_expression('"AGE"', "band5")            # the same mapping inside a DuckDB query
    h.register(con)                               # lookup tables sql_expression reads
    h.labels("band5")                             # every label of a finite level (zero cells)

Hierarchies: ``age``, ``geography``, ``facility``, ``icd10``, ``date`` (levels finest first in
``h.levels``; each module documents its levels, data and rules). Data files ship in this package.
"""
from __future__ import annotations

from functools import lru_cache

from pipelines.hierarchies.age import AgeHierarchy
from pipelines.hierarchies.base import ALL, ALL_LEVEL, Hierarchy, HierarchyError
from pipelines.hierarchies.dates import DateHierarchy
from pipelines.hierarchies.facility import FacilityHierarchy
from pipelines.hierarchies.geography import GeographyHierarchy
from pipelines.hierarchies.icd10 import Icd10Hierarchy

_CLASSES: dict[str, type[Hierarchy]] = {
    "age": AgeHierarchy,
    "geography": GeographyHierarchy,
    "facility": FacilityHierarchy,
    "icd10": Icd10Hierarchy,
    "date": DateHierarchy,
}
HIERARCHY_NAMES: tuple[str, ...] = tuple(_CLASSES)


@lru_cache(maxsize=None)
def get_hierarchy(name: str) -> Hierarchy:
    """The hierarchy called ``name`` (one shared instance; its reference data is loaded once)."""
    try:
        return _CLASSES[name]()
    except KeyError:
        raise HierarchyError(f"unknown hierarchy {name!r} (known: {', '.join(HIERARCHY_NAMES)})") from None


__all__ = ["ALL", "ALL_LEVEL", "HIERARCHY_NAMES", "Hierarchy", "HierarchyError", "get_hierarchy"]
