"""``protect``: primary suppression, dominance, secondary suppression, rounding, interval audit."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipelines.disclose.audit import AuditFinding, audit_space, lattice_view
from pipelines.disclose.cells import CellSpace, PublishedTable, TableRequest, build_cells, incidence, table_cells
from pipelines.disclose.gauss import gauss_suppress
from pipelines.disclose.params import SdcParams
from pipelines.disclose.relations import cell_variables, line_equations
from pipelines.disclose.witness import build_lattice, find_witnesses, lattice_cells, verify, witness_matrix

SECONDARY_ENGINE = "witness"   # "gauss": the elimination of gauss.py (slow; kept as the reference)
PRUNE_LIMIT = 2000             # secondary cells (largest first) the witness engine tries to publish again

@dataclass
class Pattern:
    """Which cells are withheld, and why (arrays over all cells of the release)."""
    count_suppressed: np.ndarray
    sum_suppressed: np.ndarray
    primary: np.ndarray
    zero: np.ndarray
    dominance: np.ndarray
    secondary: np.ndarray = field(default=None)       # count secondary (Gauss)
    sum_secondary: np.ndarray = field(default=None)
    audit_added: np.ndarray = field(default=None)
    var: np.ndarray = field(default=None)           # lattice variable of each cell (same cell, same status)


class FindingsLeft(RuntimeError):
    """Protect's interval audit still finds suppressed cells narrowed below their protection level after its
    rounds of extra suppression (or its time cap): such a period must not be released."""


@dataclass
class ProtectedRelease:
    """Protected tables (restricted zone: ``suppression`` is dropped at publish) and their figures."""
    tables: dict[str, pd.DataFrame]
    stats: dict
    params: SdcParams
    count: str
    sums: list[str]
    findings: list[AuditFinding] = field(default_factory=list)
    space: CellSpace | None = field(default=None, repr=False)

    def refuse_if_findings(self, what: str) -> None:
        """Raise :class:`FindingsLeft` when the audit left findings (the message names no cell or value)."""
        if self.findings:
            audit = self.stats.get("audit", {})
            raise FindingsLeft(
                f"{what}: the interval audit still finds {len(self.findings)} suppressed cell(s) narrowed below "
                f"their protection level after {audit.get('rounds', 0)} round(s) of extra suppression; nothing of "
                "it is frozen or published. Raise audit_seconds (or max_audit_rounds) in the dataset's disclosure "
                "config and run the release again.")


def protect(inner: pd.DataFrame, tables: list[TableRequest], *, count: str, sums: list[str],
            params: SdcParams, prior: list[PublishedTable] | None = None) -> ProtectedRelease:
    """Protect every table of one release (same population) together. See the package docstring."""
    started = time.perf_counter()
    sums = list(sums)
    money = [s for s in sums if f"{s}__max1" in inner.columns and f"{s}__max2" in inner.columns]
    extra = [c for t in (prior or []) for c in t.dimensions if c in inner.columns]
    space = build_cells(inner, tables, count=count, sums=sums, money=money, extra_columns=extra)
    built = time.perf_counter()
    pattern, gauss_stats = _suppress(space, params, prior or [], count, money)
    gaussed = time.perf_counter()
    findings, audit_stats = _audit_and_fix(space, pattern, params, prior or [], count, sums)
    frames = _frames(space, pattern, params, count, sums)
    stats = _stats(space, pattern, count, sums)
    stats.update(gauss=gauss_stats, audit=audit_stats,
                 seconds={"cells": round(built - started, 3), "suppression": round(gaussed - built, 3),
                          "audit": audit_stats.pop("seconds"), "total": round(time.perf_counter() - started, 3)})
    return ProtectedRelease(frames, stats, params, count, sums, findings, space)


# --- primary and secondary suppression ---------------------------------------------------------------

def dominated(space: CellSpace, money: list[str], params: SdcParams) -> np.ndarray:
    """Cells whose money sum fails the (n, k) or the p% rule for any money measure."""
    out = np.zeros(space.n_cells, dtype=bool)
    for m in money:
        total = space.sums[m]
        first, second = space.top[m]
        positive = total > 0
        if params.dominance_k is not None and params.dominance_n is not None:
            top = first + (second if params.dominance_n == 2 else 0)
            out |= positive & (top > params.dominance_k / 100.0 * total)
        if params.dominance_p is not None:
            out |= positive & (total - first - second < params.dominance_p / 100.0 * first)
    return out


def _prior_tables(space: CellSpace, prior: list[PublishedTable], count: str) -> tuple[list, np.ndarray, sp.csc_matrix]:
    """Earlier releases' tables as cells of the same lattice; which of their cells were published; and
    their model matrix (inner rows x their cells)."""
    out, shown, pr, pc = [], [], [], []
    start = space.n_cells
    for table in prior:
        cells, r, c = table_cells(space.rows, table.request, start)
        pr.append(r)
        pc.append(c - space.n_cells)
        frame = table.frame.copy()
        published = frame[count].notna()
        if "suppressed" in frame.columns:
            published &= ~frame["suppressed"].fillna(True).astype(bool)
        cols = table.request.columns
        keyed = frame.assign(__pub=published.to_numpy())[[*cols, "__pub"]].astype({c: str for c in cols})
        merged = cells.labels[cols].astype(str).merge(keyed, on=cols, how="left")
        out.append(cells)
        shown.append(merged["__pub"].fillna(False).to_numpy(bool))
        start = cells.stop
    n = start - space.n_cells
    X = sp.csc_matrix((np.ones(sum(len(r) for r in pr)), (np.concatenate(pr), np.concatenate(pc))),
                      shape=(len(space.rows), n)) if pr else sp.csc_matrix((len(space.rows), 0))
    return out, (np.concatenate(shown) if shown else np.zeros(0, dtype=bool)), X


def scatter_mask(mask: np.ndarray, which: np.ndarray, size: int) -> np.ndarray:
    """A boolean mask over ``size`` slots, true at ``which[mask]`` (cells of the tables -> variables)."""
    out = np.zeros(size, dtype=bool)
    out[which[mask]] = True
    return out


def _secondary(space: CellSpace, primary_cell: np.ndarray, candidate_cell: np.ndarray,
               hidden_cell: np.ndarray, singleton_cell: np.ndarray, prior_tables: list,
               prior_shown: np.ndarray) -> tuple[np.ndarray, dict]:
    """Secondary suppression (cells to suppress) by Gaussian elimination on the lattice relations."""
    t0 = time.perf_counter()
    tables = space.tables + prior_tables
    var, nv = cell_variables(tables)
    E = line_equations(tables, var, nv)
    cur, pri = var[:space.n_cells], var[space.n_cells:]

    def per_var(mask: np.ndarray, which: np.ndarray = cur) -> np.ndarray:
        return scatter_mask(mask, which, nv)

    known_prior = per_var(prior_shown, pri)
    v_primary = per_var(primary_cell)
    revealed_by_prior = v_primary & known_prior
    v_primary &= ~known_prior
    v_candidate = per_var(candidate_cell) & ~known_prior & ~v_primary
    in_current = per_var(np.ones(space.n_cells, dtype=bool))
    v_hidden = (per_var(hidden_cell) | (per_var(~prior_shown, pri) & ~in_current)) & ~known_prior & ~v_primary
    v_single = per_var(singleton_cell) & v_primary
    cost = np.zeros(nv)
    cost[cur] = space.count
    # every candidate may take secondary suppression: only zeros and earlier releases are known upfront,
    # so the elimination is exact (a smaller pool made the fixed cells reveal primaries)
    rejected, revealed, info = _eliminate(E, v_primary, v_hidden, v_candidate, v_single, cost)
    stats = {"variables": nv, "lines": int(E.shape[0]), "primary": int(v_primary.sum()),
             "revealed_by_prior": int(revealed_by_prior.sum()) + int(len(revealed)), **info,
             "seconds": round(time.perf_counter() - t0, 3)}
    sec_var = np.zeros(nv, dtype=bool)
    sec_var[rejected] = True
    return sec_var[cur] & candidate_cell, stats, cur


def _eliminate(E: sp.csr_matrix, primary: np.ndarray, hidden: np.ndarray, pool: np.ndarray,
               singles: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    unknown = primary | hidden | pool
    u_idx = np.flatnonzero(unknown)
    local = np.full(len(unknown), -1, dtype=np.int64)
    local[u_idx] = np.arange(len(u_idx))
    EU = E[:, u_idx].tocsr()
    EU = EU[np.diff(EU.indptr) > 0]
    n_eq = EU.shape[0]
    X = sp.hstack([EU.T.tocsc(), sp.identity(len(u_idx), format="csc")], format="csc")
    cand = np.flatnonzero(pool)
    cand = cand[np.argsort(-cost[cand], kind="stable")]
    result = gauss_suppress(X, primary=n_eq + local[np.flatnonzero(primary)], candidates=n_eq + local[cand],
                            forced=np.arange(n_eq), singletons=n_eq + local[np.flatnonzero(singles)])
    rejected = u_idx[result.rejected - n_eq]
    revealed = u_idx[np.asarray(sorted(set(result.revealed_by_fixed)), dtype=np.int64) - n_eq] \
        if result.revealed_by_fixed else np.zeros(0, dtype=np.int64)
    return rejected, revealed, {"unknowns": int(len(u_idx)), "equations": int(n_eq), "pool": int(pool.sum()),
                                "pivots": result.pivots, "secondary": int(len(rejected))}


def _secondary_witness(space: CellSpace, primary_cell: np.ndarray, candidate_cell: np.ndarray,
                       singleton_cell: np.ndarray, prior_tables: list, prior_shown: np.ndarray,
                       prior_X: sp.csc_matrix) -> tuple[np.ndarray, dict, np.ndarray] | None:
    """Secondary suppression by witnesses (:mod:`pipelines.disclose.witness`), exactly verified against
    the model matrix of every table and earlier release; None when the lattice does not apply (then the
    elimination runs) or, defensively, when the verification finds a problem."""
    t0 = time.perf_counter()
    lat = build_lattice(space.rows, space.tables + prior_tables)
    if lat is None:
        return None
    cur = lattice_cells(lat, space.tables)
    pri = lattice_cells(lat, prior_tables)

    def on_lattice(mask: np.ndarray, which: np.ndarray = cur) -> np.ndarray:
        return scatter_mask(mask, which, lat.size)

    known = on_lattice(prior_shown, pri)
    v_primary = on_lattice(primary_cell)
    revealed_by_prior = v_primary & known
    v_primary &= ~known
    v_candidate = on_lattice(candidate_cell) & ~known & ~v_primary
    v_single = on_lattice(singleton_cell) & v_primary
    count = np.zeros(lat.size)
    count[cur] = space.count
    depth = np.zeros(lat.size, dtype=np.int64)
    depth[cur] = space.depth
    same, single_row = _same_contributor(space, cur, singleton_cell & v_primary[cur])
    v_sums = on_lattice(_sums_of_singletons(space, primary_cell, single_row))
    targets = np.flatnonzero(v_primary)
    order = targets[np.lexsort((count[targets], depth[targets]))]
    found = find_witnesses(lat, count=count, primary=v_primary, candidate=v_candidate, known=known,
                           singleton=v_single, same_contributor=same, order=order, prune_limit=PRUNE_LIMIT,
                           singleton_sum=v_sums)
    searched = time.perf_counter()
    secondary = found.secondary[cur] & candidate_cell
    published = (candidate_cell & ~secondary) | (np.rint(space.count) == 0)
    problems = _verify_witnesses(space, lat, found, cur, published, primary_cell & v_primary[cur],
                                 single_row, prior_shown, prior_X, np.isin(cur, found.unprotected), prior_tables)
    stats = {"engine": "witness", "lattice_cells": lat.size, "primary": int(v_primary.sum()),
             "revealed_by_prior": int(revealed_by_prior.sum()) + int(len(found.unprotected)),
             "searched": found.searched, "witnesses": len(found.witnesses),
             "sum_of_singletons": found.coalition, "republished": found.republished,
             "secondary": int(found.secondary.sum()), "verified": not problems,
             "seconds_search": round(searched - t0, 3), "seconds": round(time.perf_counter() - t0, 3)}
    if any(w.coalition and not v_sums[w.target] for w in found.witnesses):
        problems.append("a witness moves singletons for a cell that is not a sum of singletons")
    if problems:  # never expected: the elimination decides instead
        return None
    return secondary, stats, cur


def _sums_of_singletons(space: CellSpace, primary: np.ndarray, single_row: np.ndarray) -> np.ndarray:
    """Primary cells every inner row of which is a singleton's only row (1 + 1 + ...): the singletons'
    values together give them, so only outsiders can be kept from them."""
    rows = np.zeros(space.X.shape[0], dtype=bool)
    rows[single_row[single_row >= 0]] = True
    X = space.X
    col = np.repeat(np.arange(space.n_cells), np.diff(X.indptr))
    bad = np.bincount(col, weights=~rows[X.indices], minlength=space.n_cells)
    return primary & (single_row == -1) & (bad == 0) & (np.diff(X.indptr) > 0)


def _same_contributor(space: CellSpace, cur: np.ndarray, single: np.ndarray) -> tuple[dict, np.ndarray]:
    """Per singleton lattice cell, the singleton lattice cells of the same contributor (the same inner
    row); and per cell its singleton's inner row (-1 when not a singleton)."""
    X = space.X
    row = np.full(space.n_cells, -1, dtype=np.int64)
    by_row: dict[int, set[int]] = {}
    for j in np.flatnonzero(single):
        rows = X.indices[X.indptr[j]:X.indptr[j + 1]]
        r = int(rows[0]) if len(rows) == 1 else -2 - int(j)   # several rows: its own contributor only
        row[j] = r
        by_row.setdefault(r, set()).add(int(cur[j]))
    same = {}
    for cells in by_row.values():
        arr = np.fromiter(cells, dtype=np.int64)
        for c in cells:
            same[c] = arr
    return same, row


