"""Staging contract: Parquet parts under ``DIR/staging/<table>/<part>.parquet``, one part per ingest
chunk (up to ``ingest_chunk_files`` source files, see ``ANDANH_INGEST_CHUNK_FILES``), not one per source.

Every standard column is a string exactly as received (``None`` when the tag was absent, ``""``
when it was empty), followed by ``_extra`` (unknown tags as JSON) and the lineage columns
(``_source_file``, ``_source_sha256``, ``_hoso_index``, ``_batch_id``: every row keeps its source file
and HOSO). Parts are written to ``DIR/tmp`` and moved into place on commit. Which part holds a source's
rows is recorded in ``restricted/staged_at/<sha>`` (the lineage manifest): re-ingesting a source
replaces exactly its rows, because the commit rewrites any other part that still holds rows of the
same source without them (a part left empty is removed). Readers keep using
``read_parquet('DIR/staging/<table>/**/*.parquet')``.
"""
from __future__ import annotations

import fcntl
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.schema import LINEAGE_COLUMNS, STAGED_TABLES, Schema, load_schema
from pipelines.workdir import AtomicParquetWriter, Workdir, scratch_path, write_parquet_atomic

EXTRA_COLUMN = "_extra"
REJECT_SCHEMA = pa.schema([
    ("source_file", pa.string()), ("source_sha256", pa.string()), ("hoso_index", pa.int64()),
    ("table_name", pa.string()), ("reason", pa.string()), ("batch_id", pa.string()),
])
FLUSH_ROWS = 5_000  # per table; keeps a 50,000-HOSO file well inside a few hundred MB
ROW_GROUP_ROWS = 100_000  # rows per Parquet row group of a part (readers stream one group at a time)


def table_arrow_schema(table_columns: list[str]) -> pa.Schema:
    lineage = [pa.field(c, pa.int64() if c == "_hoso_index" else pa.string()) for c in LINEAGE_COLUMNS]
    return pa.schema([pa.field(c, pa.string()) for c in table_columns] + [pa.field(EXTRA_COLUMN, pa.string())]
                     + lineage)


def staged_at_path(workdir: Workdir, sha256: str) -> Path:
    return workdir.restricted / "staged_at" / sha256[:2] / sha256


def staged_at(workdir: Workdir, sha256: str) -> str | None:
    """The staging part that holds the rows of the source with this content hash, if any."""
    path = staged_at_path(workdir, sha256)
    return path.read_text().strip() if path.exists() else None


