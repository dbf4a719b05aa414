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

import contextlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
import highspy

from pipelines.disclose.cells import PublishedTable, TableCells, TableRequest, incidence, inner_rows, table_cells
from pipelines.disclose.params import SdcParams
from pipelines.disclose.witness import (Lattice, Witness, build_lattice, empty_interior, free_witnesses,
                                        lattice_cells, witness_matrix)

if TYPE_CHECKING:
    from pipelines.disclose.cells import CellSpace
    from pipelines.disclose.protect import Pattern, ProtectedRelease

TOL = 1e-6
NOISE = 1e-9   # x a measure's scale: rounding error allowed to an LP point (the LP itself is feasible to 1e-7)
# certificate searches: weight on small cells, also single inner rows, one search per cell not yet moved
PASSES = ((1.0, False, True), (10.0, True, True))
BLOCK_ROWS = (0, 400)  # local LPs: the directions' own rows, then blocks widened by one hop up to 400 rows
POINT_BATCH, POINT_TRIES = 100, 2   # LP points: cells pushed together in one solve, batches a cell may be in
POINT_PATIENCE = 3   # LP points: batches in a row that shorten no side before the stage gives up
POINT_SHARE = 0.1    # LP points: share of the audit's time left they may take when witness directions exist


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


def feasible_ranges(cons: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray, targets: sp.csr_matrix,
                    deadline: float | None = None,
                    known: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each target row's value over x >= 0 with lo <= cons @ x <= hi.

    One HiGHS model (highspy) for every target: only the objective changes between solves, so each
    solve starts from the previous optimal basis instead of building and presolving a new LP. Targets
    not reached by ``deadline`` (``time.perf_counter()``) get NaN. ``known``: a min and a max per target
    that are enough already (NaN: solve that side), e.g. a certified bound."""
    targets = sp.csr_matrix(targets)
    mins = np.full(targets.shape[0], np.nan) if known is None else np.array(known[0], dtype=float)
    maxs = np.full(targets.shape[0], np.nan) if known is None else np.array(known[1], dtype=float)
    if deadline is not None and time.perf_counter() > deadline:
        return _both_sides(mins, maxs)
    h = _highs_model(cons, lo, hi)
    previous = np.array([], dtype=np.int32)
    for i in range(targets.shape[0]):
        if deadline is not None and time.perf_counter() > deadline:
            break
        row = targets.getrow(i)
        h.changeColsCost(len(previous), previous, np.zeros(len(previous)))
        h.changeColsCost(row.nnz, row.indices.astype(np.int32), row.data.astype(float))
        previous = row.indices.astype(np.int32)
        for sense, out in ((highspy.ObjSense.kMinimize, mins), (highspy.ObjSense.kMaximize, maxs)):
            if not np.isnan(out[i]):
                continue
            h.changeObjectiveSense(sense)
            if deadline is not None:   # one solve may be long: HiGHS stops it at the deadline
                h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 1e-3))
            out[i] = _solve(h, maximise=sense == highspy.ObjSense.kMaximize)
    return _both_sides(mins, maxs)


def _both_sides(mins: np.ndarray, maxs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A target with either side unknown (NaN) is unaudited on both: one side known from a certificate
    and the other not reached must never read as a range (a NaN side failed every check: a finding)."""
    mins[np.isnan(maxs)] = np.nan
    maxs[np.isnan(mins)] = np.nan
    return mins, maxs


_BANNER_SHOWN = False


def new_highs() -> "highspy.Highs":
    """A silent HiGHS instance. HiGHS prints its banner to the C-level stdout when the first instance of
    a process is made, before any option can be set; that would corrupt the stdout of CLI commands
    (``andanh release --json | jq``), so the first construction runs with file descriptor 1 on
    ``/dev/null``."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        with _stdout_to_devnull():
            h = highspy.Highs()
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


@contextlib.contextmanager
def _stdout_to_devnull():
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _highs_model(cons: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> "highspy.Highs":
    """A HiGHS model of ``lo <= cons @ x <= hi``, x >= 0 (objective zero); solve it with :func:`_run`."""
    h = new_highs()
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


def _run(h: "highspy.Highs") -> None:
    """Solve; the first solve of a model with presolve and the dual simplex (without presolve it took
    8.6 s against 1.1 s on a 2,001-column block of the 500k-cell benchmark), every later one with the
    primal simplex from the last basis and no presolve: only the objective changes between solves, so that
    basis stays primal feasible (the dual simplex after presolve started over: 2.3 s against 0.04 s a
    solve)."""
    h.run()
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_strategy", 4)


def _solve(h: "highspy.Highs", *, maximise: bool) -> float:
    _run(h)
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value)
    if maximise and status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return np.inf
    if status == highspy.HighsModelStatus.kTimeLimit:
        return np.nan
    raise RuntimeError(f"interval audit LP failed ({h.modelStatusToString(status)}); "
                       "are the constraints consistent?")


class Certificates:
    """Lower bounds on feasible ranges without a per-cell LP: directions ``d`` over the inner rows, each
    checked by an exact ratio test against every constraint of the audit. The true inner cells ``x``
    satisfy every constraint, so when ``x + t d`` is feasible for ``t`` in ``[-t_minus, t_plus]``, every
    cell moved by ``c = M d`` can take the values ``v - t_minus c .. v + t_plus c``; the feasible set is
    convex, so the audit's range of a cell contains the widest reach up and down over all directions.

    The steps come from :func:`system_steps` over the attacker's whole system for each measure (counts:
    every published and earlier-published count within the interval its rounded value stands for, small
    suppressed cells within ``[0, min_count-1]``, inner cells non-negative; sums: every published and
    earlier-published cell unchanged, inner sums non-negative), so a certificate never depends on how a
    direction was found. Two sources of directions: witnesses of :mod:`pipelines.disclose.witness` over the
    published pattern (integer, sparse; they leave every published cell unchanged) when the release's
    tables form one lattice, and feasible points of the audit's LP (:meth:`add_points`, ``d = x' - x``)
    for the cells still short. Cells whose certified reach is too short go to the LP, which alone
    reports findings."""

    def __init__(self, a: AuditInput, bounded: np.ndarray, bound_hi: float, sums: list[str],
                 system: tuple[sp.csr_matrix, np.ndarray, np.ndarray]) -> None:
        self.a, self.bounded, self.bound_hi, self.sums = a, bounded, bound_hi, sums
        self.systems = {"count": (*system, a.row_count, 1.0), **{s: _sum_system(a, s) for s in sums}}
        self.Z = sp.csr_matrix((a.M.shape[0], 0))
        self.Y = sp.csc_matrix((a.M.shape[1], 0))
        self.sparse = np.zeros(0, dtype=bool)     # witness directions (the local LPs' blocks are made of them)
        self.steps: dict[str, tuple[np.ndarray, np.ndarray]] = {k: (np.zeros(0), np.zeros(0)) for k in ["count", *sums]}
        self.n_directions = 0
        view = a.lattice
        if view is not None:
            fixed = a.constraint & (~a.count_suppressed | ~a.sum_suppressed)
            self.barred = np.zeros(view.lat.size, dtype=bool)
            self.barred[bounded_cells(view, fixed)] = True
            self.barred[view.known | empty_interior(view.lat)] = True
            # a small cell bounds the step by its slack (0 for a zero cell on one side): the search avoids it
            v = a.true_count[bounded]
            self.tightness = np.zeros(view.lat.size)
            np.maximum.at(self.tightness, view.cell[bounded][view.cell[bounded] >= 0],
                          1.0 / (1.0 + np.minimum(v, bound_hi - v)[view.cell[bounded] >= 0]))

    def cost(self, weight: float) -> np.ndarray:
        """Search cost over the lattice: ``inf`` on cells that must not move, ``weight`` x tightness on
        small cells, 0 elsewhere."""
        return np.where(self.barred, np.inf, weight * self.tightness)

    @classmethod
    def find(cls, a: AuditInput, targets: np.ndarray, bounded: np.ndarray, sums: list[str],
             sum_targets: dict[str, np.ndarray], bound_hi: float,
             short: Callable[[Certificates], np.ndarray], *,
             system: tuple[sp.csr_matrix, np.ndarray, np.ndarray]) -> Certificates:
        """Witness directions for ``targets`` and every sum's targets (``system``: the count constraints of
        :func:`count_system`): finest cells first, one search per cell not moved by an earlier direction;
        then (``PASSES``), for the cells still ``short`` (a callback: audit cells whose certified reach is
        too small), searches that avoid small cells more strongly and also try single inner rows. Without a
        lattice there are no witnesses (:meth:`add_points` still applies)."""
        cert = cls(a, bounded, bound_hi, sums, system)
        if a.lattice is None:
            return cert
        cells = np.unique(np.concatenate([targets, *sum_targets.values()]).astype(np.int64))
        for weight, one_row, cover in PASSES:
            cells = cells[np.argsort(np.diff(a.M.indptr)[cells], kind="stable")]
            lattice = a.lattice.cell[cells]
            cert.add(free_witnesses(a.lattice.lat, cert.cost(weight), lattice[lattice >= 0], one_row=one_row,
                                    cover=cover))
            cells = short(cert)
            if not len(cells):
                break
        return cert

    def add(self, witnesses: list[Witness]) -> None:
        """Witnesses of the lattice search as directions."""
        if witnesses:
            self.add_directions(witness_matrix(self.a.lattice.lat, witnesses, self.a.M.shape[1]), sparse=True)

    def add_directions(self, Y: sp.csc_matrix, *, sparse: bool = False) -> None:
        """Directions (columns of ``Y``, inner rows x directions), with their steps for every measure."""
        if not Y.shape[1]:
            return
        Y = sp.csc_matrix(Y)
        for measure, (cons, lo, hi, x, scale) in self.systems.items():
            self._append(measure, *system_steps(cons, lo, hi, x, Y, NOISE * scale))
        Z = (self.a.M @ Y).tocsr()
        size = np.zeros(Y.shape[1])
        np.maximum.at(size, np.repeat(np.arange(Y.shape[1]), np.diff(Y.indptr)), np.abs(Y.data))
        Z.data[np.abs(Z.data) <= NOISE * size[Z.indices]] = 0.0   # float noise of M @ d, not a move
        Z.eliminate_zeros()
        self.Z = sp.hstack([self.Z, Z], format="csr")
        self.Y = sp.hstack([self.Y, Y], format="csc")
        self.sparse = np.concatenate([self.sparse, np.full(Y.shape[1], sparse)])
        self.n_directions += Y.shape[1]

    def add_points(self, measure: str, models: tuple["highspy.Highs", "highspy.Highs"], scale: float,
                   up: np.ndarray, up_weight: np.ndarray, down: np.ndarray, down_weight: np.ndarray,
                   deadline: float | None) -> int:
        """Directions to two optimal points of the audit's LP of ``measure`` (``models``: two HiGHS models of
        it over the inner rows, values divided by ``scale``, one for each sense so that each goes on from its
        last basis): one maximising the weighted sum of the cells ``up``, one minimising that of ``down``.
        ``d = x' - x`` for each point ``x'``; its steps come from the same ratio test as every direction
        (so a point HiGHS got slightly wrong only shortens them). Returns the number of directions added."""
        x = self.systems[measure][3]
        cols = []
        for h, sense, cells, weight in ((models[0], highspy.ObjSense.kMaximize, up, up_weight),
                                        (models[1], highspy.ObjSense.kMinimize, down, down_weight)):
            if not len(cells) or (deadline is not None and time.perf_counter() > deadline):
                continue
            objective = np.asarray(self.a.M[cells].T @ weight).ravel()
            h.changeColsCost(len(objective), np.arange(len(objective), dtype=np.int32), objective)
            h.changeObjectiveSense(sense)
            if deadline is not None:
                h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 1e-3))
            _run(h)
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                continue
            d = np.asarray(h.getSolution().col_value) * scale - x
            d[np.abs(d) <= NOISE * scale] = 0.0
            if np.any(d):
                cols.append(sp.csc_matrix(d[:, None]))
        if cols:
            self.add_directions(sp.hstack(cols, format="csc"))
        return len(cols)

    def local_ranges(self, cons: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray, x: np.ndarray,
                     cells: np.ndarray, deadline: float | None = None,
                     block_rows: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The audit's LP restricted to a small block per cell (every inner row outside it fixed at its
        true value, so each range lies inside the full LP's range): the rows of the directions that move
        the cell and, when that stays within ``block_rows`` rows, of the directions that share a row with
        them. Cells that no direction moves get ``(+inf, -inf)`` (nothing certified)."""
        mins, maxs = np.full(len(cells), np.inf), np.full(len(cells), -np.inf)
        if not self.n_directions or not len(cells):
            return mins, maxs
        a = self.a
        Yc, Yr = self.Y.tocsc(), self.Y.tocsr()
        Zt = self.Z[cells]
        cons_c, cons_x = sp.csc_matrix(cons), cons @ x
        Mt = a.M[cells].tocsr()
        blocks: dict[bytes, list[int]] = {}
        for i in range(len(cells)):
            dirs = Zt.indices[Zt.indptr[i]:Zt.indptr[i + 1]]
            dirs = dirs[self.sparse[dirs]]
            if len(dirs):
                blocks.setdefault(np.sort(dirs).tobytes(), []).append(i)
        for key, members in blocks.items():
            if deadline is not None and time.perf_counter() > deadline:
                break
            rows = np.unique(Yc[:, np.frombuffer(key, dtype=dirs.dtype)].indices)
            if block_rows:
                wider = np.unique(Yc[:, np.unique(Yr[rows].indices)].indices)
                rows = wider if len(wider) <= block_rows else rows
            sub, touch = _block_constraints(cons_c, rows)
            fixed = cons_x[touch] - sub @ x[rows]
            tgt = Mt[members][:, rows]
            const = Mt[members] @ x - tgt @ x[rows]
            low, high = feasible_ranges(sub, lo[touch] - fixed, hi[touch] - fixed, tgt, deadline)
            done = ~np.isnan(low)
            mins[np.asarray(members)[done]], maxs[np.asarray(members)[done]] = (low + const)[done], (high + const)[done]
        return mins, maxs

    def _append(self, measure: str, plus: np.ndarray, minus: np.ndarray) -> None:
        p, m = self.steps[measure]
        self.steps[measure] = (np.concatenate([p, plus]), np.concatenate([m, minus]))

    def reach(self, cells: np.ndarray, measure: str = "count") -> tuple[np.ndarray, np.ndarray]:
        """How far up and down each of ``cells`` provably moves within the audit's constraints."""
        up, down = np.zeros(len(cells)), np.zeros(len(cells))
        if not self.n_directions or not len(cells):
            return up, down
        plus, minus = self.steps[measure]
        Zt = self.Z[cells]
        row = np.repeat(np.arange(len(cells)), np.diff(Zt.indptr))
        c, j = Zt.data, Zt.indices
        np.maximum.at(up, row, np.where(c > 0, plus[j] * c, minus[j] * -c))
        np.maximum.at(down, row, np.where(c > 0, minus[j] * c, plus[j] * -c))
        return up, down


