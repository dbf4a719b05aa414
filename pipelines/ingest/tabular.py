"""CSV and Parquet extracts that use the standard's column names -> staging.

Which table a file holds:
  1. the first token of the file name (``xml1.csv``, ``XML1_2025-01.parquet``; ``checkin``/``xml0`` ->
     the check-in table), case-insensitive;
  2. else the header: the registry table sharing the most columns with it, provided the header has
     ``MA_LK`` and one table matches strictly more columns than any other;
  3. else the whole file is rejected.

Values are staged as strings exactly as written, with no type inference (``"01"`` stays ``"01"``).
Column names are matched stripped and case-insensitively; columns the table does not have go to
``_extra`` (kept, under the file's own spelling of the name); standard columns the file lacks are
staged as None.

CSV: UTF-8 (a BOM is tolerated), comma-separated, ``"``-quoted, newlines allowed inside quotes.
A CSV cannot tell an empty value from a missing one, so an empty cell is staged as ``""`` (never
None). A row with the wrong number of fields is rejected on its own; a file that is not UTF-8 is
rejected whole. Blank lines are skipped.

Parquet: nulls stay None. Non-string columns are turned into strings as follows: integers and
booleans (``"true"``/``"false"``) by Arrow's cast; decimals by Arrow's cast, which keeps the
column's scale (``1.10`` in a ``decimal(18,2)`` stays ``"1.10"``); floats as the shortest decimal
that reads back as the same float, in plain notation and without a trailing ``.0`` (a float
cannot remember ``1.10``, so it becomes ``"1.1"``; ``150000.0`` becomes ``"150000"``); dates and
timestamps in the field's format (``yyyymmddHHMM`` / ``yyyymmdd``; ISO text for other columns);
binary as UTF-8 text. Nested columns (lists, structs) reject the file.

``_hoso_index`` of a tabular row is its 1-based row number in the file, header and blank lines not
counted; rejected rows keep their number, so the numbers of the other rows do not shift.
"""
from __future__ import annotations

import csv
import logging
import re
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pipelines.ingest.staging import StagingWriter
from pipelines.schema import Field, Schema, Table

log = logging.getLogger(__name__)

# File-name tokens that name a table other than by its id.
TABLE_ALIASES = {"checkin": "xml0"}
CSV_BLOCK_BYTES = 1 << 20
PARQUET_BATCH_ROWS = 10_000
FIELD_TIME_FORMATS = {"datetime12": "%Y%m%d%H%M", "date8": "%Y%m%d"}


class TabularFileError(ValueError):
    """The whole file is rejected. Messages name columns and rules, never values."""


