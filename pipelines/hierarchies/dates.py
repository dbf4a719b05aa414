"""Dates: day -> ISO week -> month -> quarter -> year -> all.

Input at ``day`` level is XML 130 text (``yyyymmdd`` or ``yyyymmddHHMM``), ISO text
(``2025-03-15``, ``2025-03-15 10:30:00``) or Arrow/pandas dates and timestamps; the time of day is
dropped. Labels: day ``20250315``, week ``2025-W11`` (ISO 8601: the week-year can differ from the
calendar year around 1 January), month ``2025-03``, quarter ``2025-Q1``, year ``2025``. Weeks do not
nest in months, so a week only generalises to ``all``. Years outside 1900–2099 and impossible dates
(``20250230``) are not dates and become ``None``.
"""
from __future__ import annotations

import datetime as dt
import re

from pipelines.hierarchies.base import ALL_LEVEL, Hierarchy, py_trim, sql_trim

_SEPARATORS = re.compile(r"[-:T ./]")
_DAY = re.compile(r"(19|20)[0-9]{6}[0-9]{0,9}")
_MONTH = re.compile(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"(19|20)[0-9]{2}-Q[1-4]")
_YEAR = re.compile(r"(19|20)[0-9]{2}")


def parse_day(text: str | None) -> dt.date | None:
    """The calendar day of a date or timestamp text, or None when it is not one."""
    if text is None:
        return None
    cleaned = _SEPARATORS.sub("", py_trim(text))
    if not _DAY.fullmatch(cleaned):
        return None
    try:
        return dt.date(int(cleaned[:4]), int(cleaned[4:6]), int(cleaned[6:8]))
    except ValueError:
        return None


def sql_day(expr: str) -> str:
    """DuckDB: the DATE of a date/timestamp value or text, NULL like :func:`parse_day`."""
    cleaned = f"regexp_replace({sql_trim(expr)}, '[-:T ./]', '', 'g')"
    return (f"(CASE WHEN regexp_full_match({cleaned}, '(19|20)[0-9]{{6}}[0-9]{{0,9}}') "
            f"THEN CAST(try_strptime(substr({cleaned}, 1, 8), '%Y%m%d') AS DATE) END)")


def day_label(day: dt.date, level: str) -> str:
    if level == "day":
        return day.strftime("%Y%m%d")
    if level == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if level == "month":
        return f"{day.year}-{day.month:02d}"
    if level == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


class DateHierarchy(Hierarchy):
    name = "date"
    levels = ("day", "week", "month", "quarter", "year", ALL_LEVEL)
    reachable = {"week": ("day",), "month": ("day",), "quarter": ("day", "month"), "year": ("day", "month", "quarter")}

    def map_key(self, key: str, from_level: str, to_level: str) -> str | None:
        if from_level == "day":
            day = parse_day(key)
            return None if day is None else day_label(day, to_level)
        t = py_trim(key)
        pattern = {"week": re.compile(r"(19|20)[0-9]{2}-W(0[1-9]|[1-4][0-9]|5[0-3])"), "month": _MONTH,
                   "quarter": _QUARTER, "year": _YEAR}[from_level]
        if not pattern.fullmatch(t):
            return None
        if to_level == from_level:
            return t
        if to_level == "year":
            return t[:4]
        return f"{t[:4]}-Q{(int(t[5:7]) - 1) // 3 + 1}"  # month -> quarter

    def sql_map(self, column_sql, from_level, to_level, context_sql) -> str:
        if from_level == "day":
            day = sql_day(column_sql)
            fmt = {"day": "'%Y%m%d'", "week": "'%G-W%V'", "month": "'%Y-%m'", "year": "'%Y'"}
            if to_level == "quarter":
                return f"(strftime({day}, '%Y') || '-Q' || CAST(quarter({day}) AS VARCHAR))"
            return f"strftime({day}, {fmt[to_level]})"
        t = sql_trim(column_sql)
        pattern = {"week": "(19|20)[0-9]{2}-W(0[1-9]|[1-4][0-9]|5[0-3])", "month": "(19|20)[0-9]{2}-(0[1-9]|1[0-2])",
                   "quarter": "(19|20)[0-9]{2}-Q[1-4]", "year": "(19|20)[0-9]{2}"}[from_level]
        ok = f"regexp_full_match({t}, '{pattern}')"
        if to_level == from_level:
            label = t
        elif to_level == "year":
            label = f"substr({t}, 1, 4)"
        else:
            label = f"(substr({t}, 1, 4) || '-Q' || CAST((TRY_CAST(substr({t}, 6, 2) AS INTEGER) - 1) // 3 + 1 AS VARCHAR))"
        return f"(CASE WHEN {ok} THEN {label} END)"
