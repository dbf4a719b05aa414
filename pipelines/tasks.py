"""Task bodies for the Airflow DAGs: plain functions with JSON-friendly inputs and outputs.

Each DAG task is one call into this module, so the DAG files stay wiring and everything here is
testable without Airflow. Settings come from the DAG params, then Airflow Variables passed in by
the caller, then the environment.
"""
from __future__ import annotations

from pathlib import Path

from pipelines.workdir import Workdir, batch_id_for

FILES_PER_TASK = 200  # one mapped ingest task per this many files; workers take them in parallel


def _interval(value) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value else None)


def plan_batch(source: str | None, workdir: str | None, interval_start=None, interval_end=None) -> list[dict]:
    """Split a source folder into chunks for parallel ingest tasks of one batch."""
    from pipelines.ingest import discover

    from pipelines.settings import get_settings

    source = source or get_settings().source
    if not source:
        raise ValueError("no source: set the DAG param 'source' or ANDANH_SOURCE")
    wd = Workdir.at(workdir).ensure()
    source_id = str(Path(source).resolve())
    batch_id = batch_id_for(source_id, _interval(interval_start), _interval(interval_end))
    files = [str(p) for p in discover(source)]
    chunks = [files[i:i + FILES_PER_TASK] for i in range(0, len(files), FILES_PER_TASK)] or [[]]
    return [{"source": source_id, "workdir": str(wd.root), "batch_id": batch_id, "files": chunk}
            for chunk in chunks]


def ingest_chunk(source: str, workdir: str, batch_id: str, files: list[str]) -> dict:
    from pipelines.ingest import ingest

    summary = ingest(source, Workdir.at(workdir), batch_id=batch_id, files=files, only_new=True, record=False)
    return {"workdir": workdir, "batch_id": batch_id, "staged": summary.staged, "rejected": summary.rejected}


def close_ingest(results: list[dict]) -> dict:
    """Record the ledger once every ingest task of the batch is done; fail when nothing landed."""
    from pipelines.ingest import compact_batch, read_manifest, record_ingest

    results = list(results)
    workdir, batch_id = Workdir.at(results[0]["workdir"]), results[0]["batch_id"]
    if (workdir.batches / batch_id).is_dir():
        compact_batch(workdir, batch_id)  # the small parts of many small ingest tasks
    record_ingest(workdir, batch_id)
    manifest = read_manifest(workdir, batch_id) if (workdir.batches / batch_id).is_dir() else {"files": []}
    if not any(f["staged"] for f in manifest["files"]):
        raise RuntimeError(f"batch {batch_id}: nothing was staged; see {workdir.rejects}")
    return {"workdir": str(workdir.root), "batch_id": batch_id}


def pull_his(workdir: str | None, url: str, interval_start=None, interval_end=None, schema: str = "his") -> dict:
    from pipelines.ingest import his

    wd = Workdir.at(workdir)
    # datetimes go through as they are: pull_his reads them in Vietnam time, as the HIS writes NGAY_TTOAN
    summary = his.pull_his(url, wd, interval_start=interval_start, interval_end=interval_end, schema=schema)
    return {"workdir": str(wd.root), "batch_id": summary.batch_id, "staged": summary.staged}


def validate(batch: dict, error_threshold: float | None = None) -> dict:
    from pipelines import quality
    from pipelines.run import error_threshold_from_env

    threshold = error_threshold if error_threshold is not None else error_threshold_from_env()
    workdir = Workdir.at(batch["workdir"])
    summary = quality.validate_batch(workdir, batch["batch_id"], error_threshold=threshold)
    quality.enforce_gate(summary)  # fail closed: nothing from this batch goes further
    quality.reconcile(workdir, batch["batch_id"])  # a record unaccounted for fails the task too
    return batch | {"quarantined": summary.quarantined_episodes, "passed": summary.passed_episodes,
                    "report": summary.html_report_path}


def deidentify(batch: dict) -> dict:
    from pipelines.deidentify import deidentify_batch
    from pipelines.deidentify.keys import AIRFLOW_VAULT_KEY_ID, pseudonym_key_from_airflow, using_keys

    # Keys from an Airflow Connection or Variable when there is one; else the environment.
    with using_keys(pseudonym_key_from_airflow(),
                    pseudonym_key_from_airflow(AIRFLOW_VAULT_KEY_ID, AIRFLOW_VAULT_KEY_ID)):
        summary = deidentify_batch(Workdir.at(batch["workdir"]), batch["batch_id"])
    return batch | {"deidentified": summary.rows}


def aggregate(batch: dict) -> dict:
    from pipelines import aggregate as aggregate_stage

    summary = aggregate_stage.aggregate(Workdir.at(batch["workdir"]))
    return batch | {"aggregate_cells": summary.cells, "aggregate_batches": summary.batches}


def publish(batch: dict, min_cell: int | None = None) -> dict:
    from pipelines import disclose
    from pipelines import publish as publish_stage

    wd = Workdir.at(batch["workdir"])
    disclosed = disclose.suppress_small_cells(wd, min_cell)
    published = publish_stage.publish(wd, min_cell=disclosed.min_cell, batches=batch.get("aggregate_batches"))
    return batch | {"release_id": published.release_id, "release_path": str(published.path),
                    "duckdb_path": str(published.duckdb_path), "cells": published.rows,
                    "suppressed_cells": disclosed.suppressed_cells}
