"""Retention: delete what is past its period, zone by zone, and crypto-shred research projects.

Periods (days) are the project's defaults below, overridden per zone by ``ANDANH_RETENTION_DAYS``
(JSON, e.g. ``{"landing": 30}``). ``../shared/spec/legal.md``: source records belong to the facility
and are never deleted by the pipeline (LEG-43), so ``landing/`` only holds *copies* the pipeline made;
derived data follows a per-dataset TTL (LEG-40); the medical-record period of Circular 33/2025 (10 years
for an inpatient or outpatient record) bounds how long the de-identified safe tables are kept.

- ``landing``: the write-once copies of received files, once older than the period;
- ``staging``: a batch's staged Parquet, once older than the period **and** the batch has been
  de-identified (validated rows are read from staging until then, so they stay readable while needed);
- ``rejects`` and ``quarantine``: records that never passed, once older than the period;
- ``safe``: de-identified tables, once older than the period (published aggregates are kept).

Every deletion is written to the run ledger (stage ``retention``, one row per zone, the deleted
relative paths in ``details``) and appended to ``restricted/audit/retention.jsonl``. Paths are content
hashes and batch ids, never personal data.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.ledger import Ledger, LedgerEntry
from pipelines.logs import logged_stage
from pipelines.workdir import Workdir

log = logging.getLogger(__name__)
DAY = 86_400
DEFAULT_DAYS = {"landing": 90, "staging": 30, "rejects": 180, "quarantine": 180, "safe": 3650}


@dataclass
class RetentionSummary:
    run_id: str
    periods: dict[str, int]
    deleted: dict[str, list[str]] = field(default_factory=dict)
    kept_not_deidentified: int = 0
    shredded: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.deleted.values())


def periods(override: dict[str, int] | None = None) -> dict[str, int]:
    from pipelines.settings import get_settings
    given = {**get_settings().retention_days, **(override or {})}
    unknown = set(given) - set(DEFAULT_DAYS)
    if unknown:
        raise ValueError(f"unknown retention zone(s) {sorted(unknown)}; known: {sorted(DEFAULT_DAYS)}")
    return {**DEFAULT_DAYS, **given}


def _zone_root(workdir: Workdir, zone: str) -> Path:
    return {"landing": workdir.landing, "staging": workdir.staging, "rejects": workdir.rejects,
            "quarantine": workdir.quarantine, "safe": workdir.safe}[zone]


def _deidentified_batches(workdir: Workdir) -> set[str]:
    return {e.batch_id for e in Ledger(workdir.ledger_url()).entries() if e.stage == "deidentify"}


def _staging_owner(workdir: Workdir) -> dict[str, str]:
    """Staging file stem -> batch id, from the batch manifests."""
    owner: dict[str, str] = {}
    if workdir.batches.is_dir():
        for entry in workdir.batches.glob("*/*.json"):
            try:
                data = json.loads(entry.read_text())
            except (OSError, ValueError):
                continue
            owner[data.get("staging_name") or data.get("sha256", "")] = entry.parent.name
    return owner


def _expired(root: Path, days: int, now: float) -> list[Path]:
    if not root.is_dir():
        return []
    limit = now - days * DAY
    return sorted(p for p in root.rglob("*") if p.is_file() and ".~" not in p.name and p.stat().st_mtime < limit)


@logged_stage("retention")
def apply_retention(workdir: Workdir, *, now: float | None = None, dry_run: bool = False,
                    override: dict[str, int] | None = None) -> RetentionSummary:
    """Delete every file past its zone's period (see the module docstring); record each deletion."""
    now = now if now is not None else time.time()
    summary = RetentionSummary(run_id="ret-" + dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime(
        "%Y%m%dT%H%M%S"), periods=periods(override))
    done = _deidentified_batches(workdir)
    owner = _staging_owner(workdir)
    for zone, days in summary.periods.items():
        root = _zone_root(workdir, zone)
        victims = _expired(root, days, now)
        if zone == "staging":
            kept = [p for p in victims if owner.get(p.stem) not in done]
            summary.kept_not_deidentified = len(kept)
            victims = [p for p in victims if owner.get(p.stem) in done]
        summary.deleted[zone] = [str(p.relative_to(workdir.root)) for p in victims]
        if not dry_run:
            for path in victims:
                os.chmod(path, 0o600)  # landing copies are read-only
                path.unlink(missing_ok=True)
    if not dry_run:
        record(workdir, summary, "retention")
    return summary


@logged_stage("shred")
def shred_project(workdir: Workdir, project: str) -> RetentionSummary:
    """Crypto-shred a research project's pseudonym scope (see ``keys.shred_project``) and record it."""
    from pipelines.deidentify.keys import shred_project as destroy

    summary = RetentionSummary(run_id=f"shred-{project}"[:64], periods={}, shredded=[project])
    existed = destroy(workdir, project)
    summary.deleted["project_key"] = [f"restricted/keys/projects/{project}.salt"] if existed else []
    record(workdir, summary, "shred")
    return summary


def record(workdir: Workdir, summary: RetentionSummary, stage: str) -> None:
    entries = [LedgerEntry(summary.run_id, stage, zone[:32], received=len(paths), passed=len(paths),
                           details={"deleted": paths, "period_days": summary.periods.get(zone)})
               for zone, paths in summary.deleted.items()]
    Ledger(workdir.ledger_url()).record(entries)
    # the hash-chained, signed audit log of governance (``andanh audit verify``): counts, not file lists
    from pipelines.govern import open_governance
    open_governance(workdir).audit.append(
        actor="andanh-retention", action=stage, resource=summary.run_id,
        details={"deleted": {zone: len(paths) for zone, paths in summary.deleted.items()},
                 "period_days": summary.periods, "shredded": summary.shredded,
                 "kept_not_deidentified": summary.kept_not_deidentified})
    log.info("%s %s: %d file(s) deleted", stage, summary.run_id, summary.total)
