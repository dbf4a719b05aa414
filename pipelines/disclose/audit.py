"""Interval audit by linear programming (HiGHS through highspy: one model, warm-started per target).

The attacker's unknowns are the inner cells (non-negative). What they know, as linear constraints:

- every published count of every table of the release, as the interval its rounded value stands for
  (``[r-2, r+2]`` for ``round_to=5``, and at least ``min_count``, since smaller counts are never shown);
- every cell suppressed as small (or zero) lies in ``[0, min_count-1]`` (conservative: the published
  file does not say which suppressed cells are small, the audit assumes the attacker knows);
- cells published by earlier releases (``prior``), as intervals likewise;
- for each sum: every published sum exactly, suppressed ones non-negative.

The attacker is also assumed to know which inner cells are empty (only observed inner cells are
unknowns), which is stronger than reality. For each suppressed cell the LP gives the smallest and largest
value it can take (integer-rounded for counts). A finding is a suppressed cell whose range is narrower
than its protection level:

- a small count (1..min_count-1): range width at least ``min(round_to, min_count-1)``, so it is more
  uncertain than a published rounded count;
- a money or other sum of a small or dominated cell: the range must cover value x (1 +- protection);
- any other suppressed count (secondary): it must not be recoverable exactly (width >= 1). The sums of
  secondary cells are not targets: published sums are exact, so a suppressed large margin's sum can
  often be derived, which tells nothing about a small cell (that is what the sensitive-sum rule checks).

Zero cells are shown as suppressed but are not targets: a range of [0, 0] tells that nobody is in the
cell (an absence), which the audit reports as ``zero_deducible`` in its figures, not as a finding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
import highspy

from pipelines.disclose.cells import PublishedTable, TableRequest, incidence, inner_rows
from pipelines.disclose.params import SdcParams

if TYPE_CHECKING:
    from pipelines.disclose.cells import CellSpace
    from pipelines.disclose.protect import Pattern, ProtectedRelease

TOL = 1e-6


@dataclass
class AuditFinding:
    """A suppressed cell narrowed below its protection level (restricted: holds the true value)."""
    table: str
    cell: int                 # index of the cell (in the release's cell order)
    labels: dict
    measure: str              # "count" or a sum's name
    kind: str                 # "primary" | "secondary" | "dominance"
    value: float
    lower: float
    upper: float
    required: str

    def __str__(self) -> str:  # no value: findings may be logged
        return f"{self.table} {self.labels} {self.measure} ({self.kind}): feasible range too narrow ({self.required})"


def feasible_ranges(cons: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray,
                    targets: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each target row's value over x >= 0 with lo <= cons @ x <= hi.

    One HiGHS model (highspy) for every target: only the objective changes between solves, so each
    solve starts from the previous optimal basis instead of building and presolving a new LP."""
    h = _highs_model(cons, lo, hi)
    n = cons.shape[1]
    targets = sp.csr_matrix(targets)
    mins = np.zeros(targets.shape[0])
    maxs = np.zeros(targets.shape[0])
    previous = np.array([], dtype=np.int32)
    for i in range(targets.shape[0]):
        row = targets.getrow(i)
        h.changeColsCost(len(previous), previous, np.zeros(len(previous)))
        h.changeColsCost(row.nnz, row.indices.astype(np.int32), row.data.astype(float))
        previous = row.indices.astype(np.int32)
        for sense, out in ((highspy.ObjSense.kMinimize, mins), (highspy.ObjSense.kMaximize, maxs)):
            h.changeObjectiveSense(sense)
            out[i] = _solve(h, maximise=sense == highspy.ObjSense.kMaximize, columns=n)
    return mins, maxs


def _highs_model(cons: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> "highspy.Highs":
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    n = cons.shape[1]
    h.addCols(n, np.zeros(n), np.zeros(n), np.full(n, inf), 0, np.array([], np.int32), np.array([], np.int32),
              np.array([], float))
    cons = sp.csr_matrix(cons)
    row_lo = np.where(np.isfinite(lo), lo, -inf)
    row_hi = np.where(np.isfinite(hi), hi, inf)
    h.addRows(cons.shape[0], row_lo.astype(float), row_hi.astype(float), cons.nnz,
              cons.indptr[:-1].astype(np.int32), cons.indices.astype(np.int32), cons.data.astype(float))
    return h


def _solve(h: "highspy.Highs", *, maximise: bool, columns: int) -> float:
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value)
    if maximise and status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return np.inf
    raise RuntimeError(f"interval audit LP failed ({h.modelStatusToString(status)}); "
                       "are the constraints consistent?")


