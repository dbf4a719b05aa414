"""The whole pipeline for one batch, stage after stage: what ``andanh run`` and the DAG both do."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipelines.locks import holds_release_lock
from pipelines.logs import logged_stage, stage_context
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
    release_path: Path | None = None
    duckdb_path: Path | None = None
    report_path: Path | None = None
    releases: list[dict] = field(default_factory=list)


def error_threshold_from_env() -> float:
    from pipelines.settings import get_settings
    return get_settings().error_threshold


def run_pipeline(source: str | os.PathLike, workdir: Workdir, *, batch_id: str | None = None,
                 interval_start: str | None = None, interval_end: str | None = None,
                 error_threshold: float | None = None,
                 progress: Callable[[str], None] | None = None,
                 file_progress: Callable[..., None] | None = None) -> RunSummary:
    """Ingest ``source`` as one batch, then every later stage (:func:`finish_batch`). ``progress`` gets a
    line per step, ``file_progress`` ``(done, total, result)`` per ingested file."""
    from pipelines import ingest

    say = progress or (lambda message: log.info(message))
    say(f"ingest: {source}")
    ingested = ingest.ingest(source, workdir, batch_id=batch_id, interval_start=interval_start,
                             interval_end=interval_end, progress=file_progress)
    if not ingested.anything_processed:
        raise RuntimeError(f"nothing could be ingested from {source}; see {workdir.rejects}")
    return finish_batch(workdir, ingested.batch_id, error_threshold=error_threshold, say=say)


def summarize(workdir: Workdir, batch_id: str | None = None) -> RunSummary:
    """What happened to a batch (the latest ingested one by default), from the ledger, and where the
    latest release of every dataset is."""
    from pipelines.ledger import Ledger

    entries = Ledger(workdir.ledger_url()).entries()
    batches = [e.batch_id for e in entries if e.stage == "ingest"]
    if not batches:
        raise FileNotFoundError(f"no runs recorded under {workdir.root}")
    batch_id = batch_id or batches[-1]
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
    _latest_releases(workdir, summary)
    report = workdir.reports / batch_id / "report.html"
    summary.report_path = report if report.exists() else None
    return summary


def _latest_releases(workdir: Workdir, summary: RunSummary) -> None:
    """The latest release of every dataset (its ``LATEST`` pointer and manifest)."""
    import json

    from pipelines.publish import DUCKDB_FILE

    for latest in sorted(workdir.published.glob("*/LATEST")) if workdir.published.exists() else []:
        version = latest.read_text().strip()
        manifest = json.loads((latest.parent / version / "manifest.json").read_text())
        meta = manifest.get("metadata") or {}
        summary.releases.append({"dataset": latest.parent.name, "version": version,
                                 "path": str(latest.parent / version), "cells": manifest["rows"],
                                 "suppressed_cells": manifest.get("suppressed_cells", 0),
                                 "periods": meta.get("periods", []),
                                 "visible_share": (meta.get("utility") or {}).get("visible_share"),
                                 "epsilon_spent": (meta.get("dp") or {}).get("epsilon_spent")})
        summary.published_cells += manifest["rows"]
        summary.suppressed_cells += manifest.get("suppressed_cells", 0)
    if summary.releases:
        summary.release_path = workdir.published
        summary.duckdb_path = workdir.published / DUCKDB_FILE


@dataclass
class ReleaseSummary:
    """One dataset's release: which closed periods it carries, its cells and its utility."""
    dataset: str
    version: str | None = None
    path: Path | None = None
    periods: list[str] = field(default_factory=list)
    new_periods: list[str] = field(default_factory=list)
    open_periods: list[str] = field(default_factory=list)
    cells: int = 0
    suppressed_cells: int = 0
    rows_counted: int = 0
    held_back: int = 0
    utility: dict = field(default_factory=dict)
    already_published: bool = False
    epsilon_spent: float = 0.0  # dp: ε this run spent on its new periods
    epsilon_remaining: float | None = None  # dp: what the dataset's budget has left


