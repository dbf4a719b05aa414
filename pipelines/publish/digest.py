"""Tables in, canonical Arrow tables and a content digest out.

The digest hashes what a release says, not how it is stored: every row is rendered by DuckDB as JSON
with the columns in name order, the row hashes are sorted and hashed again, and the column names and
logical types are hashed beside them. Row order, column order, Parquet layout and compression, pandas
index or dtype quirks do not change it; any changed value, added or dropped row or column does.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.publish.spec import DatasetSpecLike, count_measures

ROW_HASHES = ("SELECT sha256(coalesce(string_agg(h, chr(10) ORDER BY h), '')) FROM "
              "(SELECT sha256(to_json(r)::VARCHAR) AS h FROM (SELECT {cols} FROM t) r)")


def to_arrow(table: Any) -> pa.Table:
    """A pandas DataFrame or a pyarrow Table as a pyarrow Table (no pandas index column)."""
    if isinstance(table, pa.Table):
        return table
    if hasattr(table, "to_arrow") and not hasattr(table, "iloc"):  # a DuckDB relation, polars, ...
        return table.to_arrow()
    return pa.Table.from_pandas(table, preserve_index=False)


def normalise(spec: DatasetSpecLike, table: Any) -> pa.Table:
    """Counts become int64 (pandas turns a count with NULLs into float64); dictionary columns decoded."""
    t = to_arrow(table)
    counts = set(count_measures(spec))
    for i, field in enumerate(t.schema):
        column = t.column(i)
        if pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
        if field.name in counts and not pa.types.is_integer(column.type) and _integral(column):
            column = column.cast(pa.int64())
        if column is not t.column(i):
            t = t.set_column(i, field.name, column)
    return t.replace_schema_metadata(None)


def _integral(column: pa.ChunkedArray) -> bool:
    if not (pa.types.is_floating(column.type) or pa.types.is_decimal(column.type)):
        return False
    valid = pc.drop_null(column)
    return len(valid) == 0 or bool(pc.all(pc.equal(valid, pc.floor(valid))).as_py())


def schema_of(table: pa.Table) -> list[dict[str, str]]:
    return [{"name": f.name, "type": str(f.type)} for f in table.schema]


def table_digest(table: pa.Table) -> str:
    cols = ", ".join(f'"{name}"' for name in sorted(table.column_names))
    con = duckdb.connect()
    try:
        con.register("t", table)
        rows = con.execute(ROW_HASHES.format(cols=cols)).fetchone()[0]
    finally:
        con.close()
    head = json.dumps(sorted((f["name"], f["type"]) for f in schema_of(table)), ensure_ascii=False)
    return hashlib.sha256(f"{head}\n{rows}".encode("utf-8")).hexdigest()


def content_digest(tables: Mapping[str, pa.Table]) -> str:
    """One digest of every table of a release (names included)."""
    parts = {name: table_digest(t) for name, t in sorted(tables.items())}
    return "sha256:" + hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()
