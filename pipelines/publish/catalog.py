"""The consumer-facing catalog ``published/andanh.duckdb``, pointer files and the archive.

The catalog holds the data itself (tables copied from the current releases' Parquet), so it can be
opened anywhere, copied, and queried with DuckDB's external access disabled. Names:

- ``<dataset>__<table>__<version>``: a table per table of each current release (version with
  characters other than letters, digits and ``_`` as ``_``);
- ``<dataset>__<table>``: a view on the latest one (and ``<dataset>`` for a one-table dataset);
- ``releases``: every release, current or retired, with its verification status.

A release is current when ``published/<dataset>/LATEST`` names it; superseded ones are moved to
``published/_archive/<dataset>/<version>/`` (still signed, verifiable, out of the catalog's views).
A current release that fails verification is listed but not exposed. The file is written in DuckDB's
v1.0.0 storage format so every DuckDB from 1.0 on opens it.
"""
from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import duckdb

from pipelines.publish.verify import MANIFEST, verify_release
from pipelines.workdir import Workdir, scratch_path

log = logging.getLogger(__name__)
DUCKDB_FILE = "andanh.duckdb"
ARCHIVE = "_archive"
LATEST = "LATEST"
# Readable by DuckDB 1.0 and later (the DuckDB shell on PyPI, older bindings), not only by the 2.x writing it.
STORAGE_VERSION = "v1.0.0"
RELEASES_DDL = """CREATE TABLE releases (dataset VARCHAR, version VARCHAR, status VARCHAR, created_at VARCHAR,
    content_digest VARCHAR, key_id VARCHAR, tables VARCHAR[], rows BIGINT, suppressed_cells BIGINT,
    path VARCHAR, verified BOOLEAN, problems VARCHAR[])"""


def sql_name(*parts: str) -> str:
    return "__".join(re.sub(r"[^0-9A-Za-z_]", "_", p) for p in parts)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_pointer(path: Path, text: str) -> None:
    """Replace a small pointer file atomically (write a scratch file beside it, fsync, rename)."""
    tmp = scratch_path(path.parent, "." + path.name)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_pointer(dataset_dir: Path) -> str | None:
    try:
        return (dataset_dir / LATEST).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def read_manifest(release_dir: Path) -> dict | None:
    try:
        return json.loads((release_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def dataset_dirs(workdir: Workdir) -> list[Path]:
    return sorted(p for p in workdir.published.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def retire_superseded(workdir: Workdir, dataset: str) -> list[str]:
    """Move every release of ``dataset`` that LATEST does not name into the archive (one rename each)."""
    dataset_dir = workdir.published / dataset
    current = read_pointer(dataset_dir)
    archive = workdir.published / ARCHIVE / dataset
    moved = []
    for release in sorted(p for p in dataset_dir.iterdir() if p.is_dir() and (p / MANIFEST).exists()):
        if release.name == current:
            continue
        if (archive / release.name).exists():
            log.warning("%s is archived already; leaving the copy in place", release)
            continue
        archive.mkdir(parents=True, exist_ok=True)
        os.rename(release, archive / release.name)
        moved.append(release.name)
    if moved:
        fsync_dir(dataset_dir)
        fsync_dir(archive)
    return moved


def rebuild_catalog(workdir: Workdir) -> Path:
    """Build the catalog in a scratch file from the release folders, then swap it in with one rename."""
    target = workdir.published / DUCKDB_FILE
    tmp = scratch_path(workdir.tmp, DUCKDB_FILE)
    con = duckdb.connect(str(tmp), config={"storage_compatibility_version": STORAGE_VERSION})
    try:
        con.execute(RELEASES_DDL)
        for dataset_dir in dataset_dirs(workdir):
            _add_dataset(con, workdir, dataset_dir)
        for dataset_dir in sorted((workdir.published / ARCHIVE).glob("*/")):
            for release in sorted(p for p in dataset_dir.iterdir() if (p / MANIFEST).exists()):
                _release_row(con, workdir, release, "retired")
    finally:
        con.close()
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    fsync_dir(target.parent)
    return target


def _add_dataset(con: duckdb.DuckDBPyConnection, workdir: Workdir, dataset_dir: Path) -> None:
    current = read_pointer(dataset_dir)
    for release in sorted(p for p in dataset_dir.iterdir() if p.is_dir() and (p / MANIFEST).exists()):
        status = "current" if release.name == current else "superseded"
        verified = _release_row(con, workdir, release, status)
        if status != "current":
            continue
        if not verified:
            log.error("release %s fails verification: not exposed in the catalog", release)
            continue
        manifest = read_manifest(release)
        names = []
        for table, info in manifest["tables"].items():
            versioned = sql_name(dataset_dir.name, table, release.name)
            con.execute(f"CREATE TABLE {quote(versioned)} AS {_select_release_table(release, table, info)}")
            names.append(sql_name(dataset_dir.name, table))
            con.execute(f"CREATE VIEW {quote(names[-1])} AS SELECT * FROM {quote(versioned)}")
        if len(names) == 1 and dataset_dir.name not in names:
            con.execute(f"CREATE VIEW {quote(dataset_dir.name)} AS SELECT * FROM {quote(names[0])}")


def _select_release_table(release: Path, table: str, info: dict) -> str:
    columns = ", ".join(quote(c["name"]) for c in info["schema"])
    files = (release / table).as_posix() + "/**/*.parquet"
    partitions = {c["name"]: c["duckdb_type"] for c in info["schema"] if c["name"] in info.get("partition_by", [])}
    options = (f", hive_partitioning = true, hive_types = {_struct(partitions)}" if partitions
               else ", hive_partitioning = false")
    return f"SELECT {columns} FROM read_parquet('{_literal(files)}'{options})"


def _struct(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{_literal(k)}': '{_literal(v)}'" for k, v in mapping.items()) + "}"


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _release_row(con: duckdb.DuckDBPyConnection, workdir: Workdir, release: Path, status: str) -> bool:
    result = verify_release(release)
    m = read_manifest(release) or {}
    tables = m.get("tables") or {}
    con.execute("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        m.get("dataset", release.parent.name), m.get("version", release.name), status, m.get("created_at"),
        m.get("content_digest"), (m.get("signature") or {}).get("key_id"), sorted(tables),
        sum(t.get("rows", 0) for t in tables.values()), sum(t.get("suppressed_cells", 0) for t in tables.values()),
        release.relative_to(workdir.published).as_posix(), result.ok,
        [line.strip() for line in result.lines()[2:]]])
    return result.ok