@dataclass
class AuditInput:
    """Everything the audit needs, over cells x inner rows (built from a release or from protect)."""
    M: sp.csr_matrix           # cells x inner rows
    true_count: np.ndarray
    true_sums: dict[str, np.ndarray]
    shown_count: np.ndarray    # published rounded count, NaN if suppressed
    count_suppressed: np.ndarray
    sum_suppressed: np.ndarray
    kind: np.ndarray           # None | primary | secondary | dominance
    constraint: np.ndarray     # cell enters the attacker's constraints (margins do not with totals=published)
    table: np.ndarray
    labels: list[dict] | None
    shown_sums: dict[str, np.ndarray]
    prior: sp.csr_matrix
    prior_lo: np.ndarray
    prior_hi: np.ndarray


def run_audit(a: AuditInput, params: SdcParams, sums: list[str], table_names: list[str],
              label_of=None) -> tuple[list[AuditFinding], dict]:
    below, above = params.rounding_half_width
    m = params.min_count
    small_or_zero = a.count_suppressed & (np.rint(a.true_count) < m)
    use = a.constraint
    pub = use & ~a.count_suppressed
    lo = np.concatenate([np.maximum(a.shown_count[pub] - below, m), np.zeros(int((use & small_or_zero).sum())),
                         a.prior_lo])
    hi = np.concatenate([a.shown_count[pub] + above, np.full(int((use & small_or_zero).sum()), m - 1.0), a.prior_hi])
    cons = sp.vstack([a.M[np.flatnonzero(pub)], a.M[np.flatnonzero(use & small_or_zero)], a.prior], format="csr")
    findings: list[AuditFinding] = []
    figures = {"checked": 0, "zero_deducible": 0}
    targets = np.flatnonzero(a.count_suppressed & (a.true_count > 0))
    zero_sup = np.flatnonzero(a.count_suppressed & (np.rint(a.true_count) == 0) & (np.diff(a.M.indptr) > 0))
    all_t = np.concatenate([targets, zero_sup])
    if len(all_t):
        mins, maxs = feasible_ranges(cons, lo, hi, a.M[all_t])
        figures["zero_deducible"] = int(np.sum(maxs[len(targets):] < 0.5))
        mins, maxs = mins[:len(targets)], maxs[:len(targets)]
        lo_i, hi_i = np.ceil(mins - TOL), np.floor(maxs + TOL)
        need = min(params.round_to, m - 1)
        for t, low, high in zip(targets, lo_i, hi_i):
            small = a.true_count[t] < m
            ok = (high - low >= need) if small else (high - low >= 1)
            if not ok:
                findings.append(_finding(a, t, "count", "primary" if small else "secondary", a.true_count[t], low, high,
                                         f"width >= {need if small else 1}", table_names, label_of))
        figures["checked"] += len(targets)
    for s in sums:
        findings += _audit_sum(a, s, params, table_names, label_of, figures)
    return findings, figures


def _audit_sum(a: AuditInput, s: str, params: SdcParams, table_names, label_of, figures) -> list[AuditFinding]:
    scale = float(np.max(np.abs(a.true_sums[s]))) or 1.0
    use = a.constraint
    pub = use & ~a.sum_suppressed
    values = a.shown_sums[s][pub] / scale
    cons = a.M[np.flatnonzero(pub)]
    sensitive = (a.true_count < params.min_count) | (a.kind == "dominance")
    targets = np.flatnonzero(a.sum_suppressed & sensitive & (a.true_count > 0) & (a.true_sums[s] > 0))
    if not len(targets):
        return []
    mins, maxs = feasible_ranges(cons, values, values.copy(), a.M[targets])
    figures["checked"] += len(targets)
    out = []
    p = params.protection
    for t, low, high in zip(targets, mins * scale, maxs * scale):
        v = a.true_sums[s][t]
        ok = low <= v * (1 - p) + TOL * scale and high >= v * (1 + p) - TOL * scale
        need = f"range covers value x (1 +- {p})"
        if not ok:
            out.append(_finding(a, t, s, "primary" if a.true_count[t] < params.min_count else str(a.kind[t]),
                                v, low, high, need, table_names, label_of))
    return out


def _finding(a: AuditInput, t: int, measure: str, kind: str, value, low, high, need, table_names, label_of) -> AuditFinding:
    labels = label_of(t) if label_of else (a.labels[t] if a.labels else {})
    return AuditFinding(table_names[a.table[t]], int(t), labels, measure, kind, float(value), float(low), float(high),
                        need)


