"""Age: single years -> 5-year bands -> 10-year bands -> all (and months -> infant months -> years).

Ages are computed by the caller before any date is shifted (the de-identify stage does that). Every
level top-codes at 90 (``"90+"``): the oldest ages are rare and identifying. ``infant_month`` keeps the
first year of life in months (``"0m"`` … ``"11m"``) and single years after it, for policies on
neonatal or paediatric care; it needs ages in months (``from_level="month"``). Ages above 150 years
(1,800 months) are not ages and become ``None``.
"""
from __future__ import annotations

import re

from pipelines.hierarchies.base import ALL_LEVEL, Hierarchy, py_trim, sql_trim

TOP = 90
MAX_YEARS = 150
_NUMBER = re.compile(r"[0-9]{1,4}(\.0*)?")
_BAND = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")
_MONTHS = re.compile(r"([0-9]{1,2})m")


def year_label(years: int) -> str:
    return f"{TOP}+" if years >= TOP else str(years)


def band_label(years: int, width: int) -> str:
    if years >= TOP:
        return f"{TOP}+"
    low = years // width * width
    return f"{low}-{low + width - 1}"


class AgeHierarchy(Hierarchy):
    name = "age"
    levels = ("year", "band5", "band10", ALL_LEVEL)
    extra_levels = ("month", "infant_month")  # finer than year: month -> infant_month -> year
    reachable = {
        "infant_month": ("month",),
        "year": ("month", "infant_month"),
        "band5": ("month", "infant_month", "year"),
        "band10": ("month", "infant_month", "year", "band5"),
    }

    # --- Python, per distinct value ---------------------------------------------------------------
    def parse(self, text: str, level: str) -> tuple[int, int | None] | None:
        """(years, months or None) read from a value at ``level``; None when it is not an age."""
        t = py_trim(text)
        if level in ("month", "year"):
            if not _NUMBER.fullmatch(t):
                return None if not (level == "year" and t == f"{TOP}+") else (TOP, None)
            n = int(t.split(".")[0])
            if level == "month":
                return None if n > MAX_YEARS * 12 else (n // 12, n)
            return None if n > MAX_YEARS else (n, None)
        if t == f"{TOP}+":
            return TOP, None
        if level == "infant_month":
            m = _MONTHS.fullmatch(t)
            if m:
                return (0, int(m.group(1))) if int(m.group(1)) < 12 else None
            return self.parse(t, "year") if _NUMBER.fullmatch(t) and "." not in t else None
        m = _BAND.fullmatch(t)
        width = 5 if level == "band5" else 10
        if not m or int(m.group(1)) % width or int(m.group(2)) != int(m.group(1)) + width - 1:
            return None
        return int(m.group(1)), None

    def map_key(self, key: str, from_level: str, to_level: str) -> str | None:
        age = self.parse(key, from_level)
        if age is None:
            return None
        years, months = age
        if to_level == "infant_month":
            return f"{months}m" if years == 0 and months is not None else year_label(years)
        if to_level == "year":
            return year_label(years)
        if to_level == "month":
            return str(months)
        return band_label(years, 5 if to_level == "band5" else 10)

    def finite_labels(self, level: str) -> list[str] | None:
        if level == "month":
            return None
        if level == "infant_month":
            return [f"{m}m" for m in range(12)] + [year_label(y) for y in range(1, TOP + 1)]
        if level == "year":
            return [year_label(y) for y in range(TOP + 1)]
        width = 5 if level == "band5" else 10
        return [band_label(y, width) for y in range(0, TOP + 1, width)]

    # --- DuckDB ---------------------------------------------------------------------------------
    def _sql_years_months(self, t: str, level: str) -> tuple[str, str]:
        number = f"regexp_full_match({t}, '[0-9]{{1,4}}(\\.0*)?')"
        n = f"TRY_CAST(regexp_extract({t}, '^[0-9]+') AS INTEGER)"
        top = f"{t} = '{TOP}+'"
        if level == "month":
            ok = f"({number} AND {n} <= {MAX_YEARS * 12})"
            return f"(CASE WHEN {ok} THEN {n} // 12 END)", f"(CASE WHEN {ok} THEN {n} END)"
        if level == "year":
            return f"(CASE WHEN {number} AND {n} <= {MAX_YEARS} THEN {n} WHEN {top} THEN {TOP} END)", "NULL"
        if level == "infant_month":
            mm = f"TRY_CAST(regexp_extract({t}, '^([0-9]{{1,2}})m$', 1) AS INTEGER)"
            is_m = f"(regexp_full_match({t}, '[0-9]{{1,2}}m') AND {mm} < 12)"
            whole = f"regexp_full_match({t}, '[0-9]{{1,4}}')"
            years = f"(CASE WHEN {is_m} THEN 0 WHEN {whole} AND {n} <= {MAX_YEARS} THEN {n} WHEN {top} THEN {TOP} END)"
            return years, f"(CASE WHEN {is_m} THEN {mm} END)"
        width = 5 if level == "band5" else 10
        lo = f"TRY_CAST(regexp_extract({t}, '^([0-9]{{1,2}})-', 1) AS INTEGER)"
        hi = f"TRY_CAST(regexp_extract({t}, '-([0-9]{{1,2}})$', 1) AS INTEGER)"
        ok = f"(regexp_full_match({t}, '[0-9]{{1,2}}-[0-9]{{1,2}}') AND {lo} % {width} = 0 AND {hi} = {lo} + {width - 1})"
        return f"(CASE WHEN {ok} THEN {lo} WHEN {top} THEN {TOP} END)", "NULL"

    def sql_map(self, column_sql, from_level, to_level, context_sql) -> str:
        t = sql_trim(column_sql)
        years, months = self._sql_years_months(t, from_level)
        year_text = f"(CASE WHEN {years} >= {TOP} THEN '{TOP}+' ELSE CAST({years} AS VARCHAR) END)"
        if to_level == "year":
            return year_text
        if to_level == "month":
            return f"CAST({months} AS VARCHAR)"
        if to_level == "infant_month":
            return f"(CASE WHEN {years} = 0 AND {months} IS NOT NULL THEN CAST({months} AS VARCHAR) || 'm' ELSE {year_text} END)"
        width = 5 if to_level == "band5" else 10
        low = f"(({years}) // {width} * {width})"
        return (f"(CASE WHEN {years} IS NULL THEN NULL WHEN {years} >= {TOP} THEN '{TOP}+' "
                f"ELSE CAST({low} AS VARCHAR) || '-' || CAST({low} + {width - 1} AS VARCHAR) END)")
