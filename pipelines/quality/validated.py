"""The validated zone: a batch's staged rows minus its quarantined ones, with their warnings.

Validate does not copy the staged rows: rewriting every row as new Parquet cost more than all the
checks together. Per batch it writes, like a deletion vector in a table format:

- ``validated/<batch>/index.json``: per table, the staged files in staged order (``_staged_row`` is
  the file's ``offset`` plus the row's position in it), with row counts and byte sizes; for a table
  staged in many small files, instead one file ``<table>.rows.parquet`` of all its rows (with
  ``_staged_row``), written from the copy validate made anyway, so readers pay the per-file cost once;
- ``validated/<batch>/<table>.verdicts.parquet``: ``_staged_row``, ``quarantined``, ``_warnings`` for
  the rows that failed or warned, nothing for the others.

:func:`read_validated` / :func:`iter_validated` give the validated rows (staged columns in staged
order, ``_batch_id`` set to the batch, then ``_warnings``) in staged order. They refuse to read a
staged file whose size or row count differs from the index (staging changed after validation).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.workdir import Workdir, scratch_path

ROW = "_staged_row"
INDEX = "index.json"
VERDICT_SCHEMA = pa.schema([(ROW, pa.int64()), ("quarantined", pa.bool_()), ("_warnings", pa.string())])


class StagedDataChanged(RuntimeError):
    """A staged file differs from what was validated; validate the batch again."""


def file_entries(workdir: Workdir, files: list[Path]) -> list[dict]:
    """Index entries for a table's staged files: sorted by path, each with its first ``_staged_row``."""
    entries, offset = [], 0
    for path in sorted(Path(p) for p in files):
        rows = pq.ParquetFile(path).metadata.num_rows
        entries.append({"path": str(path.resolve().relative_to(workdir.root)), "offset": offset, "rows": rows,
                        "bytes": path.stat().st_size})
        offset += rows
    return entries


def index_document(batch_id: str, tables: dict[str, list[dict]]) -> dict:
    return {"batch_id": batch_id, "row_numbering": f"{ROW} = offset of the file + row position in the file",
            "tables": {t: {"files": entries, "rows": sum(e["rows"] for e in entries)}
                       for t, entries in tables.items()}}


def read_parquet_sql(paths: list[str]) -> str:
    """DuckDB ``read_parquet`` over ``paths`` in this order (``file_index`` = position in the list),
    with ``file_row_number``: how validate and the readers number staged rows."""
    listing = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{listing}], union_by_name = true, file_row_number = true)"


def load_index(workdir: Workdir, batch_id: str) -> dict:
    path = workdir.validated / batch_id / INDEX
    if not path.exists():
        raise FileNotFoundError(f"batch {batch_id} has no validated tables; run validate first")
    return json.loads(path.read_text(encoding="utf-8"))


def validated_tables(workdir: Workdir, batch_id: str) -> list[str]:
    """Tables of the batch with at least one staged file."""
    return [t for t, spec in load_index(workdir, batch_id)["tables"].items() if spec["files"]]


def verdicts_path(workdir: Workdir, batch_id: str, table_id: str) -> Path:
    return workdir.validated / batch_id / f"{table_id}.verdicts.parquet"


def _verdicts(workdir: Workdir, batch_id: str, table_id: str) -> tuple[np.ndarray, np.ndarray, list]:
    """Quarantined row numbers (sorted) and warned row numbers with their warnings."""
    table = pq.read_table(verdicts_path(workdir, batch_id, table_id), schema=VERDICT_SCHEMA)
    rows = table.column(ROW).to_numpy()
    quarantined = table.column("quarantined").to_numpy(zero_copy_only=False)
    warnings = table.column("_warnings").to_pylist()
    warned = np.array([w is not None for w in warnings], dtype=bool)
    return (np.sort(rows[quarantined]), rows[warned],
            [w for w, keep in zip(warnings, warned) if keep])


