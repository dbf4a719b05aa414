"""Ingest stage: land sources as received, then stage them as Parquet (see ``staging``).

Entry point: :func:`ingest` for files and folders (XML 130, CSV, Parquet); ``his.pull_his`` for a
hospital information system database.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable

from pipelines.ingest.staging import StagingWriter
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.logs import stage_context
from pipelines.workdir import AtomicParquetWriter, Workdir, batch_id_for, scratch_path, sha256_file, writes_private

log = logging.getLogger(__name__)
SOURCE_SUFFIXES = {".xml": "xml", ".csv": "csv", ".parquet": "parquet"}


@dataclass
class FileResult:
    path: str
    sha256: str
    kind: str
    staged: dict[str, int] = field(default_factory=dict)
    hoso_seen: int = 0
    hoso_rejected: int = 0
    rejects: int = 0
    error: str | None = None
    staging_name: str | None = None  # staging file stem when not the content hash (database pulls)
    details: dict = field(default_factory=dict)  # envelope facts: declared count, facility, variants


@dataclass
class IngestSummary:
    batch_id: str
    source: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def staged(self) -> dict[str, int]:
        total: Counter = Counter()
        for f in self.files:
            total.update(f.staged)
        return dict(sorted(total.items()))

    @property
    def rejected(self) -> int:
        return sum(f.rejects for f in self.files)

    @property
    def anything_processed(self) -> bool:
        return any(f.staged for f in self.files)

    def to_dict(self) -> dict:
        return {"batch_id": self.batch_id, "source": self.source, "staged": self.staged,
                "rejected": self.rejected, "files": [asdict(f) for f in self.files]}


def discover(source: str | os.PathLike) -> list[Path]:
    """Source files under a path, in a stable order; a single file is returned as is."""
    path = Path(source)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"source not found: {path}")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES
                  and not p.name.startswith("."))


def land(path: Path, sha256: str, workdir: Workdir) -> Path:
    """Keep a write-once copy of the file as received, named by its content hash."""
    target = workdir.landing / sha256[:2] / f"{sha256}{path.suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = scratch_path(workdir.tmp, f"landing-{sha256}")
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o400)  # landing copies: read-only, owner only
        os.replace(tmp, target)
    return target


def part_name(batch_id: str, shas: list[str]) -> str:
    """Staging part of an ingest chunk: the same batch and files always give the same part."""
    return "p" + hashlib.sha256("\x1f".join([batch_id, *sorted(shas)]).encode()).hexdigest()[:20]


@writes_private
def ingest_file(path: Path, workdir: Workdir, batch_id: str) -> FileResult:
    """One source file as its own chunk (one part per table)."""
    return ingest_chunk([path], workdir, batch_id)[0]


@writes_private
def ingest_chunk(paths: list[Path], workdir: Workdir, batch_id: str) -> list[FileResult]:
    """Land the files of one chunk and stage them into one part per table (see ``staging``)."""
    shas = [known_sha256(workdir, p) for p in paths]
    writer = StagingWriter(workdir, name=part_name(batch_id, shas), batch_id=batch_id)
    results = [_stage_source(path, sha, workdir, writer) for path, sha in zip(paths, shas)]
    writer.commit()
    for result in results:
        result.staged = {t: n for t, n in writer.source_counts[result.sha256].items() if n}
        result.rejects = writer.source_rejects(result.sha256)
        result.staging_name = writer.name
        if result.kind in ("csv", "parquet"):
            result.hoso_seen = sum(result.staged.values()) + result.hoso_rejected
    return results


def _stage_source(path: Path, sha: str, workdir: Workdir, writer: StagingWriter) -> FileResult:
    from pipelines.ingest import tabular, xml130

    kind = SOURCE_SUFFIXES.get(path.suffix.lower(), "unknown")
    result = FileResult(path=str(path), sha256=sha, kind=kind)
    land(path, sha, workdir)
    writer.begin_source(path.name, sha)
    try:
        if kind == "xml":
            stats = xml130.parse_into(path, writer)
            result.hoso_seen, result.hoso_rejected = stats.hoso_seen, stats.hoso_rejected
            result.details = {"declared_count": stats.declared_count, "facility": stats.facility,
                              "created": stats.created, "variants": dict(stats.variants),
                              "unknown_tables": dict(stats.unknown_tables)}
        elif kind in ("csv", "parquet"):
            tabular.read_into(path, writer)  # a record here is a row
            result.hoso_rejected = writer.source_rejects(sha)
        else:
            writer.reject(None, f"unsupported file type {path.suffix!r}")
    except Exception as exc:  # one bad file must not stop the batch; it becomes a reject record
        writer.drop_source()
        writer.reject(None, f"{type(exc).__name__}: {exc}")
        result.error = str(exc)
        result.hoso_seen = result.hoso_rejected = 0
    return result


@writes_private
def ingest(source: str | os.PathLike, workdir: Workdir | str | os.PathLike, *, batch_id: str | None = None,
           interval_start: str | None = None, interval_end: str | None = None,
           files: Iterable[str | os.PathLike] | None = None, only_new: bool = False, record: bool = True,
           workers: int | None = None,
           progress: Callable[[int, int, FileResult], None] | None = None) -> IngestSummary:
    """Land and stage every file of ``source`` (or the given ``files`` of it) as one batch.

    ``only_new`` skips files whose content another batch already ingested (incremental folder
    pulls); a file of this same batch is ingested again, so re-running a batch is idempotent.
    ``record=False`` leaves the ledger to :func:`record_ingest` (parallel tasks of one batch).
    """
    workdir = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    workdir.ensure()
    source_id = str(Path(source).resolve())
    batch_id = batch_id or batch_id_for(source_id, interval_start, interval_end)
    with stage_context("ingest", batch_id):
        paths = [Path(p) for p in files] if files is not None else discover(source)
        summary = IngestSummary(batch_id=batch_id, source=source_id)
        if only_new:
            paths = new_files(workdir, paths, batch_id)
        workers = min(workers or default_workers(), len(paths) // 8)  # process start-up only pays off on many files
        chunks = plan_chunks(paths, max(workers, 1))
        if workers > 1:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver")) as pool:
                results = pool.map(ingest_chunk, chunks, [workdir] * len(chunks), [batch_id] * len(chunks))
                _collect((r for rs in results for r in rs), len(paths), workdir, batch_id, source_id, summary,
                         progress)
        else:
            results = (r for chunk in chunks for r in ingest_chunk(chunk, workdir, batch_id))
            _collect(results, len(paths), workdir, batch_id, source_id, summary, progress)
        if record:
            compact_batch(workdir, batch_id)
            record_ingest(workdir, batch_id)
        log.info("ingested batch %s: %d file(s), %d record(s) rejected", batch_id, len(summary.files),
                 summary.rejected)
    return summary


def plan_chunks(paths: list[Path], workers: int) -> list[list[Path]]:
    """Consecutive runs of at most ``ingest_chunk_files`` files, at least one per worker (when there
    are files enough), of nearly equal length: one staging part per table per chunk."""
    from pipelines.settings import get_settings

    if not paths:
        return []
    per = get_settings().ingest_chunk_files
    n = max(-(-len(paths) // per), min(workers, -(-len(paths) // 8)))
    size = -(-len(paths) // n)
    return [paths[i:i + size] for i in range(0, len(paths), size)]


def default_workers() -> int:
    """Processes for parsing; ``ANDANH_INGEST_WORKERS`` overrides (1 = in this process)."""
    import multiprocessing

    from pipelines.settings import get_settings
    if multiprocessing.current_process().daemon:  # a Celery prefork worker's task may not have children
        return 1
    return get_settings().ingest_workers or min(4, os.cpu_count() or 1)


def _collect(results, total, workdir, batch_id, source_id, summary, progress) -> None:
    for i, result in enumerate(results, 1):
        write_manifest_entry(workdir, batch_id, source_id, result)
        summary.files.append(result)
        if progress:
            progress(i, total, result)


def _stat_marker(workdir: Workdir, path: Path) -> Path:
    key = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()
    return workdir.restricted / "file_index" / "by_path" / key[:2] / f"{key}.json"


@writes_private
def known_sha256(workdir: Workdir, path: Path) -> str:
    """The file's SHA-256, read from the seen-file index when its (path, size, mtime) are unchanged;
    otherwise hashed now and remembered. So a daily run hashes only new or changed files."""
    st = os.stat(path)
    marker = _stat_marker(workdir, path)
    try:
        seen = json.loads(marker.read_text())
        if seen["size"] == st.st_size and seen["mtime_ns"] == st.st_mtime_ns:
            return seen["sha256"]
    except (FileNotFoundError, ValueError, KeyError):
        pass
    sha = sha256_file(path)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = scratch_path(marker.parent, "." + marker.name)
    tmp.write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}))
    os.replace(tmp, marker)
    return sha


def new_files(workdir: Workdir, paths: Iterable[Path], batch_id: str) -> list[Path]:
    """The files whose content no other batch has ingested (this batch's own are kept: re-runs)."""
    return [p for p in paths if file_owner(workdir, known_sha256(workdir, p)) in (None, batch_id)]


def file_owner(workdir: Workdir, sha256: str) -> str | None:
    """The batch that first ingested a file with this content, if any."""
    marker = workdir.restricted / "file_index" / sha256
    return marker.read_text().strip() if marker.exists() else None


def write_manifest_entry(workdir: Workdir, batch_id: str, source: str, result: FileResult) -> None:
    """One small JSON per file, so parallel tasks of one batch never write the same file."""
    folder = workdir.batches / batch_id
    folder.mkdir(parents=True, exist_ok=True)
    entry = asdict(result) | {"source": source}
    tmp = scratch_path(workdir.tmp, f"manifest-{result.sha256}.json")  # not in ``folder``: scratch names
    # are checked against their directory's listing, and ``folder`` grows to one entry per file
    tmp.write_text(json.dumps(entry, ensure_ascii=False, indent=1))
    os.replace(tmp, folder / f"{result.sha256}.json")
    marker = workdir.restricted / "file_index" / result.sha256
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(batch_id)


def read_manifest(workdir: Workdir, batch_id: str) -> dict:
    folder = workdir.batches / batch_id
    if not folder.is_dir():
        raise FileNotFoundError(f"no ingested batch {batch_id!r} under {workdir.root}")
    files = sorted((json.loads(p.read_text()) for p in folder.glob("*.json")), key=lambda f: f["path"])
    return {"batch_id": batch_id, "files": files}


def staged_files(workdir: Workdir, batch_id: str, table_id: str) -> list[Path]:
    """The staging Parquet files of one table that belong to a batch."""
    names = dict.fromkeys(f.get("staging_name") or f["sha256"] for f in read_manifest(workdir, batch_id)["files"])
    return [p for p in (workdir.staged_table(table_id) / f"{n}.parquet" for n in names) if p.exists()]


@writes_private
def record_ingest(workdir: Workdir, batch_id: str) -> None:
    """Write the batch's ingest counts to the ledger from its manifest (the whole batch, every file)."""
    manifest = read_manifest(workdir, batch_id)
    hoso_seen = sum(f["hoso_seen"] for f in manifest["files"])
    hoso_rejected = sum(f["hoso_rejected"] for f in manifest["files"])
    entries = [LedgerEntry(batch_id, "ingest", "hoso", received=hoso_seen,
                           passed=hoso_seen - hoso_rejected, rejected=hoso_rejected,
                           details={"files": len(manifest["files"]),
                                    "rejects": sum(f["rejects"] for f in manifest["files"]),
                                    "file_errors": sum(1 for f in manifest["files"] if f.get("error"))})]
    totals: Counter = Counter()
    for f in manifest["files"]:
        totals.update(f["staged"])
    entries += [LedgerEntry(batch_id, "ingest", table, received=n, passed=n)
                for table, n in sorted(totals.items())]
    ledger = Ledger(workdir.ledger_url())
    ledger.record(entries)
    ledger.batch_sequences([batch_id])  # the batch's place in the version order of episodes, given once


COMPACT_BYTES = 32 << 20  # parts of a batch smaller than this (all tables together) are merged


@writes_private
def compact_batch(workdir: Workdir, batch_id: str, small_bytes: int = COMPACT_BYTES) -> int:
    """Merge the batch's small staging parts (many small ingest tasks) into parts of about
    ``small_bytes``; rows, their order within each part and their lineage stay; the lineage manifest
    and the batch manifest follow. Returns how many parts were merged away. Run before validation
    (the validated index names the parts it read)."""
    from pipelines.ingest.staging import staging_lock

    manifest = read_manifest(workdir, batch_id)["files"]
    parts = list(dict.fromkeys(f.get("staging_name") or f["sha256"] for f in manifest))
    sizes = {p: sum(f.stat().st_size for f in _part_files(workdir, p)) for p in parts}
    groups, current, total = [], [], 0
    for part in (p for p in parts if 0 < sizes[p] < small_bytes):
        if current and total + sizes[part] > small_bytes:
            groups.append(current)
            current, total = [], 0
        current.append(part)
        total += sizes[part]
    groups = [g for g in groups + [current] if len(g) > 1]
    if not groups:
        return 0
    with staging_lock(workdir):
        renamed = {}
        for group in groups:
            merged = "c" + hashlib.sha256("\x1f".join([batch_id, *group]).encode()).hexdigest()[:20]
            _merge_parts(workdir, group, merged)
            renamed |= dict.fromkeys(group, merged)
        for entry in manifest:
            if (entry.get("staging_name") or entry["sha256"]) in renamed:
                entry["staging_name"] = renamed[entry.get("staging_name") or entry["sha256"]]
                _rewrite_manifest_entry(workdir, batch_id, entry)
    return sum(len(g) - 1 for g in groups)


def _part_files(workdir: Workdir, part: str) -> list[Path]:
    from pipelines.schema import STAGED_TABLES
    return [p for p in (workdir.staged_table(t) / f"{part}.parquet" for t in STAGED_TABLES) if p.exists()]


def _merge_parts(workdir: Workdir, group: list[str], merged: str) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from pipelines.ingest.staging import ROW_GROUP_ROWS, staged_at_path
    from pipelines.schema import STAGED_TABLES

    sources: set[str] = set()
    for table_id in STAGED_TABLES:
        inputs = [p for p in (workdir.staged_table(table_id) / f"{g}.parquet" for g in group) if p.exists()]
        if not inputs:
            continue
        schema = pq.ParquetFile(inputs[0]).schema_arrow
        with AtomicParquetWriter(workdir.staged_table(table_id) / f"{merged}.parquet", schema, scratch_dir=workdir.tmp,
                                 scratch_stem=f"compact-{table_id}-{merged}") as writer:
            for path in inputs:
                for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP_ROWS):
                    table = pa.Table.from_batches([batch]).cast(schema)
                    sources.update(pc.unique(table.column("_source_sha256")).to_pylist())
                    writer.write(table, row_group_size=ROW_GROUP_ROWS)
    for sha in sources:
        marker = staged_at_path(workdir, sha)
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = scratch_path(marker.parent, f".{sha}")
        tmp.write_text(merged)
        os.replace(tmp, marker)
    for part in group:
        for path in _part_files(workdir, part):
            path.unlink()


def _rewrite_manifest_entry(workdir: Workdir, batch_id: str, entry: dict) -> None:
    folder = workdir.batches / batch_id
    tmp = scratch_path(workdir.tmp, f"manifest-{entry['sha256']}.json")
    tmp.write_text(json.dumps(entry, ensure_ascii=False, indent=1))
    os.replace(tmp, folder / f"{entry['sha256']}.json")
