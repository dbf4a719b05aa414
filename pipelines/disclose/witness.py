"""Secondary suppression by witnesses: every primary cell gets an explicit, exactly checked proof that no
linear combination of published cells gives its value.

A primary cell ``p`` can be recovered from the published cells (model matrix ``X``, inner cells x cells)
exactly when ``X_p`` lies in the span of the published columns, i.e. when no vector ``y`` over the inner
cells has ``X_i . y = 0`` for every published cell ``i`` and ``X_p . y != 0``. Such a ``y`` (a *witness*:
a way to change the inner cells that moves ``p`` and no published cell) is what this module builds, one
per primary cell not already moved by another primary's witness, suppressing the candidate cells the
witness moves (cheapest witness first, cost = count of the cells it would newly suppress). The same
linear-algebra statement as Gaussian elimination over the model matrix (GaussSuppression), but the proof
is kept: :func:`verify` multiplies every witness by the model matrix of all tables of the release and of
the earlier releases (integers, exact) and checks that it moves no published, earlier-published or
(for other cells) singleton cell and that every primary cell is moved by one of them.

Witnesses are products over the dimensions of the *lattice* (every dimension with the chain of its
coarser levels, as the tables declare them): per dimension either a fixed category (``e_a``: the cell
moves along its whole path to the total) or a pair of categories under one parent (``e_a - e_b``:
only the path below the common parent moves). A product of pairs in every dimension is the classical
2^d hypercube; fixing a dimension lets a witness go through suppressed margins. The cells a product
moves are the Cartesian product of the per-dimension item sets, so its cost is one gather of a dense
cost array over the lattice, and each dimension's best option is found by coordinate descent.

Singletons (count 1) know their own value: a witness for another cell must not move them, and a
singleton's own witness may move no other singleton (save the same contributor's identical cells).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipelines.disclose.cells import GroupItems, TableCells, _group_items

MAX_LATTICE = 40_000_000


@dataclass
class Lattice:
    """All cells of all tables (and earlier releases) as items of one product of dimension chains."""
    dims: list[list[str]]                 # per dimension: its columns, finest first
    groups: list[GroupItems]
    shape: tuple[int, ...]
    strides: np.ndarray
    anc: list[np.ndarray]                 # per dimension: finest item x level -> item at that level
    row_flat: np.ndarray                  # lattice cell of every inner row

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def _chains(tables: list[TableCells], rows_unique: dict[str, int]) -> list[list[str]]:
    """Dimension chains: columns that appear in one group of any table are one dimension, finest first."""
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent.setdefault(c, c) != c:
            c = parent[c]
        return c

    for t in tables:
        for g in t.groups:
            cols = list(g.labels.columns)
            for c in cols[1:]:
                parent[find(c)] = find(cols[0])
            find(cols[0])
    members: dict[str, list[str]] = {}
    for c in parent:
        members.setdefault(find(c), []).append(c)
    return [sorted(m, key=lambda c: (-rows_unique[c], c)) for m in members.values()]


def build_lattice(rows, tables: list[TableCells]) -> Lattice | None:
    """The lattice of ``tables`` over the inner ``rows``; None when the dimensions do not nest into
    chains or the lattice is too large for a dense cost array."""
    cols = {c for t in tables for g in t.groups for c in g.labels.columns}
    uniq = {c: int(rows[c].nunique()) for c in cols}
    dims = _chains(tables, uniq)
    try:
        groups = [_group_items(rows, d) for d in dims]
    except ValueError:
        return None
    shape = tuple(len(g.labels) for g in groups)
    if float(np.prod([float(s) for s in shape])) > MAX_LATTICE:
        return None
    strides = np.array([int(np.prod(shape[i + 1:])) for i in range(len(shape))], dtype=np.int64)
    anc = []
    for g in groups:
        n0 = int(np.sum(g.level == 0))
        a = [np.arange(n0)]
        while True:
            up = g.parent[a[-1]]
            if np.all(up < 0):
                break
            a.append(up)
        anc.append(np.stack(a, axis=1))
    row_flat = np.zeros(len(rows), dtype=np.int64)
    for k, g in enumerate(groups):
        row_flat += g.codes[0].astype(np.int64) * strides[k]
    return Lattice(dims, groups, shape, strides, anc, row_flat)


def lattice_cells(lat: Lattice, tables: list[TableCells]) -> np.ndarray:
    """Lattice cell of every cell of ``tables`` (in order)."""
    where = {c: (k, lvl) for k, d in enumerate(lat.dims) for lvl, c in enumerate(d)}
    out = []
    for t in tables:
        flat = np.zeros(len(t.labels), dtype=np.int64)
        covered = set()
        for j, g in enumerate(t.groups):
            item = t.items[:, j]
            cols = list(g.labels.columns)
            k = where[cols[0]][0]
            covered.add(k)
            lg = lat.groups[k]
            mapped = np.full(len(g.labels), len(lg.labels) - 1, dtype=np.int64)   # ALL
            for level, c in enumerate(cols):
                idx = np.flatnonzero(g.level == level)
                mapped[idx] = lg.offsets[where[c][1]] + (idx - g.offsets[level])
            flat += mapped[item] * lat.strides[k]
        for k in range(len(lat.dims)):
            if k not in covered:
                flat += (lat.shape[k] - 1) * lat.strides[k]
        out.append(flat)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


@dataclass
class Witness:
    target: int                      # lattice cell it was built for
    corners: list[np.ndarray]        # per dimension: finest items (1 or 2)
    signs: list[np.ndarray]          # per dimension: +1 / -1 per corner item
    singleton: bool
    coalition: bool = False          # moves singletons: protects against outsiders, not the singletons


@dataclass
class WitnessResult:
    secondary: np.ndarray            # lattice cells suppressed as secondary (bool over the lattice)
    witnesses: list[Witness]
    unprotected: np.ndarray          # lattice cells of primaries for which no witness was found
    searched: int = 0
    coalition: int = 0               # primaries whose only witnesses move singletons
    republished: int = 0             # secondary cells published again by the pruning pass


class _Search:
    """Greedy construction of witnesses over a dense cost array of the lattice."""

    def __init__(self, lat: Lattice, cost: np.ndarray, candidate: np.ndarray, primary: np.ndarray,
                 singleton: np.ndarray, same_contributor: dict[int, np.ndarray]) -> None:
        self.lat = lat
        self.C = cost.reshape(lat.shape)
        self.flatC = self.C.reshape(-1)
        self.candidate = candidate
        self.secondary = np.zeros(lat.size, dtype=bool)
        self.prim_plain = primary & ~singleton
        self.covered = np.zeros(lat.size, dtype=bool)
        self.singleton = singleton
        self.same = same_contributor
        self.parents = [g.parent for g in lat.groups]
        self.levels = [g.level for g in lat.groups]
        self.row_coords: np.ndarray | None = None
        self.singleton_sum = np.zeros(lat.size, dtype=bool)
        self.pruning = False
        self.neighbours: dict[tuple[int, int], tuple] = {}
        self.axis_offsets = [np.arange(n, dtype=np.int64) * st for n, st in zip(lat.shape, lat.strides)]

    def _path(self, k: int, a: int, top: int) -> list[int]:
        """Items from finest ``a`` up to level ``top`` included (ALL when top is the last level)."""
        return [int(x) for x in self.lat.anc[k][a, :top + 1]]

    def _options(self, k: int, g: int, M: np.ndarray) -> tuple[float, list[int], list[int], list[int]]:
        """The cheapest option of dimension ``k`` for a target at item ``g``, given ``M`` (cost of each
        item of the dimension with the other dimensions as chosen): a fixed category under ``g`` (moves
        its path to the total), or a pair ``a`` under ``g``, ``b`` outside it, meeting at some level
        above (moves both paths below the meeting level)."""
        anc = self.lat.anc[k]
        top = anc.shape[1] - 1
        desc, meets = self._neighbours(k, g)
        cum = np.cumsum(M[anc], axis=1)            # finest item x level: cost of its path up to the level
        a = int(desc[np.argmin(cum[desc, top])])
        best = (float(cum[a, top]), self._path(k, a, top), [a], [1])
        for meet, other in meets:
            a2 = int(desc[np.argmin(cum[desc, meet - 1])])
            b = int(other[np.argmin(cum[other, meet - 1])])
            c = float(cum[a2, meet - 1] + cum[b, meet - 1])
            if c < best[0]:
                best = (c, self._path(k, a2, meet - 1) + self._path(k, b, meet - 1), [a2, b], [1, -1])
        return best

    def _neighbours(self, k: int, g: int) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
        """Finest items under ``g``; per meeting level, the finest items outside that meet them there."""
        key = (k, g)
        hit = self.neighbours.get(key)
        if hit is None:
            anc = self.lat.anc[k]
            lvl = int(self.levels[k][g])
            desc = np.flatnonzero(anc[:, lvl] == g)
            chain = anc[desc[0]]                    # g's ancestors (the same for every item under g)
            meets = []
            for meet in range(lvl + 1, anc.shape[1]):
                other = np.flatnonzero((anc[:, meet - 1] != chain[meet - 1]) & (anc[:, meet] == chain[meet]))
                if len(other):
                    meets.append((meet, other))
            hit = self.neighbours[key] = (desc, meets)
        return hit

    def _gather_axis(self, S: list[list[int]], k: int) -> np.ndarray:
        """Cost of every item of dimension ``k`` summed over the other dimensions' chosen item sets."""
        off = np.zeros(1, dtype=np.int64)
        for j, items in enumerate(S):
            if j != k:
                off = (off[:, None] + np.asarray(items, dtype=np.int64)[None, :] * self.lat.strides[j]).ravel()
        return self.flatC[off[:, None] + self.axis_offsets[k][None, :]].sum(axis=0)

    def search(self, target: int) -> tuple[float, list[list[int]], list[list[int]], list[list[int]]]:
        coords = np.unravel_index(target, self.lat.shape)
        d = len(coords)
        S, F, sg = [], [], []
        for k in range(d):
            a = int(self._neighbours(k, int(coords[k]))[0][0])
            S.append([a])
            F.append([a])
            sg.append([1])
        cost = np.inf
        for _ in range(2):
            for k in range(d):
                M = self._gather_axis(S, k)
                cost, S[k], F[k], sg[k] = self._options(k, int(coords[k]), M)
        if not np.isfinite(cost) and not self.pruning:   # pruning: a whole row's path is never all withheld
            return self._one_row(coords)
        return cost, S, F, sg

    def _one_row(self, coords: tuple) -> tuple[float, list[list[int]], list[list[int]], list[list[int]]]:
        """The plainest witness, one inner row of the target (it moves every cell containing that row):
        the cheapest such row. Coordinate descent can miss it when every neighbour is empty."""
        lat = self.lat
        if self.row_coords is None:
            self.row_coords = np.stack(np.unravel_index(lat.row_flat, lat.shape), axis=1)
        rc = self.row_coords
        inside = np.ones(len(rc), dtype=bool)
        for k, g in enumerate(coords):
            inside &= lat.anc[k][rc[:, k], int(self.levels[k][g])] == g
        rows = rc[inside]
        if not len(rows):
            return np.inf, [], [], []
        flat = np.zeros((len(rows), 1), dtype=np.int64)
        for k in range(len(coords)):
            up = lat.anc[k][rows[:, k]] * lat.strides[k]            # rows x levels
            flat = (flat[:, :, None] + up[:, None, :]).reshape(len(rows), -1)
        costs = self.flatC[flat].sum(axis=1)
        best = int(np.argmin(costs))
        S = [[int(x) for x in lat.anc[k][rows[best, k]]] for k in range(len(coords))]
        return float(costs[best]), S, [[int(rows[best, k])] for k in range(len(coords))], [[1]] * len(coords)

    def support(self, S: list[list[int]]) -> np.ndarray:
        d = len(S)
        flat = np.zeros([1] * d, dtype=np.int64)
        for k, s in enumerate(S):
            shape = [1] * d
            shape[k] = len(s)
            flat = flat + np.asarray(s, dtype=np.int64).reshape(shape) * self.lat.strides[k]
        return flat.ravel()

    def _search_with(self, target: int, free: np.ndarray) -> tuple:
        saved = self.flatC[free].copy()
        self.flatC[free] = 0.0
        try:
            return self.search(target)
        finally:
            self.flatC[free] = saved

    def protect_cell(self, target: int, is_single: bool) -> Witness | None:
        """The cheapest witness found for ``target``, applied (its candidates suppressed); None if none.
        A cell that is a sum of singletons alone (1 + 1) has no witness that keeps every singleton: it
        gets one that moves singletons (``coalition``), which still protects it from outsiders."""
        same = self.same.get(target, np.zeros(0, dtype=np.int64)) if is_single else np.zeros(0, dtype=np.int64)
        cost, S, F, sg = self._search_with(target, same)
        coalition = False
        if not np.isfinite(cost) and not is_single and self.singleton_sum[target]:
            cost, S, F, sg = self._search_with(target, np.flatnonzero(self.singleton))
            coalition = True
        if not np.isfinite(cost):
            return None
        cells = self.support(S)
        self.last_support = cells
        new = cells[self.candidate[cells] & ~self.secondary[cells]]
        self.secondary[new] = True
        self.flatC[new] = 0.0
        if is_single or coalition:
            self.covered[target] = True
            self.covered[same] = True
        else:
            self.covered[cells[self.prim_plain[cells]]] = True
        return Witness(target, [np.asarray(f) for f in F], [np.asarray(s) for s in sg], is_single, coalition)

    def covers(self, w: Witness, cells: np.ndarray) -> np.ndarray:
        """The primary lattice cells ``w`` protects (moving ``cells``)."""
        if w.singleton or w.coalition:
            same = self.same.get(w.target) if w.singleton else None
            return np.union1d(np.array([w.target], dtype=np.int64),
                              same if same is not None else np.zeros(0, dtype=np.int64)).astype(np.int64)
        return cells[self.prim_plain[cells]]