def _block_constraints(cons_c: sp.csc_matrix, rows: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """The constraints that involve any of ``rows`` (their indices) restricted to those rows, built from
    the column slice alone (converting the slice of every constraint to rows cost 3 ms a block)."""
    sub = cons_c[:, rows]
    touch = np.unique(sub.indices)
    cols = np.repeat(np.arange(len(rows)), np.diff(sub.indptr))
    return sp.csr_matrix((sub.data, (np.searchsorted(touch, sub.indices), cols)),
                         shape=(len(touch), len(rows))), touch


def bounded_cells(view: LatticeView, mask: np.ndarray) -> np.ndarray:
    """Lattice cells of the audit cells in ``mask``."""
    cells = view.cell[mask]
    return cells[cells >= 0]


def system_steps(cons: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray, x: np.ndarray, Y: sp.csc_matrix,
                 tolerance: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The ratio test: per direction ``d`` (column of ``Y``) the largest ``t`` with ``x + t d`` feasible
    (``lo - tolerance <= cons @ (x + t d) <= hi + tolerance`` and ``x + t d >= 0``), and the largest with
    ``x - t d`` feasible; ``x`` must be feasible. ``tolerance`` absorbs the rounding error of a point from
    the LP (far below the LP's own feasibility tolerance, so a certified range stays inside the LP's)."""
    plus, minus = _row_steps(Y, x)
    C = sp.csr_matrix(cons @ Y)
    C.eliminate_zeros()
    row = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    c, j = C.data, C.indices
    base = cons @ x
    room_up = np.maximum(hi - base, 0.0)[row] + tolerance
    room_down = np.maximum(base - lo, 0.0)[row] + tolerance
    np.minimum.at(plus, j, np.where(c > 0, room_up, room_down) / np.abs(c))
    np.minimum.at(minus, j, np.where(c > 0, room_down, room_up) / np.abs(c))
    return plus, minus


def _row_steps(Y: sp.csc_matrix, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest t with x + t d >= 0 and with x - t d >= 0, per direction d (column of ``Y``)."""
    col = np.repeat(np.arange(Y.shape[1]), np.diff(Y.indptr))
    d = Y.data
    ratio = np.maximum(x[Y.indices], 0.0) / np.abs(d)
    plus, minus = np.full(Y.shape[1], np.inf), np.full(Y.shape[1], np.inf)
    np.minimum.at(plus, col[d < 0], ratio[d < 0])
    np.minimum.at(minus, col[d > 0], ratio[d > 0])
    return plus, minus


def _sum_system(a: AuditInput, s: str) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, float]:
    """Constraints a direction must keep for sum ``s``: every published sum and every earlier-published
    cell unchanged (as values: ``lo = hi``), with the inner sums and the sum's scale."""
    cons = sp.vstack([a.M[np.flatnonzero(a.constraint & ~a.sum_suppressed)], a.prior], format="csr")
    x = a.row_sums[s]
    value = cons @ x
    return cons, value, value.copy(), x, float(np.max(np.abs(a.true_sums[s]), initial=0.0)) or 1.0


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
    row_count: np.ndarray                  # true count of every inner row (the LP's unknowns)
    row_sums: dict[str, np.ndarray]
    lattice: LatticeView | None = None     # for witness certificates; None: no witnesses
    certify: bool = True                   # False: no certificates at all, every target goes to the LP


@dataclass
class LatticeView:
    """The audit's cells as cells of the witness lattice (:mod:`pipelines.disclose.witness`)."""
    lat: Lattice
    cell: np.ndarray           # lattice cell of every audit cell (-1: not on the lattice)
    known: np.ndarray          # lattice cells published by earlier releases (bool over the lattice)


def count_system(a: AuditInput, params: SdcParams) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """The attacker's constraints on the counts (``lo <= cons @ x <= hi``, x >= 0) and the cells bounded
    as small (suppressed with a true count below ``min_count``, in ``[0, min_count-1]``)."""
    below, above = params.rounding_half_width
    m = params.min_count
    bounded = a.constraint & a.count_suppressed & (np.rint(a.true_count) < m)
    pub = a.constraint & ~a.count_suppressed
    lo = np.concatenate([np.maximum(a.shown_count[pub] - below, m), np.zeros(int(bounded.sum())), a.prior_lo])
    hi = np.concatenate([a.shown_count[pub] + above, np.full(int(bounded.sum()), m - 1.0), a.prior_hi])
    cons = sp.vstack([a.M[np.flatnonzero(pub)], a.M[np.flatnonzero(bounded)], a.prior], format="csr")
    return cons, lo, hi, bounded


def run_audit(a: AuditInput, params: SdcParams, sums: list[str], table_names: list[str],
              label_of=None, deadline: float | None = None,
              carry: dict | None = None) -> tuple[list[AuditFinding], dict]:
    """Certificates, then local LPs, then the full LP for every target left; targets the LP did not
    reach by ``deadline`` are counted as ``unaudited`` (never as protected). ``carry`` (a dict, over the
    same inner rows): the directions of an earlier audit are tried first and this audit's are left in it;
    protect's rounds only withhold more cells, so the true cells stay feasible and every direction gets
    its steps again from this audit's ratio test."""
    m = params.min_count
    cons, lo, hi, bounded = count_system(a, params)
    findings: list[AuditFinding] = []
    figures = {"checked": 0, "zero_deducible": 0, "certified": 0, "by_points": 0, "local": 0, "lp": 0,
               "unaudited": 0, "directions": 0, "points": 0, "seconds_certify": 0.0, "seconds_points": 0.0,
               "seconds_local": 0.0, "seconds_lp": 0.0}
    targets = np.flatnonzero(a.count_suppressed & (a.true_count > 0))
    zero_sup = np.flatnonzero(a.count_suppressed & (np.rint(a.true_count) == 0) & (np.diff(a.M.indptr) > 0))
    all_t = np.concatenate([targets, zero_sup])
    need = min(params.round_to, m - 1)
    small_t = a.true_count[targets] < m
    sum_targets = {s: _sum_targets(a, s, params) for s in sums}
    required = np.concatenate([np.where(small_t, need, 1), np.full(len(zero_sup), 0.5)])

    def count_certified(cert: Certificates) -> np.ndarray:
        up, down = cert.reach(all_t)
        width = np.concatenate([np.floor(up[:len(targets)] + TOL) + np.floor(down[:len(targets)] + TOL),
                                up[len(targets):]])
        return width >= required - TOL

    def short(cert: Certificates) -> np.ndarray:
        left = [all_t[~count_certified(cert)]]
        left += [t[~_sum_certified(cert, a, s, t, params.protection)] for s, t in sum_targets.items()]
        return np.unique(np.concatenate(left))

    def count_sides(cert: Certificates) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        up, down = cert.reach(all_t)
        short, v = ~count_certified(cert), a.true_count[all_t]
        grow_up = short & (up < np.where(v < m, m - 1.0 - v, np.inf) - TOL)   # small cells stay below m
        grow_down = short & (down < v - TOL)
        return all_t[grow_up], np.ones(int(grow_up.sum())), all_t[grow_down], np.ones(int(grow_down.sum()))

    started = time.perf_counter()
    cert = Certificates.find(a, all_t, bounded, sums, sum_targets, m - 1.0, short, system=(cons, lo, hi))
    if carry and a.certify:
        cert.add_directions(carry["Y"][:, ~carry["sparse"]])
    certified = count_certified(cert)
    figures["seconds_certify"] += time.perf_counter() - started
    figures["directions"] = cert.n_directions
    started = time.perf_counter()
    if a.certify and not certified.all():
        _point_rounds(cert, "count", (cons, lo, hi), 1.0, lambda: count_sides(cert), deadline)
        before, certified = int(certified[:len(targets)].sum()), count_certified(cert)
        figures["by_points"] += int(certified[:len(targets)].sum()) - before
    figures["seconds_points"] += time.perf_counter() - started
    rest = np.flatnonzero(~certified)
    if len(rest):
        for block_rows in BLOCK_ROWS:
            started = time.perf_counter()
            mins, maxs = cert.local_ranges(cons, lo, hi, a.row_count, all_t[rest], deadline, block_rows)
            lo_i, hi_i = np.ceil(mins - TOL), np.floor(maxs + TOL)
            local = hi_i - lo_i >= required[rest] - TOL
            local[rest >= len(targets)] = maxs[rest >= len(targets)] >= 0.5
            figures["local"] += int(local[rest < len(targets)].sum())
            certified[rest[local]] = True
            rest = rest[~local]
            figures["seconds_local"] += time.perf_counter() - started
    if len(rest):
        started = time.perf_counter()
        mins, maxs = feasible_ranges(cons, lo, hi, a.M[all_t[rest]], deadline)
        figures["seconds_lp"] += time.perf_counter() - started
        is_zero = rest >= len(targets)
        figures["unaudited"] += int(np.isnan(mins[~is_zero]).sum())
        keep = ~np.isnan(mins)
        rest, mins, maxs, is_zero = rest[keep], mins[keep], maxs[keep], is_zero[keep]
        figures["zero_deducible"] = int(np.sum(maxs[is_zero] < 0.5))
        lo_i, hi_i = np.ceil(mins - TOL), np.floor(maxs + TOL)
        for i, low, high in zip(rest[~is_zero], lo_i[~is_zero], hi_i[~is_zero]):
            t, small = targets[i], bool(small_t[i])
            ok = (high - low >= need) if small else (high - low >= 1)
            if not ok:
                findings.append(_finding(a, t, "count", "primary" if small else "secondary", a.true_count[t], low, high,
                                         f"width >= {need if small else 1}", table_names, label_of))
    figures["checked"] += len(targets)
    figures["certified"] += int(certified[:len(targets)].sum())
    figures["lp"] += int((~certified[:len(targets)]).sum())
    for s in sums:
        findings += _audit_sum(a, s, params, table_names, label_of, figures, sum_targets[s], cert, deadline)
    figures["points"] = int((~cert.sparse).sum())
    if carry is not None:
        carry.update(Y=cert.Y, sparse=cert.sparse)
    for k in ("seconds_certify", "seconds_points", "seconds_local", "seconds_lp"):
        figures[k] = round(figures[k], 3)
    return findings, figures


def _point_rounds(cert: Certificates, measure: str, system: tuple[sp.csr_matrix, np.ndarray, np.ndarray],
                  scale: float, sides: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
                  deadline: float | None) -> None:
    """LP points (:meth:`Certificates.add_points`) for ``measure`` (``system``: its LP's constraints), a batch
    of at most ``POINT_BATCH`` of the cells ``sides()`` says are still short at a time (cells to push up and
    their weights, cells to push down and theirs), each cell in at most ``POINT_TRIES`` batches per side,
    until none is left, ``POINT_PATIENCE`` batches in a row shortened no side, or the stage's time is up
    (:func:`_points_deadline`)."""
    stop = _points_deadline(cert, deadline)
    models = (_highs_model(*system), _highs_model(*system))
    tried = np.zeros((2, cert.a.M.shape[0]), dtype=np.int64)
    idle, left = 0, np.inf
    while stop is None or time.perf_counter() < stop:
        current = sides()
        short = len(current[0]) + len(current[2])
        idle = idle + 1 if short >= left else 0
        if idle >= POINT_PATIENCE:
            return
        left, batch = short, []
        for side, (cells, weight) in enumerate(zip(*[iter(current)] * 2)):
            keep = tried[side, cells] < POINT_TRIES
            cells, weight = cells[keep], weight[keep]
            pick = np.unique(np.linspace(0, len(cells) - 1, min(POINT_BATCH, len(cells))).astype(np.int64))
            tried[side, cells[pick]] += 1
            batch += [cells[pick], weight[pick]]
        if not len(batch[0]) and not len(batch[2]):
            return
        cert.add_points(measure, models, scale, *batch, stop)


def _points_deadline(cert: Certificates, deadline: float | None) -> float | None:
    """When the LP-point stage stops: at the audit's deadline when there are no witness directions (the
    points are then the only certificates), else after ``POINT_SHARE`` of the time left, so that the
    local and full LPs keep the rest (on the 500k-cell benchmark the points took 509 s of the 600 s cap
    and certified nothing the witnesses had left)."""
    if deadline is None or not cert.sparse.any():
        return deadline
    now = time.perf_counter()
    return now + POINT_SHARE * max(deadline - now, 0.0)


def _sum_certified(cert: Certificates, a: AuditInput, s: str, targets: np.ndarray, p: float) -> np.ndarray:
    """Sum targets whose certified reach covers value x (1 +- p)."""
    up, down = cert.reach(targets, s)
    v = a.true_sums[s][targets]
    slack = TOL * (float(np.max(np.abs(a.true_sums[s]))) or 1.0)
    return (down >= p * v - slack) & (up >= p * v - slack)


def _sum_targets(a: AuditInput, s: str, params: SdcParams) -> np.ndarray:
    sensitive = (a.true_count < params.min_count) | (a.kind == "dominance")
    return np.flatnonzero(a.sum_suppressed & sensitive & (a.true_count > 0) & (a.true_sums[s] > 0))


def _audit_sum(a: AuditInput, s: str, params: SdcParams, table_names, label_of, figures, targets: np.ndarray,
               cert: Certificates, deadline: float | None) -> list[AuditFinding]:
    if not len(targets):
        return []
    p = params.protection
    started = time.perf_counter()
    certified = _sum_certified(cert, a, s, targets, p)
    figures["seconds_certify"] += time.perf_counter() - started
    scale = float(np.max(np.abs(a.true_sums[s]))) or 1.0
    use = a.constraint
    pub = use & ~a.sum_suppressed
    values = a.shown_sums[s][pub] / scale
    cons = a.M[np.flatnonzero(pub)]
    started = time.perf_counter()
    if a.certify and not certified.all():
        def sides() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            up, down = cert.reach(targets, s)
            v = a.true_sums[s][targets]
            need, weight = p * v - TOL * scale, scale / np.maximum(v, TOL * scale)
            return targets[up < need], weight[up < need], targets[down < need], weight[down < need]

        _point_rounds(cert, s, (cons, values, values.copy()), scale, sides, deadline)
        before, certified = int(certified.sum()), _sum_certified(cert, a, s, targets, p)
        figures["by_points"] += int(certified.sum()) - before
    figures["seconds_points"] += time.perf_counter() - started
    figures["checked"] += len(targets)
    figures["certified"] += int(certified.sum())
    rest = targets[~certified]
    figures["lp"] += len(rest)
    started = time.perf_counter()
    for block_rows in BLOCK_ROWS:
        low, high = cert.local_ranges(cons, values, values.copy(), a.row_sums[s] / scale, rest, deadline, block_rows)
        v = a.true_sums[s][rest] / scale
        local = (low <= v * (1 - p) + TOL) & (high >= v * (1 + p) - TOL)
        figures["local"] += int(local.sum())
        figures["certified"] += int(local.sum())
        figures["lp"] -= int(local.sum())
        rest = rest[~local]
    figures["seconds_local"] += time.perf_counter() - started
    started = time.perf_counter()
    up, down = cert.reach(rest, s)
    v = a.true_sums[s][rest]
    enough = p * v - TOL * scale    # a side the certificates cover needs no LP
    known = (np.where(down >= enough, v - down, np.nan) / scale, np.where(up >= enough, v + up, np.nan) / scale)
    mins, maxs = feasible_ranges(cons, values, values.copy(), a.M[rest], deadline, known)
    figures["seconds_lp"] += time.perf_counter() - started
    figures["unaudited"] += int(np.isnan(mins).sum())
    keep = ~np.isnan(mins)
    rest, mins, maxs = rest[keep], mins[keep], maxs[keep]
    out = []
    for t, low, high in zip(rest, mins * scale, maxs * scale):
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


def lattice_view(rows: pd.DataFrame, tables: list[TableCells], prior_tables: list[TableCells],
                 prior_shown: np.ndarray) -> LatticeView | None:
    """The witness lattice of ``tables`` and earlier releases' tables (whose cells ``prior_shown`` are
    published); None when the tables do not form one (then every target goes to the LP)."""
    lat = build_lattice(rows, tables + prior_tables)
    if lat is None:
        return None
    known = np.zeros(lat.size, dtype=bool)
    known[lattice_cells(lat, prior_tables)[prior_shown]] = True
    return LatticeView(lat, lattice_cells(lat, tables), known)


def audit_space(space: CellSpace, pattern: Pattern, params: SdcParams, prior_cols: sp.csc_matrix,
                prior_lo: np.ndarray, prior_hi: np.ndarray, count: str, sums: list[str],
                lattice: LatticeView | None = None, deadline: float | None = None,
                carry: dict | None = None) -> tuple[list[AuditFinding], dict]:
    """The audit on protect's own cells (used inside :func:`protect` to iterate; ``carry``: directions
    handed from one round to the next, see :func:`run_audit`); ``lattice`` over the
    same cells gives the certificates."""
    from pipelines.disclose.protect import rounded

    shown = np.where(pattern.count_suppressed, np.nan, rounded(space.count, params.round_to).astype(float))
    kind = np.full(space.n_cells, None, dtype=object)
    kind[pattern.sum_suppressed] = "dominance"
    kind[pattern.count_suppressed] = "secondary"
    a = AuditInput(M=space.X.T.tocsr(), true_count=space.count, true_sums=space.sums, shown_count=shown,
                   count_suppressed=pattern.count_suppressed, sum_suppressed=pattern.sum_suppressed, kind=kind,
                   constraint=np.ones(space.n_cells, bool) if params.totals == "true" else space.depth == 0,
                   table=space.table_of, labels=None, shown_sums=space.sums,
                   prior=prior_cols.T.tocsr(), prior_lo=prior_lo, prior_hi=prior_hi,
                   row_count=space.rows[count].to_numpy(float),
                   row_sums={s: space.rows[s].to_numpy(float) for s in sums}, lattice=lattice)

    def label_of(t: int) -> dict:
        table = space.tables[space.table_of[t]]
        return table.labels.iloc[t - table.start].to_dict()

    return run_audit(a, params, sums, [t.name for t in space.tables], label_of, deadline, carry)


def audit_intervals(release: ProtectedRelease, inner: pd.DataFrame, tables: list[TableRequest], *,
                    prior: list[PublishedTable] | None = None) -> list[AuditFinding]:
    """Audit a protected release from its output tables alone (independent of how it was protected):
    each output row is mapped back to the inner cells it sums, published values become constraints,
    and every suppressed cell's feasible range is computed. Returns the findings (empty = protected)."""
    findings, figures = audit_release(release, inner, tables, prior=prior)
    if figures["unaudited"]:
        raise RuntimeError(f"interval audit incomplete: {figures['unaudited']} cell(s) not checked")
    return findings


def audit_release(release: ProtectedRelease, inner: pd.DataFrame, tables: list[TableRequest], *,
                  prior: list[PublishedTable] | None = None, certificates: bool = True,
                  seconds: float | None = None) -> tuple[list[AuditFinding], dict]:
    """:func:`audit_intervals` plus the audit's figures (cells checked, certified, by local LPs, sent to
    the LP, left ``unaudited`` after ``seconds``, zero cells deducible as zero). ``certificates=False``:
    every target goes to the full LP (the reference)."""
    deadline = None if seconds is None else time.perf_counter() + seconds
    a, label_of = release_input(release, inner, tables, prior=prior, certificates=certificates)
    return run_audit(a, release.params, release.sums, [t.name for t in tables], label_of, deadline)


def release_input(release: ProtectedRelease, inner: pd.DataFrame, tables: list[TableRequest], *,
                  prior: list[PublishedTable] | None = None,
                  certificates: bool = True) -> tuple[AuditInput, Callable[[int], dict]]:
    """The audit's input re-derived from a release's output tables, and each cell's labels."""
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
                   prior=prior_m, prior_lo=prior_lo, prior_hi=prior_hi, row_count=np.zeros(0), row_sums={})
    a.row_count, a.row_sums = rows[count].to_numpy(float), {s: rows[s].to_numpy(float) for s in sums}
    a.lattice = _release_lattice(rows, tables, allf, prior or [], count) if certificates else None
    a.certify = certificates
    label_cols = list(dict.fromkeys(c for t in tables for c in t.columns))
    return a, lambda t: {c: v for c, v in allf.iloc[t][label_cols].items() if pd.notna(v)}


