"""Facility: ``MA_CSKCB`` -> facility level -> province (34) -> all.

There is no national facility register in this project, so the level of a facility is known only for
the facilities listed in ``facilities.tsv``: the ones the synthetic generator uses
(``pipelines.synth.clinical.FACILITIES``), with their levels ``TW`` (central), ``tinh`` (provincial),
``huyen`` (district), ``pk`` (private clinic). Every other well-formed code gets the level
``unknown``; a deployment replaces or extends the table with the BHXH facility list. ``level`` and
``province`` are two separate coarsenings of the code (a level is not inside a province): both are
computed from the code. The province comes from the first two characters, a legacy (63-province)
code that may survive the 2025 reform (spec 1.1); it is mapped to the 34 provinces, which needs no date
because every reused 2025 code is the legacy code of one of its parts.
"""
from __future__ import annotations

import re
from functools import cached_property

import pyarrow as pa

from pipelines.hierarchies.base import ALL_LEVEL, Hierarchy, py_trim, read_table, sql_trim
from pipelines.reference import provinces_34, provinces_63

UNKNOWN_LEVEL = "unknown"
FACILITY_LEVELS = ("TW", "tinh", "huyen", "xa", "pk", UNKNOWN_LEVEL)
_CODE = re.compile(r"[0-9]{5}")
TABLE = "andanh_h_facility"


class FacilityHierarchy(Hierarchy):
    name = "facility"
    levels = ("facility", "level", "province", ALL_LEVEL)
    reachable = {"level": ("facility",), "province": ("facility",)}

    @cached_property
    def level_of(self) -> dict[str, str]:
        return {row["code"]: row["level"] for row in read_table("facilities.tsv")}

    @cached_property
    def province_of_prefix(self) -> dict[str, str]:
        return {p["old_code"]: p["new_code_2025"] for p in provinces_63()}

    def map_key(self, key: str, from_level: str, to_level: str) -> str | None:
        t = py_trim(key)
        if from_level == "level":
            return t if t in FACILITY_LEVELS else None
        if from_level == "province":
            return t if t in {p["new_code"] for p in provinces_34()} else None
        if not _CODE.fullmatch(t):
            return None
        if to_level == "facility":
            return t
        if to_level == "level":
            return self.level_of.get(t, UNKNOWN_LEVEL)
        return self.province_of_prefix.get(t[:2])

    def lookup_tables(self) -> dict[str, pa.Table]:
        return {TABLE: pa.table({"code": list(self.level_of), "level": list(self.level_of.values())}),
                TABLE + "_prefix": pa.table({"prefix": list(self.province_of_prefix),
                                             "province": list(self.province_of_prefix.values())})}

    def sql_map(self, column_sql, from_level, to_level, context_sql) -> str:
        t = sql_trim(column_sql)
        if from_level == "level":
            levels = ", ".join(f"'{v}'" for v in FACILITY_LEVELS)
            return f"(CASE WHEN {t} IN ({levels}) THEN {t} END)"
        if from_level == "province":
            codes = ", ".join(f"'{p['new_code']}'" for p in provinces_34())
            return f"(CASE WHEN {t} IN ({codes}) THEN {t} END)"
        ok = f"regexp_full_match({t}, '[0-9]{{5}}')"
        if to_level == "facility":
            return f"(CASE WHEN {ok} THEN {t} END)"
        if to_level == "level":
            return (f"(CASE WHEN {ok} THEN coalesce((SELECT f.level FROM {TABLE} f WHERE f.code = {t}), "
                    f"'{UNKNOWN_LEVEL}') END)")
        return f"(CASE WHEN {ok} THEN (SELECT p.province FROM {TABLE}_prefix p WHERE p.prefix = substr({t}, 1, 2)) END)"

    def finite_labels(self, level: str) -> list[str] | None:
        if level == "level":
            return list(FACILITY_LEVELS)
        if level == "province":
            return sorted(p["new_code"] for p in provinces_34())
        return None