def _verify_witnesses(space: CellSpace, lat, found, cur: np.ndarray, published_cell: np.ndarray,
                      primary: np.ndarray, single_row: np.ndarray, prior_shown: np.ndarray,
                      prior_X: sp.csc_matrix, unprotected: np.ndarray, prior_tables: list) -> list[str]:
    """The exact check of :func:`pipelines.disclose.witness.verify` on this release's cells."""
    if not found.witnesses:
        return [] if not (primary & ~unprotected).any() else ["primary cells without a witness"]
    Y = witness_matrix(lat, found.witnesses, len(space.rows))
    X = sp.hstack([space.X, prior_X], format="csc")
    published = np.concatenate([published_cell, prior_shown])
    row_of = dict(zip(cur[single_row != -1].tolist(), single_row[single_row != -1].tolist()))
    wrow = np.array([row_of.get(w.target, -1) if w.singleton else -1 for w in found.witnesses], dtype=np.int64)
    return verify(X, Y, published=published,
                  singleton_row=np.concatenate([single_row, np.full(prior_X.shape[1], -1, dtype=np.int64)]),
                  primary=np.concatenate([primary & ~unprotected, np.zeros(prior_X.shape[1], dtype=bool)]),
                  single_witness=np.array([w.singleton for w in found.witnesses]), witness_row=wrow,
                  coalition=np.array([w.coalition for w in found.witnesses]),
                  coalition_target=np.array([w.target if w.coalition else -1 for w in found.witnesses]),
                  cell_var=np.concatenate([cur, lattice_cells(lat, prior_tables)]))


