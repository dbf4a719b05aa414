"""The machinery every hierarchy shares: values in any column kind, one computation per distinct value.

A hierarchy maps a value at one level (``from_level``) to its label at a coarser level (``to_level``).
:meth:`Hierarchy.generalise` turns the input (pyarrow Array/ChunkedArray, pandas Series or list) into
an Arrow string array, adds the context a hierarchy needs to the key (the code system of an
administrative code depends on the encounter date), dictionary-encodes the keys and maps each
*distinct* key once in Python, then takes the mapped labels back to row order. So cost grows with the
number of distinct values, not with rows. :meth:`Hierarchy.sql_expression` is the same mapping as a
DuckDB expression for use inside a query; tests check both give the same labels on many values.

Conventions shared by all hierarchies: ``None`` stays ``None``; a value that cannot be read at
``from_level`` (bad shape, unknown code, impossible date) becomes ``None`` at every level except
``all``, whose only label is ``"*"``; surrounding spaces are ignored.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

DATA_DIR = Path(__file__).parent
ALL = "*"
ALL_LEVEL = "all"


class HierarchyError(ValueError):
    """An unknown level, or a level that cannot be reached from the given one."""


@lru_cache(maxsize=None)
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """A TSV shipped next to this module (codes are read as strings)."""
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh, delimiter="\t"))


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_trim(expr: str) -> str:
    """Trim spaces, tabs and line breaks (the same set :func:`py_trim` strips)."""
    return f"regexp_replace(CAST({expr} AS VARCHAR), '^[ \\t\\r\\n]+|[ \\t\\r\\n]+$', '', 'g')"


def py_trim(text: str) -> str:
    return text.strip(" \t\r\n")


# --- column kinds --------------------------------------------------------------------------------

def as_arrow_strings(values: Any) -> tuple[pa.Array, Callable[[pa.Array], Any]]:
    """Values as one Arrow string array, plus a function giving a result back in the caller's kind."""
    import pandas as pd

    if isinstance(values, pa.ChunkedArray):
        arr = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
        return _to_strings(arr), lambda out: pa.chunked_array([out], type=out.type)
    if isinstance(values, pa.Array):
        return _to_strings(values), lambda out: out
    if isinstance(values, pd.Series):
        arr = pa.Array.from_pandas(values.astype(object).where(values.notna(), None))
        index, name = values.index, values.name
        return _to_strings(arr), lambda out: pd.Series(out.to_pylist(), index=index, name=name, dtype=object)
    if isinstance(values, Sequence) and not isinstance(values, (str, bytes)):
        return _to_strings(pa.array([_python_text(v) for v in values], type=pa.string())), lambda out: out.to_pylist()
    raise TypeError(f"values must be a pyarrow Array/ChunkedArray, a pandas Series or a list, not {type(values).__name__}")


def _python_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "strftime") and not isinstance(value, str):
        return str(value)  # date -> 2025-03-01, datetime -> 2025-03-01 10:00:00 (separators are removed later)
    return str(value)


def _to_strings(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_string(arr.type):
        return arr
    if pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
        return arr.cast(pa.string())
    if pa.types.is_floating(arr.type):  # 45.0 -> "45.0" as DuckDB writes it
        return pa.array([None if v is None or v != v else repr(float(v)) for v in arr.to_pylist()], type=pa.string())
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([_python_text(v) for v in arr.to_pylist()], type=pa.string())


def map_distinct(keys: pa.Array, fn: Callable[[str], str | None]) -> pa.Array:
    """``fn`` applied once per distinct non-null key, the labels taken back to row order."""
    encoded = pc.dictionary_encode(keys)
    labels = pa.array([fn(k) for k in encoded.dictionary.to_pylist()], type=pa.string())
    return labels.take(encoded.indices)


# --- the base class ------------------------------------------------------------------------------

class Hierarchy:
    """A named generalisation hierarchy. Subclasses give ``levels``, ``reachable`` and the mappings."""

    name: str = ""
    #: the generalisation chain, finest first; ``levels[0]`` is the level raw values are read at
    levels: tuple[str, ...] = ()
    #: further levels accepted by every method but outside the chain (e.g. age ``month``)
    extra_levels: tuple[str, ...] = ()
    #: to_level -> the levels it can be computed from (a level always reaches itself and ``all``)
    reachable: Mapping[str, tuple[str, ...]] = {}

    def check_levels(self, to_level: str, from_level: str | None) -> str:
        """The effective from_level; raises :class:`HierarchyError` naming the hierarchy and levels."""
        source = from_level or self.levels[0]
        for level in (source, to_level):
            if level not in self.levels and level not in self.extra_levels:
                known = ", ".join(self.levels + self.extra_levels)
                raise HierarchyError(f"hierarchy {self.name!r} has no level {level!r} (levels: {known})")
        if to_level not in (ALL_LEVEL, source) and source not in self.reachable.get(to_level, ()):
            raise HierarchyError(f"hierarchy {self.name!r} cannot generalise {source!r} to {to_level!r}")
        return source

    def generalise(self, values: Any, to_level: str, from_level: str | None = None,
                   context: Mapping[str, Any] | None = None) -> Any:
        """Labels at ``to_level`` for ``values`` read at ``from_level`` (default: the finest level)."""
        source = self.check_levels(to_level, from_level)
        arr, back = as_arrow_strings(values)
        if to_level == ALL_LEVEL:
            return back(pc.if_else(pc.is_null(arr), pa.scalar(None, pa.string()), pa.scalar(ALL)))
        keys = self.keys(arr, source, context)
        return back(map_distinct(keys, lambda key: self.map_key(key, source, to_level)))

    def keys(self, arr: pa.Array, from_level: str, context: Mapping[str, Any] | None) -> pa.Array:
        """The per-row key mapped per distinct value (the value itself unless context matters)."""
        return arr

    def map_key(self, key: str, from_level: str, to_level: str) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def sql_expression(self, column_sql: str, to_level: str, from_level: str | None = None,
                       context_sql: Mapping[str, str] | None = None) -> str:
        """A DuckDB expression with the labels :meth:`generalise` gives (lookup tables: :meth:`register`)."""
        source = self.check_levels(to_level, from_level)
        if to_level == ALL_LEVEL:
            return f"(CASE WHEN ({column_sql}) IS NULL THEN NULL ELSE '{ALL}' END)"
        return self.sql_map(column_sql, source, to_level, context_sql or {})

    def sql_map(self, column_sql: str, from_level: str, to_level: str,
                context_sql: Mapping[str, str]) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def lookup_tables(self) -> dict[str, pa.Table]:
        """Tables :meth:`sql_expression` reads, by name (none for pure-SQL hierarchies)."""
        return {}

    def register(self, con: Any) -> None:
        """Create (or replace) the lookup tables in a DuckDB connection."""
        for table, data in self.lookup_tables().items():
            con.register(f"_andanh_{table}_src", data)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _andanh_{table}_src")
            con.unregister(f"_andanh_{table}_src")

    def labels(self, level: str) -> list[str] | None:
        """Every label of a finite level (complete disclosure tables need the zero cells), else None."""
        self.check_levels(level, level)
        if level == ALL_LEVEL:
            return [ALL]
        return self.finite_labels(level)

    def finite_labels(self, level: str) -> list[str] | None:
        return None

    def __repr__(self) -> str:
        return f"<hierarchy {self.name}: {' -> '.join(self.levels)}>"