def iter_validated(workdir: Workdir, batch_id: str, table_id: str, columns: list[str] | None = None,
                   rows_per_piece: int | None = None) -> Iterator[pa.Table]:
    """The validated rows of one table in staged order, in pieces of about ``rows_per_piece`` rows.
    DuckDB reads the staged files (many small files cost far less than one read each); quarantined
    rows are dropped by their ``_staged_row``."""
    from pipelines import duck

    spec = load_index(workdir, batch_id)["tables"].get(table_id)
    if not spec or not spec["files"]:
        return
    entries = spec["files"]
    for entry in entries:  # a vanished or rewritten file fails before anything is read
        path = workdir.root / entry["path"]
        if not path.exists():
            raise StagedDataChanged(f"{entry['path']} was validated for batch {batch_id} but is gone")
        if path.stat().st_size != entry["bytes"]:
            raise StagedDataChanged(f"{entry['path']} changed after batch {batch_id} was validated; "
                                    "run validate again")
    quarantined, warned_rows, warned_values = _verdicts(workdir, batch_id, table_id)
    warned_values = np.array(warned_values, dtype=object)
    offsets = np.array([e["offset"] for e in entries], dtype=np.int64)
    source = read_parquet_sql([str(workdir.root / e["path"]) for e in entries])
    con = duck.connect(workdir=workdir)
    try:
        con.execute("SET preserve_insertion_order = true")  # a plain scan keeps the files' order
        names = [d[0] for d in con.execute(f"SELECT * EXCLUDE (file_row_number) FROM {source} LIMIT 0").description]
        numbered = ROW in names  # a rows file written by validate carries the numbers: check them
        wanted = [c for c in names if c != ROW and (columns is None or c in columns)]
        picked = "".join('"' + c.replace('"', '""') + '", ' for c in wanted)
        check = f"{ROW} AS _check, " if numbered else ""
        reader = con.sql(f"SELECT {picked}{check}file_index::BIGINT AS _file, "
                         f"file_row_number::BIGINT AS _row FROM {source}").fetch_record_batch(rows_per_piece or duck.batch_rows())
        counts = np.zeros(len(entries), dtype=np.int64)
        last = -1
        for table in _coalesced(reader, rows_per_piece or duck.batch_rows()):
            files = table.column("_file").to_numpy()
            rows = offsets[files] + table.column("_row").to_numpy()
            if len(rows) and (rows[0] <= last or np.any(np.diff(rows) <= 0)):
                raise RuntimeError(f"staged rows of {batch_id}/{table_id} came back out of order")
            if numbered and not np.array_equal(table.column("_check").to_numpy(), rows):
                raise StagedDataChanged(f"the rows file of {batch_id}/{table_id} is not in staged order")
            last = rows[-1] if len(rows) else last
            counts += np.bincount(files, minlength=len(entries))
            table = table.drop_columns(["_file", "_row"] + (["_check"] if numbered else []))
            n = len(rows)
            batch_ids = pa.array(np.full(n, batch_id, dtype=object), pa.string())
            if "_batch_id" in table.column_names:
                table = table.set_column(table.column_names.index("_batch_id"), "_batch_id", batch_ids)
            elif columns is None or "_batch_id" in columns:
                table = table.append_column("_batch_id", batch_ids)
            if columns is None or "_warnings" in columns:
                at = np.minimum(np.searchsorted(warned_rows, rows), max(len(warned_rows) - 1, 0))
                hit = (warned_rows[at] == rows) if len(warned_rows) else np.zeros(n, dtype=bool)
                warnings = np.full(n, None, dtype=object)
                warnings[hit] = warned_values[at[hit]]
                table = table.append_column("_warnings", pa.array(warnings, pa.string()))
            yield table.filter(pa.array(~np.isin(rows, quarantined, assume_unique=False)))
        changed = [e["path"] for e, n in zip(entries, counts) if n != e["rows"]]
        if changed:
            raise StagedDataChanged(f"{changed[0]} changed after batch {batch_id} was validated; run validate again")
    finally:
        con.close()


def _coalesced(reader: pa.RecordBatchReader, rows: int) -> Iterator[pa.Table]:
    """DuckDB's Arrow stream in pieces of at least ``rows`` rows (the last one smaller): DuckDB hands out
    batches of a few thousand rows whatever it is asked for, and a consumer's work per piece (a lookup
    over the batch's episodes, a Parquet row group) must not be paid per few thousand rows."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield pa.Table.from_batches(pending).combine_chunks()
            pending, count = [], 0
    if pending:
        yield pa.Table.from_batches(pending).combine_chunks()


def read_validated(workdir: Workdir, batch_id: str, table_id: str,
                   columns: list[str] | None = None) -> pa.Table:
    """All validated rows of one table; with no staged rows, an empty table of the staging contract."""
    pieces = list(iter_validated(workdir, batch_id, table_id, columns))
    if pieces:
        return pa.concat_tables(pieces, promote_options="default")
    from pipelines.ingest.staging import table_arrow_schema
    from pipelines.schema import load_schema

    empty = table_arrow_schema(load_schema().table(table_id).columns).empty_table()
    empty = empty.append_column("_warnings", pa.array([], pa.string()))
    return empty.select([c for c in empty.column_names if columns is None or c in columns])


def write_json_atomic(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = scratch_path(path.parent, f".{path.name}", ".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