class _Pruner:
    """Publish secondary cells again, largest first, where every primary that relied on a witness
    moving the cell gets another witness made of suppressed cells only (so nothing new is suppressed)."""

    def __init__(self, s: _Search, witnesses: list[Witness], supports: list[np.ndarray]) -> None:
        self.s = s
        self.witnesses = list(witnesses)
        self.supports = list(supports)
        self.alive = [True] * len(witnesses)
        self.moving: dict[int, set[int]] = {}
        self.cover: dict[int, set[int]] = {}
        for i in range(len(witnesses)):
            self._index(i)
        s.flatC[:] = np.where(s.flatC == 0.0, 0.0, np.inf)   # only cells already withheld may move
        s.pruning = True

    def _index(self, i: int) -> None:
        for c in self.supports[i][self.s.secondary[self.supports[i]]].tolist():
            self.moving.setdefault(c, set()).add(i)
        for p in self.s.covers(self.witnesses[i], self.supports[i]).tolist():
            self.cover.setdefault(int(p), set()).add(i)

    def try_publish(self, j: int) -> bool:
        users = {i for i in self.moving.get(j, ()) if self.alive[i]}
        needy = sorted({p for i in users for p in self.s.covers(self.witnesses[i], self.supports[i]).tolist()
                        if not (self.cover[p] - users)})
        self.s.flatC[j] = np.inf
        found = []
        for p in needy:
            if any(p in set(self.s.covers(w, c).tolist()) for w, c in found):
                continue
            w = self.s.protect_cell(p, bool(self.s.singleton[p]))
            if w is None:
                self.s.flatC[j] = 0.0
                return False
            found.append((w, self.s.last_support))
        for i in users:
            self.alive[i] = False
            for p in self.s.covers(self.witnesses[i], self.supports[i]).tolist():
                self.cover[p].discard(i)
        for w, c in found:
            self.witnesses.append(w)
            self.supports.append(c)
            self.alive.append(True)
            self._index(len(self.witnesses) - 1)
        self.s.secondary[j] = False
        return True