def _suppress(space: CellSpace, params: SdcParams, prior: list[PublishedTable], count: str,
              money: list[str]) -> tuple[Pattern, dict]:
    n = space.n_cells
    cnt = np.rint(space.count)
    zero = cnt == 0
    small = (cnt > 0) & (cnt < params.min_count)
    interior = space.depth == 0
    model = np.ones(n, dtype=bool) if params.totals == "true" else interior
    dom = dominated(space, money, params) & ~zero & ~small & model
    primary = (small | dom) & model
    candidate = model & ~zero & ~primary
    prior_tables, prior_shown, prior_X = _prior_tables(space, prior, count)
    singleton = primary & (cnt == 1)
    result = _secondary_witness(space, primary, candidate, singleton, prior_tables, prior_shown, prior_X) \
        if SECONDARY_ENGINE == "witness" else None
    secondary, stats, var = result if result is not None else \
        _secondary(space, primary, candidate, ~model, singleton, prior_tables, prior_shown)
    count_sup = zero | small | dom | secondary
    return Pattern(count_sup, count_sup.copy(), small, zero, dom, secondary, np.zeros(n, dtype=bool),
                   np.zeros(n, dtype=bool), var), {"count": stats}


# --- prior releases ------------------------------------------------------------------------------------

def _prior_columns(space: CellSpace, prior: list[PublishedTable], count: str,
                   params: SdcParams) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    """Published (not suppressed) count cells of earlier releases as extra columns over the inner rows,
    with the interval each published rounded count stands for."""
    cols, lo, hi = [], [], []
    below, above = params.rounding_half_width
    for table in prior:
        frame = table.frame
        shown = frame[count].notna().to_numpy().copy()
        if "suppressed" in frame.columns:
            shown &= ~frame["suppressed"].fillna(True).astype(bool).to_numpy()
        frame = frame[shown].reset_index(drop=True)
        if frame.empty:
            continue
        cols.append(incidence(space.rows, frame, table.dimensions).T.tocsc())
        v = frame[count].to_numpy(float)
        lo.append(np.maximum(v - below, params.min_count))
        hi.append(v + above)
    if not cols:
        return sp.csc_matrix((space.X.shape[0], 0)), np.zeros(0), np.zeros(0)
    return sp.hstack(cols, format="csc"), np.concatenate(lo), np.concatenate(hi)


