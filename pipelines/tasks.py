"""Task bodies for the Airflow DAGs: plain functions with JSON-friendly inputs and outputs.

Each DAG task is one call into this module, so the DAG files stay wiring and everything here is
testable without Airflow. Settings come from the DAG params, then Airflow Variables passed in by
the caller, then the environment.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Iterator
from pathlib import Path

from pipelines.workdir import Workdir, batch_id_for

log = logging.getLogger(__name__)
FILES_PER_TASK = 200  # one mapped ingest task per this many files; workers take them in parallel
# Failures that the same input will always reproduce: retrying them only delays the alert. Named, not
# imported, so a stage that is absent or renamed does not break the others' wiring.
DETERMINISTIC_ERRORS = (
    "pipelines.quality.validate:QualityGateError", "pipelines.quality.reconcile:ReconciliationError",
    "pipelines.quality.engine:SuiteError", "pipelines.deidentify.policy:PolicyError",
    "pipelines.deidentify.gate:ResidualPIIError", "pipelines.deidentify.gate:BatchNotReleased",
    "pipelines.deidentify.preconditions:BatchNotReady", "pipelines.deidentify.keys:PseudonymKeyError",
    "pipelines.deidentify.vault:VaultKeyMissing", "pipelines.settings:SettingsError",
    "pipelines.hierarchies.base:HierarchyError", "pipelines.publish:ReleaseAuditError",
    "pipelines.publish:ReleaseExistsError", "pipelines.publish.signing:SigningKeyError",
    "pipelines.tasks:NothingStaged", "pipelines.shards:ShardsIncomplete",
    "pipelines.disclose.protect:FindingsLeft", "pipelines.dp.budget:BudgetExceeded",
    "pipelines.datasets:DatasetConfigError",
)


class NothingStaged(RuntimeError):
    """Every new file of a batch was rejected: the same files will be rejected again."""


def deterministic_errors() -> tuple[type[BaseException], ...]:
    found = []
    for name in DETERMINISTIC_ERRORS:
        module, _, attr = name.partition(":")
        try:
            found.append(getattr(importlib.import_module(module), attr))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


@contextlib.contextmanager
def fail_fast() -> Iterator[None]:
    """Turn deterministic failures into ``AirflowFailException`` (no retry); others propagate (retried)."""
    try:
        yield
    except deterministic_errors() as exc:
        from airflow.sdk.exceptions import AirflowFailException
        log.error("deterministic failure, not retried: %s", type(exc).__name__)
        raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc


def _interval(value) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value else None)


def plan_batch(source: str | None, workdir: str | None, interval_start=None, interval_end=None) -> list[dict]:
    """Split a source folder into chunks for parallel ingest tasks of one batch."""
    from pipelines.ingest import discover

    from pipelines.settings import SettingsError, get_settings

    source = source or get_settings().source
    if not source:
        with fail_fast():  # a configuration error: retrying cannot help
            raise SettingsError("no source: set the DAG param 'source' or ANDANH_SOURCE")
    wd = Workdir.at(workdir).ensure()
    source_id = str(Path(source).resolve())
    batch_id = batch_id_for(source_id, _interval(interval_start), _interval(interval_end))
    from pipelines.ingest import new_files
    files = [str(p) for p in new_files(wd, discover(source), batch_id)]  # hashes only new or changed files
    size = get_settings().files_per_task or FILES_PER_TASK
    chunks = [files[i:i + size] for i in range(0, len(files), size)] or [[]]
    return [{"source": source_id, "workdir": str(wd.root), "batch_id": batch_id, "files": chunk}
            for chunk in chunks]


def ingest_chunk(source: str, workdir: str, batch_id: str, files: list[str]) -> dict:
    from pipelines.ingest import ingest

    summary = ingest(source, Workdir.at(workdir), batch_id=batch_id, files=files, only_new=True, record=False)
    return {"workdir": workdir, "batch_id": batch_id, "staged": summary.staged, "rejected": summary.rejected}


def close_ingest(results: list[dict]) -> dict:
    """Record the ledger once every ingest task of the batch is done.

    No new file (a quiet day) is a success with ``staged == 0`` (the DAG short-circuits on it); new
    files of which none could be staged fail at once (:class:`NothingStaged`, not retried).
    """
    from pipelines.ingest import compact_batch, read_manifest, record_ingest

    results = list(results)
    workdir, batch_id = Workdir.at(results[0]["workdir"]), results[0]["batch_id"]
    if not (workdir.batches / batch_id).is_dir() or not read_manifest(workdir, batch_id)["files"]:
        log.info("batch %s: no new files; nothing to do", batch_id)
        return {"workdir": str(workdir.root), "batch_id": batch_id, "staged": 0}
    compact_batch(workdir, batch_id)  # the small parts of many small ingest tasks
    record_ingest(workdir, batch_id)
    manifest = read_manifest(workdir, batch_id)
    staged = sum(sum(f["staged"].values()) for f in manifest["files"])
    if not staged:
        with fail_fast():
            raise NothingStaged(f"batch {batch_id}: {len(manifest['files'])} new file(s), none staged; "
                                f"see {workdir.rejects}")
    return {"workdir": str(workdir.root), "batch_id": batch_id, "staged": staged}


@fail_fast()
def pull_his(workdir: str | None, url: str, interval_start=None, interval_end=None, schema: str = "his") -> dict:
    from pipelines.ingest import his

    import datetime as dt

    from pipelines.settings import get_settings

    wd = Workdir.at(workdir)
    # By commit time with an overlap, so late commits are pulled by the next interval; versions already
    # pulled by an earlier batch are skipped. Datetimes go through as they are (read in Vietnam time).
    overlap = dt.timedelta(minutes=get_settings().his_overlap_minutes)
    summary = his.pull_his(url, wd, interval_start=interval_start, interval_end=interval_end, schema=schema,
                           watermark_column="updated_at", overlap=overlap)
    return {"workdir": str(wd.root), "batch_id": summary.batch_id, "staged": sum(summary.staged.values())}


@fail_fast()
def plan_validate(batch: dict, error_threshold: float | None = None) -> list[dict]:
    """One mapped validate task per shard of the batch (``ANDANH_VALIDATE_SHARDS``)."""
    from pipelines.quality.shards import default_shards
    from pipelines.quality.shards import plan_validate as plan_shards
    from pipelines.run import error_threshold_from_env

    threshold = error_threshold if error_threshold is not None else error_threshold_from_env()
    plan = plan_shards(Workdir.at(batch["workdir"]), batch["batch_id"], error_threshold=threshold,
                       shards=default_shards(mapped=True))
    return [{"workdir": batch["workdir"], "batch_id": batch["batch_id"], "shard": k, "attempt": plan["attempt"]}
            for k in range(plan["shards"])]


@fail_fast()
def validate_shard(shard: dict) -> dict:
    from pipelines.quality.shards import validate_shard as run_shard

    result = run_shard(Workdir.at(shard["workdir"]), shard["batch_id"], shard["shard"])
    return shard | {"rows": result["rows"], "episodes": result["episodes"]}


@fail_fast()
def close_validate(batch: dict, shards: list[dict]) -> dict:
    """Commit the batch's validation once every shard task is done, then the gate (fail closed: nothing
    from this batch goes further) and the reconciliation (a record unaccounted for fails the task too)."""
    from pipelines import quality
    from pipelines.quality.shards import close_validate as close_shards

    workdir = Workdir.at(batch["workdir"])
    summary = close_shards(workdir, batch["batch_id"])
    quality.enforce_gate(summary)
    quality.reconcile(workdir, batch["batch_id"])
    return batch | {"quarantined": summary.quarantined_episodes, "passed": summary.passed_episodes,
                    "report": summary.html_report_path}


@contextlib.contextmanager
def airflow_keys() -> Iterator[None]:
    """Keys from an Airflow Connection or Variable when there is one; else the environment."""
    from pipelines.deidentify.keys import AIRFLOW_VAULT_KEY_ID, pseudonym_key_from_airflow, using_keys

    with using_keys(pseudonym_key_from_airflow(),
                    pseudonym_key_from_airflow(AIRFLOW_VAULT_KEY_ID, AIRFLOW_VAULT_KEY_ID)):
        yield


@fail_fast()
def plan_deidentify(batch: dict) -> list[dict]:
    """One mapped de-identify task per shard of the batch (``ANDANH_DEIDENTIFY_SHARDS``)."""
    from pipelines.deidentify.shards import default_shards, plan_shards

    with airflow_keys():
        plan = plan_shards(Workdir.at(batch["workdir"]), batch["batch_id"], shards=default_shards(mapped=True))
    return [{"workdir": batch["workdir"], "batch_id": batch["batch_id"], "shard": k, "attempt": plan["attempt"]}
            for k in range(plan["shards"])]


@fail_fast()
def deidentify_shard(shard: dict) -> dict:
    from pipelines.deidentify.shards import deidentify_shard as run_shard

    with airflow_keys():
        result = run_shard(Workdir.at(shard["workdir"]), shard["batch_id"], shard["shard"])
    return shard | {"rows": result["rows"], "episodes": result["episodes"]}


@fail_fast()
def close_deidentify(batch: dict, shards: list[dict]) -> dict:
    """Commit the batch once every shard task is done (each checked to be of the same attempt)."""
    from pipelines.deidentify.shards import close_shards

    with airflow_keys():
        summary = close_shards(Workdir.at(batch["workdir"]), batch["batch_id"], list(shards))
    return batch | {"deidentified": summary.rows}


@fail_fast()
def plan_release(batch: dict) -> list[dict]:
    """One mapped freeze task per piece of the next release: a closed period of a dataset not frozen yet."""
    from pipelines.run import plan_release as plan_pieces

    return [{"workdir": batch["workdir"]} | piece for piece in plan_pieces(Workdir.at(batch["workdir"]))]


@fail_fast()
def freeze_piece(piece: dict) -> dict:
    """Freeze one planned piece (:func:`pipelines.run.freeze_piece`); a piece frozen already is returned as it is."""
    from pipelines.run import freeze_piece as freeze
    from pipelines.run import release_scope

    [spec], _, _ = release_scope(datasets=[piece["dataset"]])
    frozen = freeze(Workdir.at(piece["workdir"]), spec, piece["period"], list(piece["batches"]))
    return piece | {"frozen_at": frozen.meta["frozen_at"], "tables": sorted(frozen.tables)}


@fail_fast()
def release(batch: dict, pieces: list[dict] | None = None) -> dict:
    """The one release step (:func:`pipelines.run.release`) after a batch and its mapped ``pieces``:
    publishes every dataset's frozen periods (and freezes any closed period no piece froze)."""
    from pipelines.run import release as release_step

    summaries = release_step(Workdir.at(batch["workdir"]))
    return batch | {"pieces_frozen": len(list(pieces or [])),
                    "releases": [{"dataset": s.dataset, "version": s.version, "path": str(s.path) if s.path else None,
                                  "periods": s.periods, "new_periods": s.new_periods, "cells": s.cells,
                                  "suppressed_cells": s.suppressed_cells, "held_back": s.held_back,
                                  "visible_share": s.utility.get("visible_share"),
                                  "epsilon_spent": s.epsilon_spent, "epsilon_remaining": s.epsilon_remaining}
                                 for s in summaries]}


@fail_fast()
def retention(workdir: str | None, shred_project: str | None = None) -> dict:
    """The andanh_retention DAG's task: apply the periods, then shred a project if one is named."""
    from pipelines import retention as retention_stage

    wd = Workdir.at(workdir).ensure()
    summary = retention_stage.apply_retention(wd)
    out = {"run_id": summary.run_id, "deleted": {z: len(p) for z, p in summary.deleted.items()},
           "kept_not_deidentified": summary.kept_not_deidentified}
    if shred_project:
        out["shredded"] = retention_stage.shred_project(wd, shred_project).shredded
    return out


def build_extracts(workdir: str | None) -> dict:
    """The andanh_extract DAG's task: build every approved extract request (the deployed portal cannot)."""
    from pipelines.govern import open_governance
    from pipelines.portal.extracts import build_all_approved

    wd = Workdir.at(workdir).ensure()
    built = build_all_approved(open_governance(wd), wd)
    log.info("built %d approved extract request(s)", len(built))
    return {"built": built}