def empty_interior(lat: Lattice) -> np.ndarray:
    """Interior lattice cells (finest level of every dimension) without an inner row: known to be empty."""
    interior = np.full(lat.size, False)
    grid = [np.arange(int(np.sum(g.level == 0))) for g in lat.groups]
    flat_int = np.zeros([1] * len(grid), dtype=np.int64)
    for k, gr in enumerate(grid):
        shape = [1] * len(grid)
        shape[k] = len(gr)
        flat_int = flat_int + gr.reshape(shape) * lat.strides[k]
    interior[flat_int.ravel()] = True
    interior[lat.row_flat] = False
    return interior


def free_witnesses(lat: Lattice, cost: np.ndarray, order: np.ndarray, *, skip: np.ndarray | None = None,
                   one_row: bool = False, cover: bool = True) -> list[Witness]:
    """Witnesses over a fixed pattern (nothing is suppressed): for each lattice cell of ``order`` not
    moved by an earlier one (nor in ``skip``; ``cover=False``: every cell of ``order`` gets its own
    search), the cheapest witness found moving only cells of finite ``cost`` (``inf``: must not move,
    e.g. published). Cells without one are left out. ``one_row``: also try a single inner row when
    coordinate descent finds nothing (slower). Used by the interval audit's certificates
    (:mod:`pipelines.disclose.audit`)."""
    s = _Search(lat, cost, np.zeros(lat.size, dtype=bool), np.zeros(lat.size, dtype=bool),
                np.zeros(lat.size, dtype=bool), {})
    s.pruning = not one_row
    moved = np.zeros(lat.size, dtype=bool) if skip is None else skip.copy()
    out = []
    for t in order.tolist():
        if moved[t]:
            continue
        c, S, F, sg = s.search(int(t))
        if not np.isfinite(c):
            continue
        if cover:
            moved[s.support(S)] = True
        out.append(Witness(int(t), [np.asarray(f) for f in F], [np.asarray(x) for x in sg], False))
    return out