# --- interval audit and the extra suppression it calls for ---------------------------------------------

def _audit_and_fix(space: CellSpace, pattern: Pattern, params: SdcParams, prior: list[PublishedTable], count: str,
                   sums: list[str]) -> tuple[list[AuditFinding], dict]:
    """The interval audit (certificates, then the LP for the cells they leave) on every release, and extra
    suppression where it finds a cell too narrow, up to ``max_audit_rounds`` rounds."""
    t = time.perf_counter()
    stats = {"rounds": 0, "checked": 0, "certified": 0, "lp": 0, "added": 0, "findings_left": 0,
             "ran": params.max_audit_rounds > 0}
    findings: list[AuditFinding] = []
    if not stats["ran"]:
        stats["seconds"] = round(time.perf_counter() - t, 3)
        return findings, stats
    prior_cols, prior_lo, prior_hi = _prior_columns(space, prior, count, params)
    prior_tables, prior_shown, _ = _prior_tables(space, prior, count)
    view = lattice_view(space.rows, space.tables, prior_tables, prior_shown)
    deadline = None if params.audit_seconds is None else t + params.audit_seconds
    seen: dict[int, int] = {}
    carry: dict = {}   # LP-point directions, handed from round to round
    for _ in range(params.max_audit_rounds):
        stats["rounds"] += 1
        findings, figures = audit_space(space, pattern, params, prior_cols, prior_lo, prior_hi, count, sums, view,
                                        deadline, carry)
        stats.update({k: figures[k] for k in ("checked", "certified", "by_points", "local", "lp", "unaudited",
                                              "directions", "points")})
        for k in ("seconds_certify", "seconds_points", "seconds_local", "seconds_lp"):
            stats[k] = round(stats.get(k, 0.0) + figures[k], 3)
        if not findings:
            break
        for f in findings:
            seen[f.cell] = seen.get(f.cell, 0) + 1
        added = _add_suppression(space, pattern, findings, {c for c, k in seen.items() if k >= 3})
        stats["added"] += added
        if not added:
            break
    stats["findings_left"] = len(findings)
    stats["seconds"] = round(time.perf_counter() - t, 3)
    return findings, stats