@holds_release_lock
@logged_stage("release")
def release(workdir: Workdir, *, say: Callable[[str], None] = log.info, as_of=None,
            datasets: list[str] | None = None, lateness_days: int | None = None,
            config=None) -> list[ReleaseSummary]:
    """THE release step (``andanh run``, ``andanh release`` and the DAG call it): per declared dataset,
    the inner cells of every closed period not released before -> protect (``sdc``) or OpenDP noise paid
    from the dataset's ε budget (``dp``) -> frozen; then every frozen period -> publish_release. A dp
    dataset whose budget cannot pay is refused (nothing spent or published for it), the others are
    released, then :class:`pipelines.dp.BudgetExceeded` is raised. ``as_of`` (a date, default today in UTC) decides which periods are closed;
    ``config`` is another datasets YAML (default: the shipped one)."""
    import datetime as dt

    from pipelines.datasets import load_datasets
    from pipelines.datasets.periods import lateness_days as lateness_setting

    as_of = as_of or dt.datetime.now(dt.timezone.utc).date()
    lateness = lateness_setting(lateness_days)
    specs = [s for s in load_datasets(config) if not datasets or s.name in datasets]
    missing = set(datasets or []) - {s.name for s in specs}
    if missing:
        raise KeyError(f"no dataset {', '.join(sorted(missing))}")
    from pipelines.dp import BudgetExceeded

    summaries, refused = [], []
    for spec in specs:
        with stage_context(dataset=spec.name):
            try:
                summaries.append(release_dataset(workdir, spec, as_of=as_of, lateness=lateness, say=say))
            except BudgetExceeded as exc:  # a dp dataset short of ε: the others are still released
                log.warning("%s", exc)
                refused.append(str(exc))
    if refused:
        raise BudgetExceeded("; ".join(refused))
    return summaries


def _freeze_period(workdir: Workdir, spec, period: str, batches: list[str], say):
    """Compute a new closed period once and freeze it, by the dataset's disclosure method."""
    if spec.disclosure["method"] == "dp":
        return _freeze_dp_period(workdir, spec, period, batches, say)
    return _freeze_sdc_period(workdir, spec, period, batches, say)


def _freeze_sdc_period(workdir: Workdir, spec, period: str, batches: list[str], say):
    from pipelines import aggregate
    from pipelines import disclose as sdc
    from pipelines.datasets import periods, utility

    tables = periods.tables_for(spec, period)
    inner = aggregate.inner_cells(workdir, spec, period)
    say(f"{spec.name} {period}: {len(inner)} inner cells, {int(inner[spec.count_measure.name].sum())} rows; protect")
    protected = sdc.protect(inner, [sdc.TableRequest(t.name, t.columns) for t in tables],
                            count=spec.count_measure.name, sums=[m.name for m in spec.sum_measures],
                            params=sdc.SdcParams.from_config(spec.disclosure))
    protected.refuse_if_findings(f"{spec.name} {period}")
    frames = {t.name: _label_period(protected.tables[t.name], t, spec.release_period, period) for t in tables}
    meta = {"batches": batches, "rows": int(inner[spec.count_measure.name].sum()), "inner_cells": len(inner),
            "utility": utility.period_utility(spec, inner, frames, tables),
            "stats": getattr(protected, "stats", {})}
    return periods.freeze(workdir, spec, period, frames, meta)


def _freeze_dp_period(workdir: Workdir, spec, period: str, batches: list[str], say):
    """Spend the period's ε (refused: nothing spent), add OpenDP noise to every cell, freeze; a failure
    before the freeze refunds (see :mod:`pipelines.dp.dataset`)."""
    from pipelines import aggregate
    from pipelines.datasets import periods, utility
    from pipelines.dp import EpsilonLedger
    from pipelines.dp import dataset as dp_dataset

    ledger = EpsilonLedger(workdir.ledger_url())
    consumer, epsilon = dp_dataset.budget_consumer(spec), dp_dataset.request_of(spec).epsilon
    release_id = f"{spec.name}/{period}"
    tables = periods.tables_for(spec, period)
    with ledger.reserve(consumer, epsilon, release_id, details={"dataset": spec.name, "period": period}) as spend:
        records = aggregate.period_records(workdir, spec, period)
        say(f"{spec.name} {period}: {len(records)} records; differential privacy, ε={epsilon:g} from {consumer!r}")
        noisy, report = dp_dataset.period_tables(records, spec, period, tables)
        frames = {t.name: _label_period(noisy[t.name], t, spec.release_period, period) for t in tables}
        meta = {"batches": batches, "rows": len(records), "inner_cells": 0,
                "utility": utility.dp_period_utility(spec, records, tables),
                "dp": report | {"consumer": consumer, "spend_id": spend.id}}
        return periods.freeze(workdir, spec, period, frames, meta)