def audit_space(space: CellSpace, pattern: Pattern, params: SdcParams, prior_cols: sp.csc_matrix,
                prior_lo: np.ndarray, prior_hi: np.ndarray, sums: list[str]) -> tuple[list[AuditFinding], int]:
    """The audit on protect's own cells (used inside :func:`protect` to iterate)."""
    from pipelines.disclose.protect import rounded

    shown = np.where(pattern.count_suppressed, np.nan, rounded(space.count, params.round_to).astype(float))
    kind = np.full(space.n_cells, None, dtype=object)
    kind[pattern.sum_suppressed] = "dominance"
    kind[pattern.count_suppressed] = "secondary"
    a = AuditInput(M=space.X.T.tocsr(), true_count=space.count, true_sums=space.sums, shown_count=shown,
                   count_suppressed=pattern.count_suppressed, sum_suppressed=pattern.sum_suppressed, kind=kind,
                   constraint=np.ones(space.n_cells, bool) if params.totals == "true" else space.depth == 0,
                   table=space.table_of, labels=None, shown_sums=space.sums,
                   prior=prior_cols.T.tocsr(), prior_lo=prior_lo, prior_hi=prior_hi)

    def label_of(t: int) -> dict:
        table = space.tables[space.table_of[t]]
        return table.labels.iloc[t - table.start].to_dict()

    findings, figures = run_audit(a, params, sums, [t.name for t in space.tables], label_of)
    return findings, figures["checked"]


def audit_intervals(release: ProtectedRelease, inner: pd.DataFrame, tables: list[TableRequest], *,
                    prior: list[PublishedTable] | None = None) -> list[AuditFinding]:
    """Audit a protected release from its output tables alone (independent of how it was protected):
    each output row is mapped back to the inner cells it sums, published values become constraints,
    and every suppressed cell's feasible range is computed. Returns the findings (empty = protected)."""
    findings, _ = audit_release(release, inner, tables, prior=prior)
    return findings


def audit_release(release: ProtectedRelease, inner: pd.DataFrame, tables: list[TableRequest], *,
                  prior: list[PublishedTable] | None = None) -> tuple[list[AuditFinding], dict]:
    """:func:`audit_intervals` plus the audit's figures (cells checked, zero cells deducible as zero)."""
    params, count, sums = release.params, release.count, release.sums
    columns = list(dict.fromkeys([*(c for t in tables for c in t.columns),
                                  *(c for t in (prior or []) for c in t.dimensions if c in inner.columns)]))
    money = [s for s in sums if f"{s}__max1" in inner.columns]
    rows = inner_rows(inner, columns, count, sums, money)
    mats, frames, table_idx = [], [], []
    for i, t in enumerate(tables):
        frame = release.tables[t.name]
        mats.append(incidence(rows, frame, t.columns))
        frames.append(frame.assign(__interior=frame[t.dimensions].astype(str).ne("*").all(axis=1)))
        table_idx.append(np.full(len(frame), i))
    M = sp.vstack(mats, format="csr")
    allf = pd.concat(frames, ignore_index=True)
    true_count = M @ rows[count].to_numpy(float)
    prior_m, prior_lo, prior_hi = _prior_rows(rows, prior or [], count, params)
    a = AuditInput(M=M, true_count=true_count, true_sums={s: M @ rows[s].to_numpy(float) for s in sums},
                   shown_count=allf[count].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                   count_suppressed=allf["suppressed"].to_numpy(bool),
                   sum_suppressed=np.column_stack([allf[s].isna().to_numpy() for s in sums]).any(axis=1)
                   if sums else allf["suppressed"].to_numpy(bool),
                   kind=allf["suppression"].to_numpy(dtype=object),
                   constraint=np.ones(len(allf), bool) if params.totals == "true" else allf["__interior"].to_numpy(bool),
                   table=np.concatenate(table_idx), labels=None,
                   shown_sums={s: allf[s].astype("Float64").to_numpy(dtype=float, na_value=0.0) for s in sums},
                   prior=prior_m, prior_lo=prior_lo, prior_hi=prior_hi)
    label_cols = list(dict.fromkeys(c for t in tables for c in t.columns))
    return run_audit(a, params, sums, [t.name for t in tables],
                     lambda t: {c: v for c, v in allf.iloc[t][label_cols].items() if pd.notna(v)})


def _prior_rows(rows: pd.DataFrame, prior: list[PublishedTable], count: str,
                params: SdcParams) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    below, above = params.rounding_half_width
    mats, lo, hi = [], [], []
    for table in prior:
        frame = table.frame[table.frame[count].notna()].reset_index(drop=True)
        if frame.empty:
            continue
        mats.append(incidence(rows, frame, table.dimensions))
        v = frame[count].astype(float).to_numpy()
        lo.append(np.maximum(v - below, params.min_count))
        hi.append(v + above)
    if not mats:
        return sp.csr_matrix((0, len(rows))), np.zeros(0), np.zeros(0)
    return sp.vstack(mats, format="csr"), np.concatenate(lo), np.concatenate(hi)