def _add_suppression(space: CellSpace, pattern: Pattern, findings: list[AuditFinding], escalate: set[int]) -> int:
    """For each finding, suppress the smallest published cell on a line through it (same table, every
    dimension equal but one; same level first), or failing that the nearest (fewest labels different).
    A cell found three times gets every published cell on its nearest lines suppressed. Only when that adds
    nothing at all, each finding whose own table has nothing left suppresses the smallest published cell of
    another table that shares contributors with it (:func:`_suppress_overlapping`)."""
    added, stuck = 0, []
    for f in findings:
        table = space.tables[space.table_of[f.cell]]
        local = f.cell - table.start
        differ = (table.items != table.items[local]).sum(axis=1)
        published = ~pattern.count_suppressed[table.start:table.stop] & (space.count[table.start:table.stop] > 0)
        cand = np.zeros(0, dtype=np.int64)
        for reach in range(1, table.items.shape[1] + 1):  # a line through it first, then farther
            cand = np.flatnonzero((differ == reach) & published)
            if len(cand):
                break
        if not len(cand):  # nothing left to suppress in its own table (see the last resort below)
            stuck.append(f)
            continue
        same = cand[table.depth[cand] == table.depth[local]]
        pool = same if len(same) else cand
        if f.cell in escalate:
            for pick in table.start + cand:
                same = pattern.var == pattern.var[pick]
                pattern.count_suppressed[same] = pattern.sum_suppressed[same] = pattern.audit_added[same] = True
            added += len(cand)
            continue
        if f.measure == "count":  # the smallest count: cheapest
            pick = table.start + pool[np.argmin(space.count[table.start + pool])]
        else:  # a sum too narrow: the partner with the largest sum gives it the most room
            pick = table.start + pool[np.argmax(space.sums[f.measure][table.start + pool])]
        same = pattern.var == pattern.var[pick]  # the same cell in every table
        pattern.count_suppressed[same] = True  # one pattern for counts and sums
        pattern.sum_suppressed[same] = True
        pattern.audit_added[same] = True
        added += 1
    if not added:
        added = sum(_suppress_overlapping(space, pattern, f) for f in stuck)
    return added