def find_witnesses(lat: Lattice, *, count: np.ndarray, primary: np.ndarray, candidate: np.ndarray,
                   known: np.ndarray, singleton: np.ndarray, same_contributor: dict[int, np.ndarray],
                   order: np.ndarray, singleton_sum: np.ndarray | None = None,
                   prune_limit: int = 0) -> WitnessResult:
    """Witnesses for every primary lattice cell (in ``order``), suppressing candidates as they need.

    Arrays are over the lattice: ``count`` (cost of suppressing a candidate), ``primary``,
    ``candidate`` (may be suppressed), ``known`` (must not move: published by an earlier release),
    ``singleton`` (primary of count 1), ``singleton_sum`` (primaries that are a sum of singletons alone:
    they may get a witness that moves singletons). Cells that are neither are free. Then up to
    ``prune_limit`` secondary cells, largest first, are published again where that needs no new
    suppression (:class:`_Pruner`)."""
    cost = np.where(candidate, count, 0.0)
    cost[known | singleton] = np.inf
    cost[empty_interior(lat)] = np.inf   # an empty inner cell is known to be empty: a witness cannot use it
    s = _Search(lat, cost, candidate, primary, singleton, same_contributor)
    if singleton_sum is not None:
        s.singleton_sum = singleton_sum
    witnesses, supports, unprotected, searched = [], [], [], 0
    for t in order:
        t = int(t)
        if s.covered[t]:
            continue
        searched += 1
        w = s.protect_cell(t, bool(singleton[t]))
        if w is None:
            unprotected.append(t)
        else:
            witnesses.append(w)
            supports.append(s.last_support)
    republished = 0
    if prune_limit > 0 and witnesses:
        pruner = _Pruner(s, witnesses, supports)
        sec = np.flatnonzero(s.secondary)
        for j in sec[np.argsort(-count[sec], kind="stable")][:prune_limit]:
            republished += pruner.try_publish(int(j))
        witnesses = [w for w, a in zip(pruner.witnesses, pruner.alive) if a]
    return WitnessResult(s.secondary, witnesses, np.asarray(unprotected, dtype=np.int64), searched,
                         sum(w.coalition for w in witnesses), republished)


