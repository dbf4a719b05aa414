"""Reconciliation: every record a batch received is accounted for, or the run fails.

From the run ledger of one batch:

- HOSO (a treatment record; for CSV/Parquet sources, a row): received at ingest = passed the
  validate stage + quarantined by it + rejected at parse. A re-sent ``MA_LK`` (duplicate) is its own
  HOSO and lands in the quarantined count with the rule ``xml1.MA_LK.unique``;
- per table: rows staged at ingest = rows validate received = passed + quarantined.

The result is written to the ledger as stage ``reconcile`` (table ``hoso`` and one row per table),
so ``andanh runs`` shows it; :func:`reconcile` raises :class:`ReconciliationError` on a mismatch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.ledger import Ledger, LedgerEntry
from pipelines.schema import EPISODE_TABLES
from pipelines.workdir import Workdir

STAGE = "reconcile"


class ReconciliationError(RuntimeError):
    """The counts of a batch do not add up: some records are unaccounted for."""


@dataclass
class Reconciliation:
    batch_id: str
    entries: list[LedgerEntry]
    problems: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.problems


def check(entries: list[LedgerEntry], batch_id: str) -> Reconciliation:
    """Compare the ingest and validate counts of ``batch_id`` (no side effects)."""
    by_key = {(e.stage, e.table_name): e for e in entries if e.batch_id == batch_id}
    problems: list[str] = []
    out: list[LedgerEntry] = []
    ingest_hoso, validate_hoso = by_key.get(("ingest", "hoso")), by_key.get(("validate", "hoso"))
    if ingest_hoso is None or validate_hoso is None:
        missing = [s for s, e in (("ingest", ingest_hoso), ("validate", validate_hoso)) if e is None]
        problems.append(f"no {' or '.join(missing)} counts recorded for the batch")
    else:
        entry = LedgerEntry(batch_id, STAGE, "hoso", received=ingest_hoso.received, passed=validate_hoso.passed,
                            quarantined=validate_hoso.quarantined, rejected=ingest_hoso.rejected)
        if validate_hoso.received != ingest_hoso.passed:
            problems.append(f"hoso: {ingest_hoso.passed} landed at ingest but validate saw {validate_hoso.received}")
        if not entry.balanced:
            problems.append(f"hoso: received {entry.received} != passed {entry.passed} + quarantined "
                            f"{entry.quarantined} + rejected at parse {entry.rejected}")
        out.append(entry)
    for table in EPISODE_TABLES:
        staged, validated = by_key.get(("ingest", table)), by_key.get(("validate", table))
        staged_rows = staged.passed if staged else 0
        if validated is None:
            if staged_rows:
                problems.append(f"{table}: {staged_rows} rows staged but none validated")
            continue
        entry = LedgerEntry(batch_id, STAGE, table, received=staged_rows, passed=validated.passed,
                            quarantined=validated.quarantined)
        if not entry.balanced:
            problems.append(f"{table}: {staged_rows} rows staged != passed {validated.passed} + quarantined "
                            f"{validated.quarantined}")
        out.append(entry)
    for e in out:
        e.details = {"balanced": not problems}
    return Reconciliation(batch_id, out, problems)


def reconcile(workdir: Workdir, batch_id: str, *, raise_on_mismatch: bool = True) -> Reconciliation:
    """Check a validated batch, record the ``reconcile`` rows in the ledger, raise on a mismatch."""
    ledger = Ledger(workdir.ledger_url())
    result = check(ledger.entries(batch_id), batch_id)
    for e in result.entries:
        e.details = {"balanced": result.balanced, "problems": result.problems}
    ledger.record(result.entries)
    if raise_on_mismatch and not result.balanced:
        raise ReconciliationError(f"batch {batch_id} does not reconcile: " + "; ".join(result.problems))
    return result
