"""``protect``: primary suppression, dominance, secondary suppression, rounding, interval audit."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipelines.disclose.audit import AuditFinding, audit_space
from pipelines.disclose.cells import CellSpace, PublishedTable, TableRequest, build_cells, incidence
from pipelines.disclose.gauss import gauss_suppress
from pipelines.disclose.params import SdcParams

LARGE_FACTOR = 4  # interior cells of one inner cell with count >= 4 x min_count are published first


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


def protect(inner: pd.DataFrame, tables: list[TableRequest], *, count: str, sums: list[str],
            params: SdcParams, prior: list[PublishedTable] | None = None) -> ProtectedRelease:
    """Protect every table of one release (same population) together. See the package docstring."""
    started = time.perf_counter()
    sums = list(sums)
    money = [s for s in sums if f"{s}__max1" in inner.columns and f"{s}__max2" in inner.columns]
    space = build_cells(inner, tables, count=count, sums=sums, money=money)
    built = time.perf_counter()
    prior_cols, prior_lo, prior_hi = _prior_columns(space, prior or [], count, params)
    pattern, gauss_stats = _suppress(space, params, prior_cols, money)
    gaussed = time.perf_counter()
    findings, audit_stats = _audit_and_fix(space, pattern, params, prior_cols, prior_lo, prior_hi, sums)
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


def _order(space: CellSpace, candidates: np.ndarray, nnz: np.ndarray) -> np.ndarray:
    """Most wanted published first: cells of several inner cells, finest levels first, larger first;
    then single-inner-cell cells, larger first (so small interior cells take secondary suppression)."""
    unit = nnz[candidates] == 1
    key = np.lexsort((-space.count[candidates], space.depth[candidates], unit))
    return candidates[key]


def _run_gauss(space: CellSpace, X: sp.csc_matrix, primary: np.ndarray, candidates: np.ndarray,
               singletons: np.ndarray, forced: np.ndarray, params: SdcParams) -> tuple[np.ndarray, dict]:
    nnz = np.diff(X.indptr)
    support = np.zeros(X.shape[0], dtype=bool)
    for p in primary:
        support[X.indices[X.indptr[p]:X.indptr[p + 1]]] = True
    big = candidates[(nnz[candidates] == 1) & (space.count[candidates] >= LARGE_FACTOR * params.min_count)]
    big = big[~support[X.indices[X.indptr[big]]]] if len(big) else big
    # one known unit per inner row is enough (several tables may hold the same inner cell)
    _, first = np.unique(X.indices[X.indptr[big]], return_index=True) if len(big) else (None, np.zeros(0, int))
    known_units = big[np.sort(first)] if len(big) else big
    rest = np.setdiff1d(candidates, big, assume_unique=False)
    t = time.perf_counter()
    result = gauss_suppress(X, primary=primary, candidates=_order(space, rest, nnz), known_units=known_units,
                            forced=forced, singletons=singletons)
    return result.rejected, {"primary": int(len(primary)), "candidates": int(len(candidates)),
                             "known_large_units": int(len(known_units)), "pivots": result.pivots,
                             "secondary": int(len(result.rejected)),
                             "revealed_by_prior": len(set(result.revealed_by_fixed)),
                             "seconds": round(time.perf_counter() - t, 3)}


def _suppress(space: CellSpace, params: SdcParams, prior_cols: sp.csc_matrix,
              money: list[str]) -> tuple[Pattern, dict]:
    n = space.n_cells
    cnt = np.rint(space.count)
    zero = cnt == 0
    small = (cnt > 0) & (cnt < params.min_count)
    model = np.ones(n, dtype=bool) if params.totals == "true" else space.depth == 0
    X = sp.hstack([space.X, prior_cols], format="csc") if prior_cols.shape[1] else space.X
    forced = np.arange(n, X.shape[1])
    primary = np.flatnonzero(small & model)
    singletons = np.flatnonzero((cnt == 1) & model)
    candidates = np.flatnonzero(model & ~zero & ~small)
    secondary, stats = _run_gauss(space, X, primary, candidates, singletons, forced, params)
    count_sup = zero | small
    count_sup[secondary] = True
    dom = dominated(space, money, params) & ~count_sup & model
    sum_sup = count_sup.copy()
    sum_secondary = np.zeros(0, dtype=np.int64)
    gauss = {"count": stats}
    if dom.any():
        sum_primary = np.flatnonzero((small | dom) & model)
        sum_candidates = np.flatnonzero(model & ~count_sup & ~dom)
        sum_secondary, gauss["sums"] = _run_gauss(space, X, sum_primary, sum_candidates, singletons, forced, params)
        sum_sup |= dom
        sum_sup[sum_secondary] = True
    sec = np.zeros(n, dtype=bool)
    sec[secondary] = True
    ssec = np.zeros(n, dtype=bool)
    ssec[sum_secondary] = True
    return Pattern(count_sup, sum_sup, small, zero, dom, sec, ssec, np.zeros(n, dtype=bool)), gauss


# --- prior releases ------------------------------------------------------------------------------------

def _prior_columns(space: CellSpace, prior: list[PublishedTable], count: str,
                   params: SdcParams) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    """Published (not suppressed) count cells of earlier releases as extra columns over the inner rows,
    with the interval each published rounded count stands for."""
    cols, lo, hi = [], [], []
    below, above = params.rounding_half_width
    for table in prior:
        frame = table.frame
        shown = frame[count].notna().to_numpy()
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

def _audit_and_fix(space: CellSpace, pattern: Pattern, params: SdcParams, prior_cols: sp.csc_matrix,
                   prior_lo: np.ndarray, prior_hi: np.ndarray, sums: list[str]) -> tuple[list[AuditFinding], dict]:
    t = time.perf_counter()
    stats = {"rounds": 0, "checked": 0, "added": 0, "findings_left": 0, "ran": False}
    n_sup = int((pattern.count_suppressed & ~pattern.zero).sum() + (pattern.sum_suppressed & ~pattern.zero).sum())
    if params.max_audit_rounds <= 0 or n_sup > params.audit_max_cells:
        stats["skipped"] = f"{n_sup} suppressed cells, above audit_max_cells={params.audit_max_cells}"
        stats["seconds"] = round(time.perf_counter() - t, 3)
        return [], stats
    stats["ran"] = True
    findings: list[AuditFinding] = []
    for _ in range(params.max_audit_rounds):
        stats["rounds"] += 1
        findings, checked = audit_space(space, pattern, params, prior_cols, prior_lo, prior_hi, sums)
        stats["checked"] = checked
        if not findings:
            break
        added = _add_suppression(space, pattern, findings)
        stats["added"] += added
        if not added:
            break
    stats["findings_left"] = len(findings)
    stats["seconds"] = round(time.perf_counter() - t, 3)
    return findings, stats


def _add_suppression(space: CellSpace, pattern: Pattern, findings: list[AuditFinding]) -> int:
    """For each finding, suppress the smallest published cell on a line through it (same table, every
    dimension equal but one; same level first)."""
    added = 0
    for f in findings:
        table = space.tables[space.table_of[f.cell]]
        local = f.cell - table.start
        differ = (table.items != table.items[local]).sum(axis=1) == 1
        published = ~(pattern.count_suppressed if f.measure == "count" else pattern.sum_suppressed)
        cand = np.flatnonzero(differ & published[table.start:table.stop])
        if not len(cand):
            continue
        same = cand[table.depth[cand] == table.depth[local]]
        pool = same if len(same) else cand
        pick = table.start + pool[np.argmin(space.count[table.start + pool])]
        if f.measure == "count":
            pattern.count_suppressed[pick] = True
        pattern.sum_suppressed[pick] = True
        pattern.audit_added[pick] = True
        added += 1
    return added


# --- output ------------------------------------------------------------------------------------------

def rounded(values: np.ndarray, base: int) -> np.ndarray:
    """Nearest multiple of ``base`` (halves up)."""
    v = np.rint(values).astype(np.int64)
    return (v + base // 2) // base * base


def _published_totals(space: CellSpace, pattern: Pattern, values: np.ndarray, shown: np.ndarray) -> np.ndarray:
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
        counts = _published_totals(space, pattern, counts, shown & (space.depth == 0))
        margins = space.depth > 0
        pattern.count_suppressed[margins] = counts[margins] == 0
        pattern.sum_suppressed[margins] = counts[margins] == 0
        for s in sums:
            sums_out[s] = _published_totals(space, pattern, sums_out[s], ~pattern.sum_suppressed & (space.depth == 0))
        shown = ~pattern.count_suppressed
    kind = np.full(space.n_cells, None, dtype=object)
    kind[pattern.sum_suppressed] = "dominance"
    kind[pattern.count_suppressed] = "secondary"
    kind[pattern.count_suppressed & (np.rint(space.count) < params.min_count)] = "primary"
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