def _release_lattice(rows: pd.DataFrame, tables: list[TableRequest], frame: pd.DataFrame,
                     prior: list[PublishedTable], count: str) -> LatticeView | None:
    """The lattice view of a release's output rows (``frame``: every table's rows in order), rebuilt from
    the inner rows and the table requests; each output row is found by its labels."""
    if any(c not in rows.columns for p in prior for c in p.request.columns):
        return None
    built, start = [], 0
    for t in [*tables, *(p.request for p in prior)]:
        cells, _, _ = table_cells(rows, t, start)
        built.append(cells)
        start = cells.stop
    current, earlier = built[:len(tables)], built[len(tables):]
    shown = [_positions(cells.labels, p.frame[p.frame[count].notna()], p.request.columns) for cells, p in
             zip(earlier, prior)]
    prior_shown = np.concatenate([np.isin(np.arange(len(c.labels)), pos) for c, pos in zip(earlier, shown)]) \
        if earlier else np.zeros(0, dtype=bool)
    view = lattice_view(rows, current, earlier, prior_shown)
    if view is None:
        return None
    cell, offset = np.full(len(frame), -1, dtype=np.int64), 0
    for t, cells in zip(tables, current):
        part = frame.iloc[offset:offset + len(cells.labels)]
        pos = _positions(cells.labels, part, t.columns)
        ids = view.cell[cells.start:cells.stop]
        cell[offset:offset + len(part)] = np.where(pos >= 0, ids[np.maximum(pos, 0)], -1)
        offset += len(part)
    view.cell = cell
    return view


def _positions(labels: pd.DataFrame, frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Position in ``labels`` of every row of ``frame`` with the same labels (-1: none)."""
    left = frame[columns].astype(str).reset_index(drop=True)
    right = labels[columns].astype(str).assign(__pos=np.arange(len(labels)))
    merged = left.merge(right, on=columns, how="left")
    return merged["__pos"].fillna(-1).to_numpy(np.int64)


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
