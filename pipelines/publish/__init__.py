"""Publish stage: write-audit-publish of a disclosure-checked dataset into ``published/``.

A release is assembled in ``tmp/``, audited (only the dataset's columns, no visible count below
the threshold, checksums), then moved into ``published/<dataset>/<release_id>/`` in one rename.
The release id is a hash of the content, so publishing the same data twice changes nothing.
``published/andanh.duckdb`` is rebuilt to hold the latest release of each dataset and the list
of releases, for analysts who query with DuckDB.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.aggregate import DATASET, GROUP_COLUMNS, MEASURE_COLUMNS
from pipelines.workdir import Workdir, scratch_path, sha256_file

DUCKDB_FILE = "andanh.duckdb"
RELEASE_COLUMNS = (*GROUP_COLUMNS, *MEASURE_COLUMNS, "suppressed")


class ReleaseAuditError(RuntimeError):
    """A release failed its audit and was not published."""


@dataclass
class PublishSummary:
    dataset: str
    release_id: str
    path: Path
    duckdb_path: Path
    rows: int
    already_published: bool


def content_digest(con: duckdb.DuckDBPyConnection) -> str:
    """Hash of the release rows in a canonical order, independent of Parquet writer details."""
    digest = hashlib.sha256()
    cols = ", ".join(RELEASE_COLUMNS)
    for row in con.execute(f"SELECT {cols} FROM release ORDER BY ALL").fetchall():
        digest.update(repr(row).encode("utf-8"))
    return digest.hexdigest()


def audit(con: duckdb.DuckDBPyConnection, min_cell: int) -> None:
    columns = [r[0] for r in con.execute("DESCRIBE release").fetchall()]
    if tuple(columns) != RELEASE_COLUMNS:
        raise ReleaseAuditError(f"release columns {columns} differ from the dataset definition")
    visible_small = con.execute(
        "SELECT count(*) FROM release WHERE NOT suppressed AND encounters < ?", [min_cell]).fetchone()[0]
    hidden_values = con.execute(
        "SELECT count(*) FROM release WHERE suppressed AND encounters IS NOT NULL").fetchone()[0]
    if visible_small or hidden_values:
        raise ReleaseAuditError(f"{visible_small + hidden_values} cells break the minimum cell size {min_cell}")


def publish(workdir: Workdir, *, min_cell: int, batches: list[str] | None = None) -> PublishSummary:
    source = workdir.restricted / "disclosed" / f"{DATASET}.parquet"
    if not source.exists():
        raise FileNotFoundError(f"no disclosure-checked dataset at {source}; run disclose first")
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE release AS SELECT * FROM read_parquet($p)", {"p": str(source)})
        audit(con, min_cell)
        release_id = "r" + content_digest(con)[:16]
        dataset_dir = workdir.published / DATASET
        final = dataset_dir / release_id
        rows, suppressed = con.execute("SELECT count(*), count(*) FILTER (suppressed) FROM release").fetchone()
        already = final.exists()
        if not already:
            staging = scratch_path(workdir.tmp, f"release-{release_id}")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            data_file = staging / f"{DATASET}.parquet"
            con.execute(f"COPY (SELECT * FROM release ORDER BY ALL) TO '{data_file}' (FORMAT parquet)")
            manifest = {
                "dataset": DATASET, "release_id": release_id, "rows": rows, "suppressed_cells": suppressed, "min_cell": min_cell,
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "batches": sorted(batches or []), "columns": list(RELEASE_COLUMNS),
                "files": {data_file.name: {"sha256": sha256_file(data_file), "bytes": data_file.stat().st_size}},
            }
            (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
            dataset_dir.mkdir(parents=True, exist_ok=True)
            os.rename(staging, final)  # one step: consumers see the whole release or none of it
        (dataset_dir / "LATEST").write_text(release_id + "\n")
    finally:
        con.close()
    duckdb_path = rebuild_duckdb(workdir)
    return PublishSummary(DATASET, release_id, final, duckdb_path, rows, already)


def rebuild_duckdb(workdir: Workdir) -> Path:
    """Rebuild ``published/andanh.duckdb`` from the release folders, then swap it in."""
    target = workdir.published / DUCKDB_FILE
    tmp = scratch_path(workdir.tmp, DUCKDB_FILE)
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("CREATE TABLE releases (dataset VARCHAR, release_id VARCHAR, rows BIGINT, created_at VARCHAR,"
                    " sha256 VARCHAR, latest BOOLEAN)")
        for dataset_dir in sorted(p for p in workdir.published.iterdir() if p.is_dir()):
            latest_file = dataset_dir / "LATEST"
            latest = latest_file.read_text().strip() if latest_file.exists() else None
            for manifest_path in sorted(dataset_dir.glob("*/manifest.json")):
                m = json.loads(manifest_path.read_text())
                sha = next(iter(m["files"].values()))["sha256"]
                con.execute("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?)",
                            [m["dataset"], m["release_id"], m["rows"], m["created_at"], sha,
                             m["release_id"] == latest])
            if latest:
                data = dataset_dir / latest / f"{dataset_dir.name}.parquet"
                con.execute(f'CREATE TABLE "{dataset_dir.name}" AS SELECT * FROM read_parquet($p)', {"p": str(data)})
    finally:
        con.close()
    os.replace(tmp, target)
    return target