def witness_matrix(lat: Lattice, witnesses: list[Witness], n_rows: int) -> sp.csc_matrix:
    """Inner rows x witnesses: each witness's integer vector over the inner cells."""
    order = np.argsort(lat.row_flat, kind="stable")
    sorted_flat = lat.row_flat[order]
    flats, signs, cols = [], [], []
    for j, w in enumerate(witnesses):
        flat = np.zeros(1, dtype=np.int64)
        sign = np.ones(1)
        for k, (f, s) in enumerate(zip(w.corners, w.signs)):
            flat = (flat[:, None] + np.asarray(f, dtype=np.int64)[None, :] * lat.strides[k]).ravel()
            sign = (sign[:, None] * np.asarray(s, dtype=float)[None, :]).ravel()
        flats.append(flat)
        signs.append(sign)
        cols.append(np.full(len(flat), j, dtype=np.int64))
    if not witnesses:
        return sp.csc_matrix((n_rows, 0))
    flat = np.concatenate(flats)
    pos = np.minimum(np.searchsorted(sorted_flat, flat), max(len(sorted_flat) - 1, 0))
    if not len(sorted_flat) or np.any(sorted_flat[pos] != flat):
        raise AssertionError("a witness uses an empty inner cell")
    return sp.csc_matrix((np.concatenate(signs), (order[pos], np.concatenate(cols))),
                         shape=(n_rows, len(witnesses)))


