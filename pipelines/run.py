"""The whole pipeline for one batch, stage after stage: what ``andanh run`` and the DAG both do."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pipelines.locks import holds_release_lock
from pipelines.logs import logged_stage, stage_context
from pipelines.workdir import Workdir

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from pipelines.datasets import DatasetSpec
    from pipelines.datasets.periods import FrozenPeriod

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
    epsilon_spent: float = 0.0  # dp: ε spent on its new periods (those the previous release did not carry)
    epsilon_remaining: float | None = None  # dp: what the dataset's budget has left


@holds_release_lock
@logged_stage("release")
def release(workdir: Workdir, *, say: Callable[[str], None] = log.info, as_of=None,
            datasets: list[str] | None = None, lateness_days: int | None = None,
            config=None) -> list[ReleaseSummary]:
    """THE release step (``andanh run``, ``andanh release`` and the DAG call it): per declared dataset,
    its plan (:func:`plan_dataset`: the closed periods, which are new) -> each new (dataset, period)
    piece frozen (:func:`freeze_piece`: inner cells -> protect (``sdc``) or OpenDP noise paid from the
    dataset's ε budget (``dp``) -> frozen) -> every frozen period -> publish_release. The DAG runs the
    same plan and pieces as mapped tasks first (:func:`plan_release`), so this step then finds nothing
    new to freeze and publishes. A dp dataset whose budget cannot pay is refused (nothing spent or
    published for it), the others are released, then :class:`pipelines.dp.BudgetExceeded` is raised.
    ``as_of`` (a date, default today in UTC) decides which periods are closed; ``config`` is another
    datasets YAML (default: the shipped one)."""
    from pipelines.dp import BudgetExceeded

    specs, as_of, lateness = release_scope(as_of, datasets, lateness_days, config)
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


def release_scope(as_of: dt.date | None = None, datasets: list[str] | None = None,
                  lateness_days: int | None = None, config=None) -> tuple[list[DatasetSpec], dt.date, int]:
    """The declared datasets to release (all, or those named), the day that decides closure and the lateness."""
    import datetime as dt

    from pipelines.datasets import load_datasets
    from pipelines.datasets.periods import lateness_days as lateness_setting

    specs = [s for s in load_datasets(config) if not datasets or s.name in datasets]
    missing = set(datasets or []) - {s.name for s in specs}
    if missing:
        raise KeyError(f"no dataset {', '.join(sorted(missing))}")
    return specs, as_of or dt.datetime.now(dt.timezone.utc).date(), lateness_setting(lateness_days)


@dataclass
class DatasetPlan:
    """A dataset's periods as the release sees them: closed ones (frozen or due), the new ones among
    them (closed, not frozen yet: the pieces to freeze), open ones, and rows per period and batch."""
    counts: pd.DataFrame  # period, batch_id, n (rows of the chosen episode versions)
    undated: int
    closed: list[str]
    open: list[str]
    new: list[str]

    def batches(self, period: str) -> list[str]:
        return sorted(set(self.counts.loc[self.counts["period"] == period, "batch_id"]))

    def rows(self, period: str) -> int:
        return int(self.counts.loc[self.counts["period"] == period, "n"].sum())


def plan_dataset(workdir: Workdir, spec: DatasetSpec, *, as_of: dt.date, lateness: int) -> DatasetPlan:
    """Which periods of ``spec`` are closed and which of them are not frozen yet. For a dp dataset the
    ε of every new period is checked first, all or nothing (:class:`pipelines.dp.BudgetExceeded`,
    nothing spent), after refunding a spend left by a run killed between spend and freeze."""
    from pipelines import aggregate
    from pipelines.datasets import periods

    counts = aggregate.period_counts(workdir, spec)
    undated = int(counts.loc[counts["period"].isna(), "n"].sum())
    counts = counts[counts["period"].notna()]
    frozen = set(periods.frozen_periods(workdir, spec))
    seen = sorted(set(counts["period"]) | frozen)
    closed = [p for p in seen if p in frozen or periods.is_closed(p, spec.release_period, as_of, lateness)]
    plan = DatasetPlan(counts, undated, closed, [p for p in seen if p not in closed],
                       [p for p in closed if p not in frozen])
    if plan.new and spec.disclosure["method"] == "dp":
        from pipelines.dp.dataset import check_budget
        ledger = _refund_unfrozen(workdir, spec, plan.new)
        check_budget(ledger, spec, plan.new)  # all or nothing, before any spend
    return plan


def _refund_unfrozen(workdir: Workdir, spec, new: list[str]):
    """Refund the spends of new dp periods that a run killed between spend and freeze left (each under
    its piece's lock, so never the spend of a piece being frozen right now); returns the ε ledger."""
    from pipelines.dp import EpsilonLedger
    from pipelines.dp.dataset import refund_unfrozen
    from pipelines.locks import piece_lock

    ledger = EpsilonLedger(workdir.ledger_url())
    for p in new:
        with piece_lock(workdir, piece_name(spec.name, p)):
            refund_unfrozen(workdir, ledger, spec, p)
    return ledger


def piece_name(dataset: str, period: str) -> str:
    return f"{dataset}/{period}"


@holds_release_lock
def plan_release(workdir: Workdir, *, as_of: dt.date | None = None, datasets: list[str] | None = None,
                 lateness_days: int | None = None, config=None) -> list[dict]:
    """The pieces of the next release, for mapped tasks: one ``{dataset, period, batches, rows}`` per closed
    period not frozen yet, of every dataset. A dp dataset its budget cannot pay gets no piece (the
    release step then refuses it, as it would alone)."""
    from pipelines.dp import BudgetExceeded

    specs, as_of, lateness = release_scope(as_of, datasets, lateness_days, config)
    pieces = []
    for spec in specs:
        with stage_context(dataset=spec.name):
            try:
                plan = plan_dataset(workdir, spec, as_of=as_of, lateness=lateness)
            except BudgetExceeded as exc:
                log.warning("%s", exc)
                continue
            pieces += [{"dataset": spec.name, "period": p, "batches": plan.batches(p), "rows": plan.rows(p)}
                       for p in plan.new]
    return pieces


def freeze_pieces(workdir: Workdir, pieces: list[dict], *, workers: int | None = None, config=None,
                  say: Callable[[str], None] = log.info) -> int:
    """Freeze the planned pieces (:func:`plan_release`) as the DAG's mapped tasks do, ``workers`` at once in
    processes (default ``ANDANH_RELEASE_WORKERS``, else the cores), the largest first so the longest piece
    starts at once. Each piece takes its own lock (:func:`freeze_piece`). Every started piece is let finish;
    then the first failure is raised (nothing is published by this call: the release step does that)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    order = sorted(pieces, key=lambda piece: -piece.get("rows", 0))
    workers = min(workers or release_workers(), len(order))
    if workers <= 1:
        for piece in order:
            _freeze_planned(workdir, piece, config, say)
        return len(order)
    say(f"release: {len(order)} pieces in {workers} processes, largest first")
    errors = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver")) as pool:
        running = {pool.submit(_freeze_planned, workdir, piece, config): piece for piece in order}
        for done, future in enumerate(as_completed(running), 1):
            piece = running[future]
            if future.exception() is not None:
                errors.append(future.exception())
                continue
            say(f"release: {piece['dataset']} {piece['period']} frozen ({done}/{len(order)})")
    if errors:
        raise errors[0]
    return len(order)


def release_workers() -> int:
    from pipelines.settings import get_settings

    return get_settings().release_workers or os.cpu_count() or 1


def _freeze_planned(workdir: Workdir, piece: dict, config=None, say: Callable[[str], None] = log.info) -> None:
    [spec], _, _ = release_scope(datasets=[piece["dataset"]], config=config)
    freeze_piece(workdir, spec, piece["period"], list(piece["batches"]), say=say)


def freeze_piece(workdir: Workdir, spec: DatasetSpec, period: str, batches: list[str], *,
                 say: Callable[[str], None] = log.info) -> FrozenPeriod:
    """Freeze one piece of the release, a closed period of a dataset (sdc: inner cells -> protect;
    dp: ε spent, OpenDP noise), under its piece lock (:func:`pipelines.locks.piece_lock`: other pieces
    run at once). Idempotent: a period frozen already is returned as it is (nothing recomputed, no ε
    spent). A failure leaves nothing: the freeze is one rename, a dp spend is refunded, and an sdc
    period with audit findings left is refused (:class:`pipelines.disclose.FindingsLeft`)."""
    from pipelines.datasets import periods
    from pipelines.locks import piece_lock

    with piece_lock(workdir, piece_name(spec.name, period)):
        frozen = periods.load_frozen(workdir, spec, period)
        if frozen is not None:
            return frozen
        if spec.disclosure["method"] == "dp":  # a retried piece whose worker died between spend and freeze
            from pipelines.dp import EpsilonLedger
            from pipelines.dp.dataset import refund_unfrozen
            refund_unfrozen(workdir, EpsilonLedger(workdir.ledger_url()), spec, period)
        return _freeze_period(workdir, spec, period, batches, say)


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
    """One dataset: its plan, its new pieces frozen (sdc: protect; dp: OpenDP noise paid from its ε
    budget), then every frozen period published as one release. When a dp release fails before it is
    in ``published/``, its periods frozen and never published are withdrawn and their ε refunded
    (nothing of them was published)."""
    previous = _published_periods(workdir, spec)
    try:
        plan = plan_dataset(workdir, spec, as_of=as_of, lateness=lateness)
        summary = ReleaseSummary(spec.name, open_periods=plan.open, periods=plan.closed)
        new = {p: freeze_piece(workdir, spec, p, plan.batches(p), say=say) for p in plan.new}
        frozen = _frozen_periods(workdir, spec, plan, new, previous, summary)
        if not frozen:
            say(f"{spec.name}: no closed period yet (open: {', '.join(summary.open_periods) or 'none'})")
            return summary
        _publish(workdir, spec, frozen, summary, lateness, say)
    except BaseException:
        _withdraw(workdir, spec)
        raise
    if spec.disclosure["method"] == "dp":
        from pipelines.dp import EpsilonLedger
        from pipelines.dp.dataset import budget_consumer
        summary.epsilon_remaining = EpsilonLedger(workdir.ledger_url()).remaining(budget_consumer(spec))
    _record(workdir, spec, summary, plan.undated)
    return summary


def _published_periods(workdir: Workdir, spec) -> set[str]:
    """The periods the dataset's current release (``LATEST``) carries."""
    from pipelines.publish import catalog

    folder = workdir.published / spec.name
    version = catalog.read_pointer(folder)
    manifest = catalog.read_manifest(folder / version) if version else None
    return set(((manifest or {}).get("metadata") or {}).get("periods") or [])


def _frozen_periods(workdir: Workdir, spec, plan: DatasetPlan, new: dict, previous: set[str],
                    summary: ReleaseSummary) -> list:
    """Every closed period's frozen tables (``new``: those just frozen); the periods the current release
    does not carry are this release's new ones; late rows held back."""
    from pipelines.datasets import periods

    frozen = []
    for p in plan.closed:
        f = new.get(p) or periods.load_frozen(workdir, spec, p)
        if f is None:
            raise RuntimeError(f"dataset {spec.name}: period {p} was withdrawn while the release ran; run it again")
        if p not in previous:
            summary.new_periods.append(p)
            summary.epsilon_spent += float(f.meta.get("dp", {}).get("epsilon", 0.0))
        frozen.append(f)
        late = plan.counts[(plan.counts["period"] == p) & ~plan.counts["batch_id"].isin(f.batches)]
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

    # the suppression reasons stay in the restricted zone (frozen store); only the flag is published.
    # Tables in the config's order, whether a period was frozen by this run or loaded from the store.
    names = [t.name for t in spec.tables if any(t.name in f.tables for f in frozen)]
    tables = {name: pd.concat([f.tables[name] for f in frozen if name in f.tables], ignore_index=True)
              .drop(columns=["suppression"], errors="ignore") for name in names}
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


def _withdraw(workdir: Workdir, spec) -> None:
    """A dp release that failed before its folder was moved into ``published/``: unfreeze its periods
    that no release published (frozen by this run or by mapped pieces before it) and refund their ε
    (their noise was never published, so it cost nothing). A published period's spend stands."""
    if spec.disclosure["method"] != "dp":
        return
    from pipelines.datasets import periods
    from pipelines.dp import EpsilonLedger
    from pipelines.dp.dataset import published_spends
    from pipelines.locks import piece_lock

    ledger, kept = EpsilonLedger(workdir.ledger_url()), published_spends(workdir, spec.name)
    for p in periods.frozen_periods(workdir, spec):
        with piece_lock(workdir, piece_name(spec.name, p)):
            spend_id = ((periods.frozen_meta(workdir, spec, p) or {}).get("dp") or {}).get("spend_id")
            if spend_id is None or int(spend_id) in kept:
                continue
            periods.unfreeze(workdir, spec, p)
            ledger.refund(int(spend_id))
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
    freeze_pieces(workdir, plan_release(workdir), say=say)  # as the DAG's mapped pieces, several at once
    release(workdir, say=say)
    return summarize(workdir, batch_id)