@contextmanager
def staging_lock(workdir: Workdir) -> Iterator[None]:
    """Serialise part commits of concurrent ingest processes on one host (short: renames and rewrites)."""
    workdir.tmp.mkdir(parents=True, exist_ok=True)
    with open(workdir.tmp / ".staging.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class StagingWriter:
    """Collects the rows of one or more sources (an ingest chunk) into one part per table, streams
    them to temporary Parquet files, and commits atomically.

    ``source_file``/``source_sha256`` given: the first source starts at once (one-source use).
    Otherwise call :meth:`begin_source` before each source; :meth:`drop_source` forgets the rows of
    the current one (a file that broke half-way)."""

    def __init__(self, workdir: Workdir, *, name: str, source_file: str | None = None,
                 source_sha256: str | None = None, batch_id: str, schema: Schema | None = None):
        self.workdir = workdir.ensure()
        self.schema = schema or load_schema()
        self.name, self.batch_id = name, batch_id
        self.source_file: str | None = None
        self.source_sha256: str | None = None
        self._buffers: dict[str, _TableBuffer] = defaultdict(_TableBuffer)
        self._writers: dict[str, AtomicParquetWriter] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.source_counts: dict[str, dict[str, int]] = {}
        self.rejects: list[dict] = []
        self.extra_tags: dict[str, int] = defaultdict(int)
        self._flushed: set[str] = set()  # sources with rows already in a temporary part
        self._purge: set[str] = set()  # sources dropped after some of their rows were flushed
        self._single = source_file is not None and source_sha256 is not None
        if self._single:
            self.begin_source(source_file, source_sha256)

    def begin_source(self, source_file: str, source_sha256: str) -> None:
        self.source_file, self.source_sha256 = source_file, source_sha256
        self.source_counts.setdefault(source_sha256, defaultdict(int))

    def source_rejects(self, source_sha256: str) -> int:
        return sum(1 for r in self.rejects if r["source_sha256"] == source_sha256)

    def _part_path(self, table_id: str) -> Path:
        return self.workdir.staged_table(table_id) / f"{self.name}.parquet"

    def add(self, table_id: str, row: dict[str, str | None], hoso_index: int,
            extra: dict[str, str] | None = None) -> None:
        """One row of the current source (``row`` is copied: the caller may reuse it)."""
        self.add_rows(table_id, [(dict(row), extra)], hoso_index)

    def add_rows(self, table_id: str, rows: list[tuple[dict[str, str | None], dict[str, str] | None]],
                 hoso_index: int) -> None:
        """Rows ``(standard fields, unknown tags or None)`` of one HOSO of the current source. The row
        dicts are kept as they are until the next flush (the caller must not change them)."""
        buffer = self._buffers[table_id]
        for row, extra in rows:
            buffer.rows.append(row)
            buffer.extras.append(self._extra_json(table_id, extra) if extra else None)
        buffer.add_lineage(self.source_file, self.source_sha256, hoso_index, len(rows))
        self.counts[table_id] += len(rows)
        self.source_counts[self.source_sha256][table_id] += len(rows)
        if len(buffer.rows) >= FLUSH_ROWS:
            self._flush(table_id)

    def _extra_json(self, table_id: str, extra: dict[str, str]) -> str:
        for tag in extra:
            self.extra_tags[f"{table_id}.{tag}"] += 1
        return json.dumps(extra, ensure_ascii=False, sort_keys=True)

    def reject(self, hoso_index: int | None, reason: str, table_id: str | None = None) -> None:
        self.rejects.append({"source_file": self.source_file, "source_sha256": self.source_sha256,
                             "hoso_index": hoso_index, "table_name": table_id, "reason": reason,
                             "batch_id": self.batch_id})

    def drop_source(self) -> None:
        """Forget every row and reject of the current source (its rows already flushed are purged on commit)."""
        sha = self.source_sha256
        for buffer in self._buffers.values():
            buffer.drop(sha)
        for table_id, n in self.source_counts.get(sha, {}).items():
            self.counts[table_id] -= n
        self.source_counts[sha] = defaultdict(int)
        self.rejects = [r for r in self.rejects if r["source_sha256"] != sha]
        if sha in self._flushed:
            self._purge.add(sha)

    def _flush(self, table_id: str) -> None:
        buffer = self._buffers.pop(table_id, None)
        if buffer is None or not buffer.rows:
            return
        arrow_schema = table_arrow_schema(self.schema.table(table_id).columns)
        batch = buffer.to_arrow(arrow_schema, self.batch_id)
        if table_id not in self._writers:
            self._writers[table_id] = AtomicParquetWriter(self._part_path(table_id), arrow_schema, scratch_dir=self.workdir.tmp,
                                                          scratch_stem=f"{table_id}-{self.name}")
        self._writers[table_id].write(batch, row_group_size=ROW_GROUP_ROWS)
        self._flushed.update(sha for _, sha, _ in buffer.runs)

    def commit(self) -> dict[str, int]:
        """Move every table part and the reject part into place, take this chunk's sources out of any
        other part, and drop stale parts of an earlier run under the same name."""
        for table_id in list(self._buffers):
            self._flush(table_id)
        for writer in self._writers.values():
            writer.close()
        if self._purge:
            self._purge_tmp()
        sources = sorted(self.source_counts)
        with staging_lock(self.workdir):
            moved_from = {p for p in (staged_at(self.workdir, s) for s in sources) if p and p != self.name}
            for part in sorted(moved_from):
                remove_sources(self.workdir, part, sources)
            self._place_parts()
            for sha in sources:
                marker = staged_at_path(self.workdir, sha)
                marker.parent.mkdir(parents=True, exist_ok=True)
                tmp = scratch_path(marker.parent, f".{sha}")
                tmp.write_text(self.name)
                os.replace(tmp, marker)
        self._writers.clear()
        return {t: n for t, n in self.counts.items() if n}

    def _place_parts(self) -> None:
        for table_id in STAGED_TABLES:
            if table_id in self._writers and self.counts.get(table_id):
                self._writers[table_id].commit()
            else:
                if table_id in self._writers:
                    self._writers[table_id].abort()
                self._part_path(table_id).unlink(missing_ok=True)
        # rejects stay one small file per source (few sources have any): rejects/<sha256>.parquet, or
        # rejects/<name>.parquet for a writer made for one named source (database pulls)
        for sha in self.source_counts:
            stem = self.name if self._single else sha
            rows = [r for r in self.rejects if r["source_sha256"] == sha]
            reject_path = self.workdir.rejects / f"{stem}.parquet"
            if rows:  # pyarrow's default compression (snappy), as reject files always had
                write_parquet_atomic(pa.Table.from_pylist(rows, schema=REJECT_SCHEMA), reject_path,
                                     scratch_dir=self.workdir.tmp, scratch_stem=f"rejects-{stem}", compression="snappy")
            else:
                reject_path.unlink(missing_ok=True)

    def _purge_tmp(self) -> None:
        for writer in self._writers.values():  # closed: each scratch file is finished, not yet in place
            table = pq.read_table(writer.scratch)
            keep = pc.invert(pc.is_in(table.column("_source_sha256"),
                                      value_set=pa.array(sorted(self._purge), pa.string())))
            pq.write_table(table.filter(keep), writer.scratch, compression="zstd", row_group_size=ROW_GROUP_ROWS)

    def abort(self) -> None:
        for writer in self._writers.values():
            writer.abort()
        self._writers.clear()
        self._buffers.clear()


class _TableBuffer:
    """Rows of one table waiting for the next flush: the row dicts as given, their ``_extra`` JSON, and
    the lineage as runs ``(source file, source sha256, rows)`` plus one HOSO index per row."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str | None]] = []
        self.extras: list[str | None] = []
        self.hoso: list[int] = []
        self.runs: list[tuple[str | None, str | None, int]] = []

    def add_lineage(self, source_file: str | None, source_sha256: str | None, hoso_index: int, n: int) -> None:
        if not n:
            return
        self.hoso.extend([hoso_index] * n)
        if self.runs and self.runs[-1][0] == source_file and self.runs[-1][1] == source_sha256:
            self.runs[-1] = (source_file, source_sha256, self.runs[-1][2] + n)
        else:
            self.runs.append((source_file, source_sha256, n))

    def drop(self, source_sha256: str | None) -> None:
        """Forget the rows of one source."""
        if all(sha != source_sha256 for _, sha, _ in self.runs):
            return
        kept = _TableBuffer()
        start = 0
        for source_file, sha, n in self.runs:
            if sha != source_sha256:
                kept.rows += self.rows[start:start + n]
                kept.extras += self.extras[start:start + n]
                kept.hoso += self.hoso[start:start + n]
                kept.runs.append((source_file, sha, n))
            start += n
        self.rows, self.extras, self.hoso, self.runs = kept.rows, kept.extras, kept.hoso, kept.runs

    def to_arrow(self, arrow_schema: pa.Schema, batch_id: str) -> pa.Table:
        """The buffered rows as a table of ``arrow_schema``: the standard columns converted from the row
        dicts in one C++ pass (a struct array; absent keys become nulls), lineage built from its runs."""
        standard = [f for f in arrow_schema if f.name not in (EXTRA_COLUMN, *LINEAGE_COLUMNS)]
        columns = dict(zip((f.name for f in standard), pa.array(self.rows, type=pa.struct(standard)).flatten()))
        n = len(self.rows)
        columns[EXTRA_COLUMN] = pa.array(self.extras, pa.string())
        columns["_source_file"] = _repeat_runs([(f, k) for f, _, k in self.runs])
        columns["_source_sha256"] = _repeat_runs([(sha, k) for _, sha, k in self.runs])
        columns["_hoso_index"] = pa.array(self.hoso, pa.int64())
        columns["_batch_id"] = _repeat_runs([(batch_id, n)])
        return pa.Table.from_arrays([columns[name] for name in arrow_schema.names], schema=arrow_schema)


def _repeat_runs(runs: list[tuple[str | None, int]]) -> pa.Array:
    return pa.concat_arrays([pa.repeat(pa.scalar(value, pa.string()), n) for value, n in runs])


def remove_sources(workdir: Workdir, part: str, sources: list[str]) -> None:
    """Rewrite part ``part`` of every table without the rows of ``sources``, streaming one row group at
    a time; a part left empty is removed. Rows keep their order."""
    files = [workdir.staged_table(t) / f"{part}.parquet" for t in STAGED_TABLES]
    drop = pa.array(sorted(sources), pa.string())
    column = "_source_sha256"
    for path in (f for f in files if f.exists()):
        shas = pq.read_table(path, columns=[column]).column(column)
        hit = pc.is_in(shas, value_set=drop)
        if not pc.any(hit).as_py():
            continue
        if pc.all(hit).as_py():
            path.unlink()
            continue
        source = pq.ParquetFile(path)
        with AtomicParquetWriter(path, source.schema_arrow, scratch_dir=workdir.tmp,
                                 scratch_stem=f"rewrite-{path.parent.name}-{part}") as writer:
            for batch in source.iter_batches(batch_size=ROW_GROUP_ROWS):
                keep = pc.invert(pc.is_in(batch.column(column), value_set=drop))
                writer.write(pa.Table.from_batches([batch.filter(keep)]), row_group_size=ROW_GROUP_ROWS)