def _label_period(frame, table, release_period: str, period: str):
    """Make a period's cells distinguishable from other periods' in the concatenated release: a table
    at the release period drops its period margin (the same cells again); a finer one (months of a
    quarter) gets the release period as a column, so its margin reads "quarter Q, every month"."""
    from pipelines.hierarchies import ALL

    if table.period == release_period:
        return frame[frame[table.period].astype(str) != ALL].reset_index(drop=True)
    frame = frame.copy()
    frame.insert(0, release_period, period)
    return frame


def release_dataset(workdir: Workdir, spec, *, as_of, lateness: int, say) -> ReleaseSummary:
    """One dataset: freeze its new closed periods (sdc: protect; dp: OpenDP noise paid from its ε
    budget), then publish every frozen period as one release. When a dp release fails before it is
    in ``published/``, the periods it froze are withdrawn and their ε refunded (nothing of them was
    published)."""
    from pipelines import aggregate
    from pipelines.datasets import periods

    counts = aggregate.period_counts(workdir, spec)
    undated = int(counts.loc[counts["period"].isna(), "n"].sum())
    counts = counts[counts["period"].notna()]
    seen = sorted(set(counts["period"]) | set(periods.frozen_periods(workdir, spec)))
    closed = [p for p in seen if p in periods.frozen_periods(workdir, spec)
              or periods.is_closed(p, spec.release_period, as_of, lateness)]
    summary = ReleaseSummary(spec.name, open_periods=[p for p in seen if p not in closed], periods=closed)
    try:
        frozen = _frozen_periods(workdir, spec, closed, counts, summary, say)
        if not frozen:
            say(f"{spec.name}: no closed period yet (open: {', '.join(summary.open_periods) or 'none'})")
            return summary
        _publish(workdir, spec, frozen, summary, lateness, say)
    except BaseException:
        _withdraw(workdir, spec, summary, closed)
        raise
    if spec.disclosure["method"] == "dp":
        from pipelines.dp import EpsilonLedger
        from pipelines.dp.dataset import budget_consumer
        summary.epsilon_remaining = EpsilonLedger(workdir.ledger_url()).remaining(budget_consumer(spec))
    _record(workdir, spec, summary, undated)
    return summary


def _frozen_periods(workdir: Workdir, spec, closed: list[str], counts, summary: ReleaseSummary, say) -> list:
    """Every closed period's frozen tables, computing (and freezing) the new ones; late rows held back."""
    from pipelines.datasets import periods

    new = [p for p in closed if periods.load_frozen(workdir, spec, p) is None]
    if new and spec.disclosure["method"] == "dp":
        from pipelines.dp import EpsilonLedger
        from pipelines.dp.dataset import check_budget, refund_unfrozen
        ledger = EpsilonLedger(workdir.ledger_url())
        for p in new:  # a run that stopped between spend and freeze: that noise was never kept
            refund_unfrozen(workdir, ledger, spec, p)
        check_budget(ledger, spec, new)  # all or nothing, before any spend
    frozen = []
    for p in closed:
        f = periods.load_frozen(workdir, spec, p)
        if f is None:
            f = _freeze_period(workdir, spec, p, sorted(set(counts.loc[counts["period"] == p, "batch_id"])), say)
            summary.new_periods.append(p)
            summary.epsilon_spent += float(f.meta.get("dp", {}).get("epsilon", 0.0))
        frozen.append(f)
        late = counts[(counts["period"] == p) & ~counts["batch_id"].isin(f.batches)]
        summary.held_back += int(late["n"].sum())
        summary.rows_counted += int(f.meta["rows"])
    return frozen


def _version(closed: list[str]) -> str:
    import hashlib
    return closed[-1] + "." + hashlib.sha256(",".join(closed).encode()).hexdigest()[:6]


def _publish(workdir: Workdir, spec, frozen: list, summary: ReleaseSummary, lateness: int, say) -> None:
    import pandas as pd

    from pipelines.datasets import utility
    from pipelines.publish import publish_release

    # the suppression reasons stay in the restricted zone (frozen store); only the flag is published
    tables = {name: pd.concat([f.tables[name] for f in frozen if name in f.tables], ignore_index=True)
              .drop(columns=["suppression"], errors="ignore")
              for name in dict.fromkeys(n for f in frozen for n in f.tables)}
    summary.cells = sum(len(t) for t in tables.values())
    summary.suppressed_cells = int(sum(t["suppressed"].astype(bool).sum() for t in tables.values()
                                       if "suppressed" in t.columns))
    summary.utility = utility.combine([f.meta["utility"] for f in frozen])
    version = _version(summary.periods)
    published = publish_release(workdir, spec.published_view(), version, tables,
                                metadata=_metadata(spec, frozen, summary, lateness))
    summary.version, summary.path = version, published.path
    summary.already_published = published.already_published
    say(f"{spec.name}: release {version} ({len(summary.periods)} period(s), {len(summary.new_periods)} new), "
        f"{summary.cells} cells, {summary.suppressed_cells} suppressed; visible {summary.utility['visible_share']}")