def verify(X: sp.csc_matrix, Y: sp.csc_matrix, *, published: np.ndarray, singleton_row: np.ndarray,
           primary: np.ndarray, single_witness: np.ndarray, witness_row: np.ndarray,
           coalition: np.ndarray, coalition_target: np.ndarray, cell_var: np.ndarray) -> list[str]:
    """Exact check of the witnesses against the model matrix ``X`` (inner rows x cells, every table of
    the release and of earlier releases). Returns the problems (empty: every primary is protected).

    ``published``: cells whose value is known (published now or earlier); ``singleton_row``: for
    singleton cells their only inner row, else -1; ``primary``: cells that need a witness;
    ``single_witness``/``witness_row``: per witness, whether it protects a singleton, and its row;
    ``coalition``/``coalition_target``: per witness, whether it may move singletons, and the one cell
    it then protects (its lattice cell, -1 otherwise); ``cell_var``: lattice cell of every cell."""
    Z = (X.T @ Y).tocsr()
    Z.eliminate_zeros()
    cells = np.repeat(np.arange(Z.shape[0]), np.diff(Z.indptr))
    wit = Z.indices
    problems = []
    bad = published[cells]
    if bad.any():
        problems.append(f"{int(bad.sum())} published cell(s) moved by a witness")
    sing = singleton_row[cells] >= 0
    wrong = sing & ~coalition[wit] & (~single_witness[wit] | (singleton_row[cells] != witness_row[wit]))
    if wrong.any():
        problems.append(f"{int(wrong.sum())} singleton cell(s) moved by another cell's witness")
    valid = ~bad & ~wrong
    ok = np.zeros(Z.shape[0], dtype=bool)
    plain = singleton_row[cells] < 0
    ok[cells[valid & ~coalition[wit] & (plain & ~single_witness[wit] | ~plain)]] = True
    ok[cells[valid & coalition[wit] & (cell_var[cells] == coalition_target[wit])]] = True
    missing = primary & ~ok
    if missing.any():
        problems.append(f"{int(missing.sum())} primary cell(s) without a witness")
    return problems