def read_into(path: Path, writer: StagingWriter) -> None:
    """Stage every row of a CSV or Parquet extract through ``writer`` (which the caller commits)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _read_csv(path, writer)
    elif suffix == ".parquet":
        _read_parquet(path, writer)
    else:
        raise TabularFileError(f"unsupported tabular file type {suffix!r}; expected .csv or .parquet")


# --- which table ---------------------------------------------------------------------------------

def table_from_name(path: Path, schema: Schema) -> str | None:
    """``XML1_2025-01.parquet`` -> ``xml1``; None when the first token of the stem names no table."""
    tokens = [t for t in re.split(r"[^0-9a-z]+", path.stem.lower()) if t]
    if not tokens:
        return None
    first = TABLE_ALIASES.get(tokens[0], tokens[0])
    return first if first in schema.tables else None


def table_from_columns(columns: list[str], schema: Schema) -> str:
    """The table whose columns best match a (normalised) header; raises unless there is a clear winner."""
    header = set(columns)
    if "MA_LK" not in header:
        raise TabularFileError("cannot tell the table: the file name names none (e.g. xml1.csv) "
                               "and the header has no MA_LK column")
    scores = sorted(((len(header & set(t.columns)), tid) for tid, t in schema.tables.items()),
                    key=lambda s: (-s[0], s[1]))
    (best, best_id), (second, second_id) = scores[0], scores[1]
    if best == second:
        raise TabularFileError(
            f"cannot tell the table from the header: {best_id.upper()} and {second_id.upper()} match "
            f"equally well ({best} columns each); name the file after its table, e.g. {best_id}.csv")
    return best_id


def normalise_columns(raw_names: list[str]) -> list[str]:
    """Stripped, upper-cased names; unnamed columns get ``_COL<n>`` (1-based); duplicates reject the file."""
    names = [(name or "").strip().upper() or f"_COL{i}" for i, name in enumerate(raw_names, 1)]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            # Only standard names are safe to echo: a file without a header row has values up there.
            shown = name if re.fullmatch(r"[A-Z0-9_]+", name) and len(name) <= 40 else "(not shown)"
            raise TabularFileError(f"duplicate column in header: {shown} (names compared case-insensitively)")
        seen.add(name)
    return names


def choose_table(path: Path, columns: list[str], schema: Schema) -> Table:
    table_id = table_from_name(path, schema)
    if table_id is None:
        table_id = table_from_columns(columns, schema)
        log.info("%s: table %s chosen from the header", path.name, table_id)
    table = schema.table(table_id)
    if not set(columns) & set(table.columns):
        raise TabularFileError(f"no {table.loaihoso} column in the header (is the header row missing?)")
    return table


# --- rows ------------------------------------------------------------------------------------------

class _RowStager:
    """Turns column-wise string lists into staged rows: standard columns by name, the rest as extra."""

    def __init__(self, table: Table, raw_names: list[str], columns: list[str], writer: StagingWriter):
        self.table, self.writer = table, writer
        self.standard = [(i, name) for i, name in enumerate(columns) if name in table.by_name]
        # Unknown columns keep the file's spelling (stripped) as their key in _extra.
        self.extra = [(i, (raw or "").strip() or name) for i, (raw, name) in enumerate(zip(raw_names, columns))
                      if name not in table.by_name]

    def stage(self, values: list[list[str | None]], indexes: list[int]) -> None:
        for r, hoso_index in enumerate(indexes):
            row: dict[str, str | None] = dict.fromkeys(self.table.columns)
            for i, name in self.standard:
                row[name] = values[i][r]
            extra = {name: values[i][r] for i, name in self.extra} or None
            self.writer.add(self.table.id, row, hoso_index, extra=extra)


# --- CSV -------------------------------------------------------------------------------------------

def _read_csv_header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        raise TabularFileError("file is not valid UTF-8 (CSV extracts must be UTF-8); no rows staged") from None
    except csv.Error as exc:
        raise TabularFileError(f"CSV header could not be parsed ({type(exc).__name__})") from None
    if not header:
        raise TabularFileError("empty CSV file: no header row")
    return header


def _read_csv(path: Path, writer: StagingWriter) -> None:
    raw_names = _read_csv_header(path)
    if len(raw_names) == 1 and ";" in raw_names[0]:
        raise TabularFileError("header has one column containing ';': CSV extracts must be comma-separated")
    columns = normalise_columns(raw_names)
    table = choose_table(path, columns, writer.schema)
    stager = _RowStager(table, raw_names, columns, writer)
    placeholders = [f"c{i}" for i in range(len(columns))]  # arrow sees neutral names; no clash possible
    rejected_rows: set[int] = set()

    def on_ragged_row(row: pa_csv.InvalidRow) -> str:
        # row.number counts records from 1 including the header (known because use_threads=False).
        row_number = row.number - 1 if row.number is not None else None
        if row_number is not None:
            rejected_rows.add(row_number)
        where = f"row {row_number} (record {row.number} counting the header)" if row_number else "a row"
        writer.reject(row_number, f"{where}: expected {row.expected_columns} fields, found "
                                  f"{row.actual_columns}; row not staged", table_id=table.id)
        return "skip"

    reader_options = dict(
        read_options=pa_csv.ReadOptions(column_names=placeholders, skip_rows=1, use_threads=False,
                                        block_size=CSV_BLOCK_BYTES, encoding="utf8"),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_ragged_row),
        convert_options=pa_csv.ConvertOptions(column_types={c: pa.string() for c in placeholders},
                                              strings_can_be_null=False, quoted_strings_can_be_null=False,
                                              null_values=[], check_utf8=True),
    )
    row_number = 0
    try:
        with pa_csv.open_csv(path, **reader_options) as reader:
            for batch in reader:
                indexes = []
                for _ in range(batch.num_rows):
                    row_number += 1
                    while row_number in rejected_rows:
                        row_number += 1
                    indexes.append(row_number)
                stager.stage([batch.column(i).to_pylist() for i in range(batch.num_columns)], indexes)
    except pa.ArrowInvalid as exc:
        raise _csv_error(exc) from None


def _csv_error(exc: pa.ArrowInvalid) -> TabularFileError:
    # Arrow's messages can quote the offending row, so only the kind of error is passed on.
    message = str(exc)
    if "UTF8" in message or "UTF-8" in message:
        return TabularFileError("file is not valid UTF-8 (CSV extracts must be UTF-8); no rows staged")
    if "Empty CSV file" in message:
        return TabularFileError("empty CSV file: no header row")
    kind = message.split(":", 1)[0][:80]
    return TabularFileError(f"CSV could not be parsed ({kind}); no rows staged")


# --- Parquet ---------------------------------------------------------------------------------------

def _read_parquet(path: Path, writer: StagingWriter) -> None:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TabularFileError(f"not a readable Parquet file ({type(exc).__name__})") from None
    with parquet:
        arrow_schema = parquet.schema_arrow
        raw_names = list(arrow_schema.names)
        columns = normalise_columns(raw_names)
        table = choose_table(path, columns, writer.schema)
        stager = _RowStager(table, raw_names, columns, writer)
        converters = [_string_converter(f.type, name, table.by_name.get(name), position)
                      for position, (f, name) in enumerate(zip(arrow_schema, columns), 1)]
        row_number = 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            values = [convert(batch.column(i)) for i, convert in enumerate(converters)]
            stager.stage(values, list(range(row_number + 1, row_number + 1 + batch.num_rows)))
            row_number += batch.num_rows


def _string_converter(arrow_type: pa.DataType, name: str, field: Field | None,
                      position: int) -> Callable[[pa.Array], list[str | None]]:
    """How one Parquet column becomes strings (see the module docstring for the rules)."""
    label = name if field is not None else f"column {position}"
    if pa.types.is_dictionary(arrow_type):
        inner = _string_converter(arrow_type.value_type, name, field, position)
        return lambda array: inner(array.dictionary_decode())
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_null(arrow_type):
        return lambda array: array.to_pylist()
    if pa.types.is_floating(arrow_type):
        return lambda array: [None if v is None else float_string(v) for v in array.to_pylist()]
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        time_format = FIELD_TIME_FORMATS.get(field.format if field else None)
        if time_format:
            return lambda array: pc.strftime(array, format=time_format).to_pylist()
        return lambda array: array.cast(pa.string()).to_pylist()
    if (pa.types.is_integer(arrow_type) or pa.types.is_boolean(arrow_type) or pa.types.is_decimal(arrow_type)
            or pa.types.is_time(arrow_type)):
        return lambda array: array.cast(pa.string()).to_pylist()
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        def from_binary(array: pa.Array) -> list[str | None]:
            try:
                return array.cast(pa.string()).to_pylist()
            except pa.ArrowInvalid:
                raise TabularFileError(f"{label}: binary column is not valid UTF-8 text") from None
        return from_binary
    raise TabularFileError(f"{label}: column type {arrow_type} cannot be staged as text")


def float_string(value: float) -> str:
    """Shortest round-trip decimal, plain notation, no trailing ``.0``: 1.1 -> "1.1", 1e20 -> "1000...0"."""
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
