"""Secondary suppression by Gaussian elimination over the model matrix (the approach of Statistics
Norway's GaussSuppression, Langsrud 2024).

Candidate cells are taken in order, most wanted published first. A candidate is published unless adding
its column to the span of the columns already published would put a primary cell's column in that span
(then some linear combination of published cells would give the primary cell exactly): such a candidate
is suppressed instead (secondary). Columns are kept reduced against the accepted pivots; the primary
cells' residuals are updated eagerly, so the test for a candidate is whether a primary residual is a
multiple of the candidate's residual. Inner cells whose own cell is published early (large interior
cells) are known values: their rows are dropped before elimination, which keeps the vectors short.

Singletons (primary cells of count 1) know their own value: they are entered first as known columns so
that no other primary cell can be derived by their contributor, and each keeps a tag; a candidate whose
residual vanishes only thanks to singleton columns would let one singleton be derived from another and
is suppressed too.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

EPS = 1e-9


@dataclass
class GaussResult:
    rejected: np.ndarray            # candidate cells suppressed (secondary), in processing order
    revealed_by_fixed: list[int] = field(default_factory=list)   # primaries a forced column revealed
    pivots: int = 0


class _Eliminator:
    def __init__(self) -> None:
        self.pivot_of_row: dict[int, int] = {}
        self.pivots: list[tuple[int, dict[int, float], dict[int, float]]] = []
        self.prim: dict[int, dict[int, float]] = {}
        self.row_prims: dict[int, set[int]] = defaultdict(set)

    def add_primary(self, pid: int, vec: dict[int, float]) -> None:
        vec, _ = self.reduce(vec, {})
        self.prim[pid] = vec
        for r in vec:
            self.row_prims[r].add(pid)

    def reduce(self, v: dict[int, float], tag: dict[int, float]) -> tuple[dict[int, float], dict[int, float]]:
        heap = [self.pivot_of_row[r] for r in v if r in self.pivot_of_row]
        if not heap:
            return v, tag
        heapq.heapify(heap)
        seen = set(heap)
        while heap:
            k = heapq.heappop(heap)
            r, piv, ptag = self.pivots[k]
            a = v.get(r)
            if a is None:
                continue
            f = a / piv[r]
            for rr, val in piv.items():
                nv = v.get(rr, 0.0) - f * val
                if abs(nv) < EPS:
                    v.pop(rr, None)
                    continue
                if rr not in v:
                    kk = self.pivot_of_row.get(rr)
                    if kk is not None and kk not in seen:
                        seen.add(kk)
                        heapq.heappush(heap, kk)
                v[rr] = nv
            v.pop(r, None)
            for s, val in ptag.items():
                nv = tag.get(s, 0.0) - f * val
                if abs(nv) < EPS:
                    tag.pop(s, None)
                else:
                    tag[s] = nv
        return v, tag

    def _pivot_row(self, res: dict[int, float]) -> int:
        best, best_n = -1, None
        for r in res:
            n = len(self.row_prims.get(r, ()))
            if best_n is None or n < best_n:
                best, best_n = r, n
                if n == 0:
                    break
        return best

    def would_reveal(self, res: dict[int, float], r: int) -> list[int]:
        out = []
        a = res[r]
        for p in self.row_prims.get(r, ()):
            rp = self.prim[p]
            if len(rp) != len(res):
                continue
            f = rp[r] / a
            if all(abs(rp.get(k, 0.0) - f * val) < 1e-7 * max(1.0, abs(rp.get(k, 0.0))) for k, val in res.items()):
                out.append(p)
        return out

    def commit(self, res: dict[int, float], tag: dict[int, float], r: int) -> None:
        k = len(self.pivots)
        self.pivots.append((r, res, tag))
        self.pivot_of_row[r] = k
        a = res[r]
        for p in list(self.row_prims.get(r, ())):
            rp = self.prim[p]
            f = rp[r] / a
            for rr, val in res.items():
                nv = rp.get(rr, 0.0) - f * val
                if abs(nv) < EPS:
                    if rr in rp:
                        del rp[rr]
                        self.row_prims[rr].discard(p)
                else:
                    if rr not in rp:
                        self.row_prims[rr].add(p)
                    rp[rr] = nv


def _column(X: sp.csc_matrix, j: int, known: np.ndarray) -> dict[int, float]:
    rows = X.indices[X.indptr[j]:X.indptr[j + 1]]
    vals = X.data[X.indptr[j]:X.indptr[j + 1]]
    keep = ~known[rows]
    return dict(zip(rows[keep].tolist(), vals[keep].tolist()))


def gauss_suppress(X: sp.csc_matrix, *, primary: np.ndarray, candidates: np.ndarray,
                   known_units: np.ndarray | None = None, forced: np.ndarray | None = None,
                   singletons: np.ndarray | None = None) -> GaussResult:
    """Suppress candidates (in the given order, most wanted published first) until no primary cell's
    column is in the span of the published ones.

    ``known_units``: candidate cells made of one inner row each, published before anything else (their
    rows become known); they must not share a row with a primary cell. ``forced``: columns published
    whatever happens (an earlier release). ``singletons``: primary cells of count 1, known to their
    contributor."""
    known = np.zeros(X.shape[0], dtype=bool)
    if known_units is not None and len(known_units):
        sub = X[:, known_units]
        if np.any(np.diff(sub.indptr) != 1):
            raise ValueError("known_units must be cells of exactly one inner row")
        known[sub.indices] = True
    elim = _Eliminator()
    singles = set(int(s) for s in (singletons if singletons is not None else ()))
    result = GaussResult(rejected=np.zeros(0, dtype=np.int64))
    for p in primary:
        p = int(p)
        if p in singles:
            continue
        vec = _column(X, p, known)
        if not vec:
            result.revealed_by_fixed.append(p)
            continue
        elim.add_primary(p, vec)
    for s in sorted(singles):  # a singleton's contributor knows its value
        res, tag = elim.reduce(_column(X, s, known), {s: 1.0})
        if res:  # a primary identical to the singleton's own cell is the same contributor: not counted
            elim.commit(res, tag, elim._pivot_row(res))
    for j in (forced if forced is not None else ()):
        res, tag = elim.reduce(_column(X, int(j), known), {})
        if res:
            r = elim._pivot_row(res)
            result.revealed_by_fixed += elim.would_reveal(res, r)
            elim.commit(res, tag, r)
    rejected = []
    for j in candidates:
        j = int(j)
        res, tag = elim.reduce(_column(X, j, known), {})
        if not res:
            if tag:  # the candidate is a combination that needs singleton columns: it would give one away
                rejected.append(j)
            continue
        r = elim._pivot_row(res)
        if elim.would_reveal(res, r):
            rejected.append(j)
            continue
        elim.commit(res, tag, r)
    result.rejected = np.asarray(rejected, dtype=np.int64)
    result.pivots = len(elim.pivots)
    return result
