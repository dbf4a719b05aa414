"""The whole pipeline for one batch, stage after stage: what ``andanh run`` and the DAG both do."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipelines.locks import holds_release_lock
from pipelines.workdir import Workdir

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    batch_id: str
    workdir: Path
    received_hoso: int = 0
    rejected_hoso: int = 0
    staged: dict[str, int] = field(default_factory=dict)
    quarantined_episodes: int = 0
    passed_episodes: int = 0
    published_cells: int = 0
    suppressed_cells: int = 0
    release_id: str | None = None
    release_path: Path | None = None
    duckdb_path: Path | None = None
    report_path: Path | None = None


def error_threshold_from_env() -> float:
    from pipelines.settings import get_settings
    return get_settings().error_threshold


def run_pipeline(source: str | os.PathLike, workdir: Workdir, *, batch_id: str | None = None,
                 interval_start: str | None = None, interval_end: str | None = None,
                 error_threshold: float | None = None, min_cell: int | None = None,
                 progress: Callable[[str], None] | None = None) -> RunSummary:
    from pipelines import ingest

    say = progress or (lambda message: log.info(message))
    say(f"ingest: {source}")
    ingested = ingest.ingest(source, workdir, batch_id=batch_id, interval_start=interval_start,
                             interval_end=interval_end)
    if not ingested.anything_processed:
        raise RuntimeError(f"nothing could be ingested from {source}; see {workdir.rejects}")
    return finish_batch(workdir, ingested.batch_id, error_threshold=error_threshold, min_cell=min_cell, say=say)


def summarize(workdir: Workdir, batch_id: str | None = None) -> RunSummary:
    """What happened to a batch (the latest one by default), from the ledger and the published folder."""
    import json

    from pipelines.aggregate import DATASET
    from pipelines.ledger import Ledger
    from pipelines.publish import DUCKDB_FILE

    entries = Ledger(workdir.ledger_url()).entries()
    if not entries:
        raise FileNotFoundError(f"no runs recorded under {workdir.root}")
    batch_id = batch_id or entries[-1].batch_id
    summary = RunSummary(batch_id=batch_id, workdir=workdir.root)
    for e in entries:
        if e.batch_id != batch_id:
            continue
        if e.stage == "ingest" and e.table_name == "hoso":
            summary.received_hoso, summary.rejected_hoso = e.received, e.rejected
        elif e.stage == "ingest":
            summary.staged[e.table_name] = e.passed
        elif e.stage == "validate" and e.table_name == "episodes":
            summary.passed_episodes, summary.quarantined_episodes = e.passed, e.quarantined
    latest = workdir.published / DATASET / "LATEST"
    if latest.exists():
        summary.release_id = latest.read_text().strip()
        summary.release_path = workdir.published / DATASET / summary.release_id
        manifest = json.loads((summary.release_path / "manifest.json").read_text())
        summary.published_cells = manifest["rows"]
        summary.suppressed_cells = manifest.get("suppressed_cells", 0)
        summary.duckdb_path = workdir.published / DUCKDB_FILE
    report = workdir.reports / batch_id / "report.html"
    summary.report_path = report if report.exists() else None
    return summary


@holds_release_lock
def release(workdir: Workdir, min_cell: int | None = None, say: Callable[[str], None] = log.info):
    """Aggregate every de-identified batch, suppress small cells, publish: the release step."""
    from pipelines import aggregate, disclose, publish

    say("aggregate: month x province x ICD-10 chapter x sex x age band")
    agg = aggregate.aggregate(workdir)
    say("disclose: small-cell suppression")
    disclosed = disclose.suppress_small_cells(workdir, min_cell)
    say("publish: write, audit, publish")
    return disclosed, publish.publish(workdir, min_cell=disclosed.min_cell, batches=agg.batches)


def finish_batch(workdir: Workdir, batch_id: str, *, error_threshold: float | None, min_cell: int | None,
                 say: Callable[[str], None]) -> RunSummary:
    """Every stage after ingest, for a batch that is already staged; what happened, from the ledger."""
    from pipelines import deidentify, quality

    say("validate: Great Expectations suites")
    validation = quality.validate_batch(workdir, batch_id,
                                        error_threshold=error_threshold if error_threshold is not None
                                        else error_threshold_from_env())
    say(f"quality report: {validation.html_report_path}")
    quality.enforce_gate(validation)
    quality.reconcile(workdir, batch_id)  # every HOSO received is passed, quarantined or rejected, or raise
    say("deidentify: policy from the schema registry")
    deidentify.deidentify_batch(workdir, batch_id)
    release(workdir, min_cell, say)
    return summarize(workdir, batch_id)
