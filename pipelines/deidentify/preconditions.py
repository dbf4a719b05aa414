"""What de-identify checks before it touches a batch: the stage enforces its own preconditions.

A batch is de-identified only if (1) its validation report says the data-quality gate passed,
(2) its counts reconcile (records received at ingest = passed + quarantined + rejected at parse, per
table too), and (3) every staged file is still the one validate read (same size and row count; a
vanished or rewritten file means validate must run again). ``andanh validate`` exiting 3 is therefore
not advisory: ``andanh deidentify`` refuses the batch, and so aggregation never sees it.
"""
from __future__ import annotations

import json

import pyarrow.parquet as pq

from pipelines.quality.validated import StagedDataChanged, load_index
from pipelines.workdir import Workdir


class BatchNotReady(RuntimeError):
    """The batch failed (or never passed) the quality gate or the reconciliation."""


def validation_report(workdir: Workdir, batch_id: str) -> dict:
    path = workdir.reports / batch_id / "validation.json"
    if not path.exists():
        raise BatchNotReady(f"batch {batch_id} has no validation report; run `andanh validate --batch {batch_id}`")
    return json.loads(path.read_text(encoding="utf-8"))


def require_quality_gate(workdir: Workdir, batch_id: str) -> None:
    gate = validation_report(workdir, batch_id).get("gate", {})
    if not gate.get("passed"):
        reasons = "; ".join(gate.get("reasons") or ["no gate result"])
        raise BatchNotReady(f"batch {batch_id} failed the data-quality gate, nothing is de-identified: {reasons}")


def require_reconciled(workdir: Workdir, batch_id: str) -> None:
    from pipelines.ledger import Ledger
    from pipelines.quality.reconcile import check

    result = check(Ledger(workdir.ledger_url()).entries(batch_id), batch_id)
    if not result.balanced:
        raise BatchNotReady(f"batch {batch_id} does not reconcile, nothing is de-identified: "
                            + "; ".join(result.problems))


def require_staged_unchanged(workdir: Workdir, batch_id: str) -> None:
    """Every staged file of the validated index exists with the size and row count validate saw."""
    for spec in load_index(workdir, batch_id)["tables"].values():
        for entry in spec["files"]:
            path = workdir.root / entry["path"]
            if not path.exists():
                raise StagedDataChanged(f"{entry['path']} was validated for batch {batch_id} but is gone")
            if path.stat().st_size != entry["bytes"] or pq.ParquetFile(path).metadata.num_rows != entry["rows"]:
                raise StagedDataChanged(f"{entry['path']} changed after batch {batch_id} was validated; "
                                        "run validate again")


def require_deidentifiable(workdir: Workdir, batch_id: str) -> None:
    """Raise unless the batch passed the quality gate, reconciles, and its staged data is unchanged."""
    require_staged_unchanged(workdir, batch_id)  # first: a changed file makes the other answers stale
    require_quality_gate(workdir, batch_id)
    require_reconciled(workdir, batch_id)
