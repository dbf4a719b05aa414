"""Geography: ward -> legacy district -> province (34) -> region -> all; legacy province aside.

Residence codes (``MAXA_CU_TRU``, ``MAHUYEN_CU_TRU``, ``MATINH_CU_TRU``) are read in the code system in
force on the encounter date (``context={"date": …}``, ``context_sql={"date": "NGAY_VAO"}``): before
2025-07-01 a commune code is a legacy (pre-reform) code, from that day a 2025 ward code. The two
systems reuse codes (3,316 legacy commune codes are also 2025 ward codes), so the date matters. Without
a date, codes are read as 2025 codes. A code missing from the system of its date is looked up in the
other one (spec rule: try the other system). Data: ``pipelines/reference/wards_2025_conversion.tsv``
(official old→new commune list), ``provinces_63.tsv``, ``provinces_34.tsv``, and ``regions.tsv`` here.

Levels and their documented rules:

- ``ward``: the 2025 ward code. A legacy commune split between several new wards (441 of 10,033)
  goes to the new ward that took it whole or took all of its population (``merge_note`` says
  *toàn bộ*), else to the lowest new ward code among its parts.
- ``district``: the legacy (pre-2025) district, 3 digits. A 2025 ward formed from communes of several
  legacy districts (297 of 3,321) gets the district that gave it most communes (ties: lowest code).
- ``province_63``: the legacy province (63 codes), for series before 2025-07-01. Every 2025 ward lies
  in one legacy province. A 2025 province code read on or after the reform date has a legacy code
  only when the new province was not merged.
- ``province``: one of the 34 provinces in force from 2025-07-01; every legacy code maps into exactly
  one (``provinces_63.tsv``), so series spanning the reform aggregate here.
- ``region``: the six socio-economic regions (``regions.tsv``) by the 34 provinces. The GSO lists
  regions by the 63 provinces; the 2025 assignment used here (Trung du và miền núi phía Bắc 9,
  Đồng bằng sông Hồng 6, Bắc Trung Bộ và duyên hải miền Trung 8, Tây Nguyên 3, Đông Nam Bộ 3,
  Đồng bằng sông Cửu Long 5) follows secondary sources (unverified); the file can be edited.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.hierarchies.base import ALL_LEVEL, Hierarchy, as_arrow_strings, map_distinct, py_trim, read_table, sql_literal, sql_trim
from pipelines.hierarchies.dates import parse_day, sql_day
from pipelines.reference import provinces_34, provinces_63, wards

REFORM_DAY = "20250701"
LEGACY, NEW = "L", "N"
_WARD = re.compile(r"[0-9]{1,5}")
_DISTRICT = re.compile(r"[0-9]{1,3}")
_PROVINCE = re.compile(r"[0-9]{1,3}")
TABLE = "andanh_h_geo"
_VALUE_LEVELS = ("ward", "district", "province_63", "province", "region")


def _ward_rank(row: dict[str, str]) -> tuple[int, str]:
    return (0 if "toàn bộ" in row["merge_note"].lower() else 1, row["new_ward_code"])


class GeographyHierarchy(Hierarchy):
    name = "geography"
    levels = ("ward", "district", "province", "region", ALL_LEVEL)
    extra_levels = ("province_63",)  # between district and province for series before 2025-07-01
    reachable = {
        "district": ("ward",),
        "province_63": ("ward", "district", "province"),
        "province": ("ward", "district", "province_63"),
        "region": ("ward", "district", "province_63", "province"),
    }

    # --- reference data, resolved once ----------------------------------------------------------
    @cached_property
    def legacy_to_new(self) -> dict[str, str]:
        return {p["old_code"]: p["new_code_2025"] for p in provinces_63()}

    @cached_property
    def new_to_legacy(self) -> dict[str, str | None]:
        out = {}
        for p in provinces_34():
            merged = p["merged_old_codes"].split(";")
            out[p["new_code"]] = merged[0] if len(merged) == 1 else None
        return out

    @cached_property
    def region_of(self) -> dict[str, str]:
        return {r["province_code"]: r["region_name_vi"] for r in read_table("regions.tsv")}

    def _with_region(self, entry: dict[str, str | None]) -> dict[str, str | None]:
        entry["region"] = self.region_of.get(entry["province"] or "")
        return entry

    @cached_property
    def wards_resolved(self) -> dict[tuple[str, str], dict[str, str | None]]:
        """(system, 5-digit code) -> labels at every level, rules of the module docstring applied."""
        by_new: dict[str, list[dict[str, str]]] = defaultdict(list)
        by_old: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in wards():
            by_new[row["new_ward_code"]].append(row)
            if row["old_ward_code"]:
                by_old[row["old_ward_code"]].append(row)
        new = {}
        for code, rows in by_new.items():
            counts = Counter(r["old_district_code"] for r in rows)
            district = min(counts, key=lambda d: (-counts[d], d))
            new[code] = self._with_region({"ward": code, "district": district,
                                           "province_63": rows[0]["old_province_code"],
                                           "province": rows[0]["new_province_code"]})
        old = {}
        for code, rows in by_old.items():
            best = min(rows, key=_ward_rank)
            old[code] = self._with_region({"ward": best["new_ward_code"], "district": best["old_district_code"],
                                           "province_63": best["old_province_code"],
                                           "province": best["new_province_code"]})
        out = {}
        for code in set(new) | set(old):
            out[(NEW, code)] = new.get(code) or old[code]
            out[(LEGACY, code)] = old.get(code) or new[code]
        return out

    @cached_property
    def districts_resolved(self) -> dict[str, dict[str, str | None]]:
        out = {}
        for row in wards():
            out.setdefault(row["old_district_code"], self._with_region({
                "district": row["old_district_code"], "province_63": row["old_province_code"],
                "province": self.legacy_to_new[row["old_province_code"]]}))
        return out

    @cached_property
    def provinces_resolved(self) -> dict[tuple[str, str], dict[str, str | None]]:
        """(system, 2-digit code) -> province_63, province, region for a province code."""
        new_codes = set(self.new_to_legacy)
        out = {}
        for code in set(self.legacy_to_new) | new_codes:
            province = self.legacy_to_new.get(code, code)
            for system in (LEGACY, NEW):
                if system == LEGACY or code not in new_codes:
                    p63 = code if code in self.legacy_to_new else None
                else:
                    p63 = self.new_to_legacy[code]
                out[(system, code)] = self._with_region({"province_63": p63, "province": province})
        return out

    # --- Python, per distinct (value, code system) ----------------------------------------------
    def keys(self, arr: pa.Array, from_level: str, context: Mapping[str, Any] | None) -> pa.Array:
        if from_level in ("district", "province_63", "region"):
            return arr
        dates = (context or {}).get("date")
        if dates is None:
            system = pa.array([NEW] * len(arr), pa.string())
        else:
            date_arr, _ = as_arrow_strings(dates)
            if len(date_arr) != len(arr):
                raise ValueError("geography: context['date'] must have one value per row")
            system = map_distinct(date_arr, lambda s: LEGACY if _is_legacy(s) else NEW)
            system = pc.fill_null(system, NEW)
        return pc.binary_join_element_wise(arr, system, "|")

    def map_key(self, key: str, from_level: str, to_level: str) -> str | None:
        if from_level == "region":
            return py_trim(key) if py_trim(key) in set(self.region_of.values()) else None
        if from_level == "district":
            t = py_trim(key)
            entry = self.districts_resolved.get(t.zfill(3)) if _DISTRICT.fullmatch(t) else None
        elif from_level == "province_63":
            t = py_trim(key)
            code = t[-2:].zfill(2) if _PROVINCE.fullmatch(t) else None
            entry = self.provinces_resolved.get((LEGACY, code)) if code in self.legacy_to_new else None
        else:
            value, system = key.rsplit("|", 1)
            t = py_trim(value)
            if from_level == "ward":
                entry = self.wards_resolved.get((system, t.zfill(5))) if _WARD.fullmatch(t) else None
            else:
                entry = self.provinces_resolved.get((system, t[-2:].zfill(2))) if _PROVINCE.fullmatch(t) else None
        return None if entry is None else entry.get(to_level)

    # --- DuckDB ---------------------------------------------------------------------------------
    def lookup_tables(self) -> dict[str, pa.Table]:
        def table(rows: dict, key_names: tuple[str, ...], levels: tuple[str, ...]) -> pa.Table:
            keys = list(rows)
            cols = {}
            for i, name in enumerate(key_names):
                cols[name] = [k[i] if isinstance(k, tuple) else k for k in keys]
            for level in levels:
                cols[level] = [rows[k].get(level) for k in keys]
            return pa.table(cols)
        return {f"{TABLE}_ward": table(self.wards_resolved, ("system", "code"), _VALUE_LEVELS),
                f"{TABLE}_district": table(self.districts_resolved, ("code",), _VALUE_LEVELS[1:]),
                f"{TABLE}_province": table(self.provinces_resolved, ("system", "code"), _VALUE_LEVELS[2:])}

    def sql_map(self, column_sql, from_level, to_level, context_sql) -> str:
        t = sql_trim(column_sql)
        date = context_sql.get("date")
        system = f"(CASE WHEN {sql_day(date)} < DATE '2025-07-01' THEN '{LEGACY}' ELSE '{NEW}' END)" if date else f"'{NEW}'"
        if from_level == "region":
            names = ", ".join(sql_literal(name) for name in sorted(set(self.region_of.values())))
            return f"(CASE WHEN {t} IN ({names}) THEN {t} END)"
        if from_level == "district":
            code = f"(CASE WHEN regexp_full_match({t}, '[0-9]{{1,3}}') THEN lpad({t}, 3, '0') END)"
            return f"(SELECT g.{to_level} FROM {TABLE}_district g WHERE g.code = {code})"
        province_code = f"(CASE WHEN regexp_full_match({t}, '[0-9]{{1,3}}') THEN lpad(right({t}, 2), 2, '0') END)"
        if from_level == "province_63":
            legacy = ", ".join(f"'{c}'" for c in sorted(self.legacy_to_new))
            return (f"(SELECT g.{to_level} FROM {TABLE}_province g WHERE g.system = '{LEGACY}' "
                    f"AND g.code = {province_code} AND g.code IN ({legacy}))")
        if from_level == "province":
            return f"(SELECT g.{to_level} FROM {TABLE}_province g WHERE g.system = {system} AND g.code = {province_code})"
        code = f"(CASE WHEN regexp_full_match({t}, '[0-9]{{1,5}}') THEN lpad({t}, 5, '0') END)"
        return f"(SELECT g.{to_level} FROM {TABLE}_ward g WHERE g.system = {system} AND g.code = {code})"

    def finite_labels(self, level: str) -> list[str] | None:
        if level == "ward":
            return sorted({r["new_ward_code"] for r in wards()})
        if level == "district":
            return sorted(self.districts_resolved)
        if level == "province_63":
            return sorted(self.legacy_to_new)
        if level == "province":
            return sorted(self.new_to_legacy)
        return sorted(set(self.region_of.values()), key=lambda name: [r["region_name_vi"] for r in read_table("regions.tsv")].index(name))


def _is_legacy(text: str) -> bool:
    day = parse_day(text)
    return day is not None and day.strftime("%Y%m%d") < REFORM_DAY
