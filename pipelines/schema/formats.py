"""The registry's timestamp formats (``Field.format``): the pattern a well-formed value matches and its
``strptime`` format (DuckDB and Python share both)."""
from __future__ import annotations

_MONTH, _DAY, _HHMM = r"(0[1-9]|1[0-2])", r"(0[1-9]|[12]\d|3[01])", r"([01]\d|2[0-3])[0-5]\d"
FORMAT_PATTERNS = {"datetime12": rf"\d{{4}}{_MONTH}{_DAY}{_HHMM}", "date8": rf"\d{{4}}{_MONTH}{_DAY}"}
STRPTIME = {"datetime12": "%Y%m%d%H%M", "date8": "%Y%m%d"}
