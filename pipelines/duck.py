"""The one way stages open DuckDB: a memory cap, a spill folder in the data root, bounded threads.

``connect()`` applies the settings (``ANDANH_DUCKDB_MEMORY``, ``ANDANH_DUCKDB_THREADS``,
``ANDANH_DUCKDB_SPILL_MAX``) unless the caller passes its own values. Spill files go to a scratch
folder under ``<workdir>/tmp/`` unique to the connection (the zone is 0700, so spilled personal
data stays in the restricted zone); DuckDB removes its spill files when the connection closes and
the empty folder is removed with the process, or by the next run's stale-scratch cleaning after a
crash. A query that needs more than the cap spills there instead of being killed; only a full
disk (or ``spill_max``) stops it, with DuckDB's ``OutOfMemoryException``.

``batch_rows()`` is the Arrow batch size stages read and write with (``ANDANH_ARROW_BATCH_ROWS``).
"""
from __future__ import annotations

import atexit
import os
import shutil
from pathlib import Path

import duckdb

from pipelines.workdir import Workdir, scratch_path

_SPILL_DIRS: list[Path] = []


def connect(memory_limit: str | None = None, temp_dir: str | os.PathLike | None = None,
            threads: int | None = None, *, database: str | os.PathLike = ":memory:",
            workdir: Workdir | None = None, read_only: bool = False,
            spill_max: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection capped at ``memory_limit`` (default: the settings' ``duckdb_memory``),
    spilling to ``temp_dir`` (default: a fresh scratch folder under ``workdir.tmp``)."""
    from pipelines.settings import get_settings

    settings = get_settings()
    con = duckdb.connect(str(database), read_only=read_only)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET memory_limit = ?", [memory_limit or settings.duckdb_memory])
        con.execute("SET temp_directory = ?", [str(temp_dir or spill_folder(workdir))])
        spill_max = spill_max or settings.duckdb_spill_max
        if spill_max:
            con.execute("SET max_temp_directory_size = ?", [spill_max])
        threads = threads or settings.duckdb_threads
        if threads:
            con.execute(f"SET threads = {int(threads)}")
    except BaseException:
        con.close()
        raise
    return con


def spill_folder(workdir: Workdir | None = None) -> Path:
    """A scratch folder for one connection's spill files, under the data root's ``tmp/`` (0700)."""
    workdir = workdir or Workdir.at()
    workdir.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = scratch_path(workdir.tmp, "duckdb-spill")
    _SPILL_DIRS.append(folder)  # DuckDB creates it on the first spill
    return folder


def batch_rows() -> int:
    """Rows per Arrow batch when a stage streams a table (bounds the memory of one piece)."""
    from pipelines.settings import get_settings
    return get_settings().arrow_batch_rows


@atexit.register
def _remove_spill_folders() -> None:
    for folder in _SPILL_DIRS:
        shutil.rmtree(folder, ignore_errors=True)