def _withdraw(workdir: Workdir, spec, summary: ReleaseSummary, closed: list[str]) -> None:
    """A dp release that failed before its folder was moved into ``published/``: unfreeze the periods
    this run froze and refund their ε (their noise was never published, so it cost nothing)."""
    if spec.disclosure["method"] != "dp" or not summary.new_periods:
        return
    if closed and (workdir.published / spec.name / _version(closed)).exists():
        return  # published (a later step failed): the spend stands, the next run repairs the rest
    from pipelines.datasets import periods
    from pipelines.dp import EpsilonLedger

    ledger = EpsilonLedger(workdir.ledger_url())
    for p in summary.new_periods:
        meta = periods.unfreeze(workdir, spec, p)
        if meta and meta.get("dp", {}).get("spend_id") is not None:
            ledger.refund(int(meta["dp"]["spend_id"]))
        log.warning("%s %s: release failed before publishing; period unfrozen and its ε refunded", spec.name, p)


def _metadata(spec, frozen, summary: ReleaseSummary, lateness: int) -> dict:
    """The release's manifest metadata. A dp release's carries ε spent per period and no exact count
    (utility rows and held-back counts stay in the run ledger: an exact count would bypass the noise)."""
    from pipelines import __version__

    meta = {"title_vi": spec.title_vi, "title_en": spec.title_en, "periods": summary.periods,
            "release_period": spec.release_period, "release_lateness_days": lateness,
            "batches": sorted({b for f in frozen for b in f.batches}), "disclosure": spec.disclosure,
            "software_version": __version__}
    if spec.disclosure["method"] != "dp":
        return meta | {"suppressed_cells": summary.suppressed_cells, "utility": summary.utility,
                       "held_back": summary.held_back, "interval_audit": interval_audit_summary(frozen)}
    from pipelines.dp import dataset as dp_dataset
    return meta | {"dp": dp_dataset.manifest_entry(spec, frozen), "columns": dp_dataset.interval_columns(spec)}


AUDIT_FIGURES = ("checked", "certified", "local", "lp", "unaudited", "findings_left")


def interval_audit_summary(frozen: list) -> dict:
    """The protect-time interval audit over every period of a release: suppressed cells checked, proved
    wide enough by certificates, by local LPs or by the full LP, left ``unaudited`` by the time cap, and
    findings left; ``complete`` only when no cell was left unaudited and no finding remained (a period
    frozen before the audit kept its figures counts as not audited)."""
    totals = dict.fromkeys(AUDIT_FIGURES, 0)
    not_audited = []
    for f in frozen:
        audit = f.meta.get("stats", {}).get("audit") or {}
        if not audit.get("ran"):
            not_audited.append(f.period)
        for k in AUDIT_FIGURES:
            totals[k] += int(audit.get(k, 0) or 0)
    return totals | {"periods_not_audited": not_audited,
                     "complete": not not_audited and not totals["unaudited"] and not totals["findings_left"]}


def _record(workdir: Workdir, spec, s: ReleaseSummary, undated: int) -> None:
    """aggregate, disclose and publish counts of the release in the ledger (batch id = the version)."""
    from pipelines.ledger import Ledger, LedgerEntry

    published = s.cells - s.suppressed_cells
    Ledger(workdir.ledger_url()).record([
        LedgerEntry(s.version, "aggregate", spec.name, received=s.rows_counted + s.held_back + undated,
                    passed=s.rows_counted, quarantined=s.held_back, rejected=undated,
                    details={"periods": s.periods, "new_periods": s.new_periods, "open_periods": s.open_periods,
                             "held_back": s.held_back, "undated": undated}),
        LedgerEntry(s.version, "disclose", spec.name, received=s.cells, passed=published,
                    quarantined=s.suppressed_cells, details={"utility": s.utility}),
        LedgerEntry(s.version, "publish", spec.name, received=s.cells, passed=s.cells,
                    details={"path": str(s.path), "already_published": s.already_published}),
    ])


def finish_batch(workdir: Workdir, batch_id: str, *, error_threshold: float | None,
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
    release(workdir, say=say)
    return summarize(workdir, batch_id)