def _suppress_overlapping(space: CellSpace, pattern: Pattern, f: AuditFinding) -> int:
    """Suppress a published cell of any table that shares inner rows with the finding's cell (the smallest
    count for a count finding, the largest sum for a sum, the least utility lost): the constraint that pins
    it comes from such cells once its own table has nothing left to withhold. Returns 1, or 0 when none is
    left."""
    X = space.X.tocsc()
    rows = X[:, f.cell].indices
    shared = np.asarray(X[rows].sum(axis=0)).ravel()
    published = ~pattern.count_suppressed & (space.count > 0) & (shared > 0)
    published[pattern.var == pattern.var[f.cell]] = False
    cand = np.flatnonzero(published)
    if not len(cand):
        return 0
    values = space.count[cand] if f.measure == "count" else -space.sums[f.measure][cand]
    pick = cand[np.argmin(values)]
    same = pattern.var == pattern.var[pick]
    pattern.count_suppressed[same] = pattern.sum_suppressed[same] = pattern.audit_added[same] = True
    return 1


# --- output ------------------------------------------------------------------------------------------

def rounded(values: np.ndarray, base: int) -> np.ndarray:
    """Nearest multiple of ``base`` (halves up)."""
    v = np.rint(values).astype(np.int64)
    return (v + base // 2) // base * base


def _published_totals(space: CellSpace, values: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """``totals: published``: every margin is the sum of the published values of its interior cells."""
    out = np.where(shown, values, 0.0).astype(float)
    interior = space.depth == 0
    for t in space.tables:
        sl = slice(t.start, t.stop)
        inside = np.flatnonzero(interior[sl]) + t.start
        # margins are sums of interior cells: interior cell -> its row set -> every cell of the table
        Xt = space.X[:, sl]
        Xi = space.X[:, inside]
        share = (Xi.T @ Xt) > 0          # interior cell i lies in table cell j
        contained = np.asarray(share.T @ out[inside]).ravel()
        margins = ~interior[sl]
        out[sl][margins] = contained[margins]
    return out


def _frames(space: CellSpace, pattern: Pattern, params: SdcParams, count: str, sums: list[str]) -> dict[str, pd.DataFrame]:
    shown = ~pattern.count_suppressed
    counts = rounded(space.count, params.round_to).astype(float)
    sums_out = {s: space.sums[s].copy() for s in sums}
    if params.totals == "published":
        counts = _published_totals(space, counts, shown & (space.depth == 0))
        margins = space.depth > 0
        pattern.count_suppressed[margins] = counts[margins] == 0
        pattern.sum_suppressed[margins] = counts[margins] == 0
        for s in sums:
            sums_out[s] = _published_totals(space, sums_out[s], ~pattern.sum_suppressed & (space.depth == 0))
        shown = ~pattern.count_suppressed
    kind = np.full(space.n_cells, None, dtype=object)
    kind[pattern.sum_suppressed] = "dominance"
    kind[pattern.count_suppressed] = "secondary"
    kind[pattern.count_suppressed & (np.rint(space.count) < params.min_count)] = "primary"
    kind[pattern.dominance] = "dominance"
    frames = {}
    for t in space.tables:
        sl = slice(t.start, t.stop)
        frame = t.labels.copy()
        frame[count] = pd.array(np.where(shown[sl], counts[sl], np.nan), dtype="Int64")
        for s in sums:
            frame[s] = pd.array(np.where(pattern.sum_suppressed[sl], np.nan, sums_out[s][sl]), dtype="Float64")
        frame["suppressed"] = pattern.count_suppressed[sl]
        frame["suppression"] = pd.Series(kind[sl], dtype=object)
        frames[t.name] = frame
    return frames


def _stats(space: CellSpace, pattern: Pattern, count: str, sums: list[str]) -> dict:
    interior = space.depth == 0
    X = space.X
    per_table = {}
    for t in space.tables:
        sl = slice(t.start, t.stop)
        inside = interior[sl]
        c = space.count[sl][inside]
        shown = ~pattern.count_suppressed[sl][inside]
        util = {"count": _share(c, shown)}
        for s in sums:
            util[s] = _share(space.sums[s][sl][inside], ~pattern.sum_suppressed[sl][inside])
        per_table[t.name] = {"cells": int(t.stop - t.start),
                             "suppressed": int(pattern.count_suppressed[sl].sum()),
                             "sums_withheld": int(pattern.sum_suppressed[sl].sum()), "utility": util}
    visible = _visible_rows(X, interior & ~pattern.count_suppressed)
    util = {"count": _share(space.rows[count].to_numpy(float), visible)}
    for s in sums:
        util[s] = _share(space.rows[s].to_numpy(float), _visible_rows(X, interior & ~pattern.sum_suppressed))
    return {"cells": int(space.n_cells), "inner_cells": int(X.shape[0]),
            "suppressed": {"total": int(pattern.count_suppressed.sum()),
                           "primary": int((pattern.primary & pattern.count_suppressed).sum()),
                           "zero": int(pattern.zero.sum()),
                           "secondary": int(pattern.secondary.sum()),
                           "dominance": int(pattern.dominance.sum()),
                           "dominance_secondary": int(pattern.sum_secondary.sum()),
                           "audit": int(pattern.audit_added.sum())},
            "utility": util, "tables": per_table}


def _visible_rows(X: sp.csc_matrix, published: np.ndarray) -> np.ndarray:
    return np.asarray(X[:, np.flatnonzero(published)].sum(axis=1)).ravel() > 0


def _share(values: np.ndarray, shown: np.ndarray) -> float:
    total = float(np.sum(values))
    return round(float(np.sum(values[shown])) / total, 6) if total else 1.0
