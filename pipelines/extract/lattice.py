"""k-anonymity and distinct l-diversity by a search over the generalisation lattice.

A lattice node gives each quasi-identifier a level of its chain. A node is *feasible* when the
records in equivalence classes smaller than ``k`` or with fewer than ``l`` distinct sensitive values
(those records are suppressed) are at most ``max_suppression`` of all records. Feasibility is
monotone: generalising merges classes, and a merged class is at least as large and as diverse as each
part, so every generalisation of a feasible node is feasible and every specialisation of an infeasible
node is infeasible. The search (in the spirit of ARX's Flash/OLA) evaluates untagged nodes
starting from the middle height of the untagged region, tags the whole cone above a feasible node
and below an infeasible one, and ends with the minimal feasible nodes; among those (and their direct
generalisations, since suppression makes the loss non-monotone) it keeps the one with the least
information loss.

Evaluation is vectorised: the records are first collapsed to distinct (quasi-identifier codes,
sensitive code) pairs with counts; a node is computed from the cached evaluated node with the fewest
pairs below it (roll-up), never from the rows.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.extract.encode import EncodedQI

METRICS = ("entropy", "discernibility", "intensity")
_CACHE_ROWS_FACTOR = 3  # cached tables hold at most this many times the bottom's rows
_DENSE_SPAN = 1 << 22   # class ids as mixed-radix keys (no hashing) while the key space is this small
_NO_SENS = np.iinfo(np.int64).max


class InfeasibleError(ValueError):
    """No generalisation meets k and l (too few records or too few distinct sensitive values)."""


def combine(columns: list[np.ndarray], cards: list[int]) -> tuple[np.ndarray, int]:
    """Dense group ids (0..g-1) of the rows' code tuples, and g (mixed radix, factorised before overflow)."""
    n = len(columns[0]) if columns else 0
    if not columns:
        return np.zeros(n, dtype=np.int64), 1 if n else 0
    key = columns[0].astype(np.int64)
    span = max(int(cards[0]), 1)
    for col, card in zip(columns[1:], cards[1:]):
        card = max(int(card), 1)
        if span * card >= 2 ** 62:
            key, uniques = pd.factorize(key)
            span = max(len(uniques), 1)
        key = key * card + col.astype(np.int64)
        span *= card
    ids, uniques = pd.factorize(key)
    return ids.astype(np.int64), len(uniques)


def class_ids(columns: list[np.ndarray], cards: list[int], rows: int) -> tuple[np.ndarray, int, bool]:
    """Class ids of code tuples: the mixed-radix key itself while the key space is small (ids may then
    be empty classes), else dense factorised ids. Returns (ids, number of ids, radix?)."""
    span = 1
    for card in cards:
        span *= max(int(card), 1)
    if span <= max(_DENSE_SPAN, 2 * rows):
        key = np.zeros(len(columns[0]), dtype=np.int64) if columns else np.zeros(0, dtype=np.int64)
        for col, card in zip(columns, cards):
            key = key * max(int(card), 1) + col
        return key, span, True
    ids, g = combine(columns, cards)
    return ids, g, False


@dataclass
class Table:
    """Records grouped at ``levels``: per row the quasi-identifier codes, the record count and, for the
    distinct l-diversity check, the smallest and largest sensitive code (l <= 2) or the sensitive code
    itself (l > 2: one row per class and sensitive value)."""

    levels: tuple[int, ...]
    codes: list[np.ndarray]
    count: np.ndarray
    smin: np.ndarray
    smax: np.ndarray

    def __len__(self) -> int:
        return len(self.count)


@dataclass
class Rolled:
    """A table rolled up to a node: per source row its codes and class id; per class size, fails?, sensitive range."""

    codes: list[np.ndarray]
    cls: np.ndarray
    n_cls: int
    radix: bool
    size: np.ndarray
    bad: np.ndarray
    lo: np.ndarray | None
    hi: np.ndarray | None


@dataclass
class NodeStats:
    node: tuple[int, ...]
    classes: int
    suppressed: int
    feasible: bool
    min_class: int
    loss: dict


@dataclass
class SearchResult:
    node: tuple[int, ...]
    stats: NodeStats
    loss: dict
    candidates: list[dict]
    lattice_size: int
    evaluated: int
    seconds: float
    kept_row: np.ndarray = field(repr=False, default=None)  # per input row: kept at the chosen node


class Lattice:
    """The search state for one data set: encoded quasi-identifiers, sensitive codes and the bottom table."""

    def __init__(self, qis: list[EncodedQI], sensitive: np.ndarray | None, *, k: int, l: int,  # noqa: E741
                 max_suppression: float):
        if k < 1 or l < 1:
            raise ValueError("k and l must be at least 1")
        self.qis, self.k, self.l = qis, int(k), int(l)
        self.n = len(qis[0].codes)
        # sensitive code -1 = missing: it adds no diversity
        self.sens = np.zeros(self.n, dtype=np.int64) if sensitive is None else sensitive.astype(np.int64)
        self.use_l = sensitive is not None and self.l > 1
        self.per_value = self.use_l and self.l > 2
        self.budget = int(np.floor(max_suppression * self.n + 1e-9))
        self.heights = tuple(q.height for q in qis)
        self.nodes = np.array(list(itertools.product(*[range(h + 1) for h in self.heights])), dtype=np.int16)
        self.index = {tuple(int(x) for x in row): i for i, row in enumerate(self.nodes)}
        self.stats: dict[tuple[int, ...], NodeStats] = {}
        self._cache: dict[tuple[int, ...], Table] = {}
        self._build_bottom()
        self._entropy_tables()

    # --- data ------------------------------------------------------------------------------------
    def _build_bottom(self) -> None:
        cols = [q.codes for q in self.qis]
        cards = [q.cardinality(0) for q in self.qis]
        if self.per_value:
            cols, cards = cols + [self.sens + 1], cards + [int(self.sens.max()) + 2]
        ids, groups = combine(cols, cards)
        self.row_group = ids
        self.bottom = self._group(tuple(0 for _ in self.qis), [q.codes for q in self.qis], ids, groups,
                                  np.ones(self.n, dtype=np.int64), self.sens, self.sens, dense=True)
        self._cache[self.bottom.levels] = self.bottom

    def _group(self, levels, codes, ids, n_ids, count, smin, smax, *, dense: bool) -> Table:
        """The rows of a table grouped by ``ids`` (one row per non-empty id)."""
        if dense:
            first = np.empty(n_ids, dtype=np.int64)
            first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)
        else:
            present = np.flatnonzero(np.bincount(ids, minlength=n_ids))
            first = np.empty(n_ids, dtype=np.int64)
            first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)
            first = first[present]
            remap = np.full(n_ids, -1, dtype=np.int64)
            remap[present] = np.arange(len(present))
            ids, n_ids = remap[ids], len(present)
        total = np.bincount(ids, weights=count, minlength=n_ids).astype(np.int64)
        lo = np.full(n_ids, _NO_SENS, dtype=np.int64)
        hi = np.full(n_ids, -1, dtype=np.int64)
        known = smax >= 0
        np.minimum.at(lo, ids[known], np.where(smin[known] < 0, _NO_SENS, smin[known]))
        np.maximum.at(hi, ids[known], smax[known])
        return Table(levels, [c[first] for c in codes], total, lo, hi)

    def _entropy_tables(self) -> None:
        """Per quasi-identifier and level, log2 of each label's frequency; and the constant part."""
        b, n = self.bottom, self.n
        self._log_f: list[list[np.ndarray]] = []
        self._base = []
        for q, codes in zip(self.qis, b.codes):
            f_v = np.bincount(codes, weights=b.count, minlength=q.cardinality(0))
            per_level = [np.log2(np.maximum(np.bincount(q.between(0, lv), weights=f_v,
                                                        minlength=q.cardinality(lv)), 1))
                         for lv in range(q.height + 1)]
            self._log_f.append(per_level)
            self._base.append(float((b.count * per_level[0][codes]).sum()))
        self._log_n = float(np.log2(max(n, 1)))

    def _source_for(self, node: tuple[int, ...]) -> Table:
        best = self.bottom
        for levels, table in self._cache.items():
            if len(table) < len(best) and all(a <= b for a, b in zip(levels, node)):
                best = table
        return best

    # --- evaluation ------------------------------------------------------------------------------
    def roll_up(self, source: Table, node: tuple[int, ...]):
        """``source`` at ``node``: per source row its node-level codes and class id; per class its size
        and whether it fails k or l."""
        codes = [q.between(s, t)[c] for q, s, t, c in zip(self.qis, source.levels, node, source.codes)]
        cards = [q.cardinality(t) for q, t in zip(self.qis, node)]
        cls, n_cls, radix = class_ids(codes, cards, len(source))
        size = np.bincount(cls, weights=source.count, minlength=n_cls)
        bad = size < self.k
        lo = hi = None
        if self.per_value:  # rows are (class, sensitive value): count the distinct known values
            known = source.smax >= 0
            pid, uniq = pd.factorize(cls[known] * (int(source.smax.max()) + 1) + source.smax[known])
            del pid
            bad |= np.bincount(uniq // (int(source.smax.max()) + 1), minlength=n_cls) < self.l
        elif self.use_l:
            lo = np.full(n_cls, _NO_SENS, dtype=np.int64)
            hi = np.full(n_cls, -1, dtype=np.int64)
            np.minimum.at(lo, cls, source.smin)
            np.maximum.at(hi, cls, source.smax)
            bad |= ~(hi > lo)
        return Rolled(codes, cls, n_cls, radix, size, bad, lo, hi)

    def evaluate(self, node: tuple[int, ...], *, with_loss: bool = False) -> NodeStats:
        stats = self.stats.get(node)
        if stats is not None and (stats.loss or not with_loss):
            return stats
        source = self._source_for(node)
        r = self.roll_up(source, node)
        suppressed = int(r.size[r.bad].sum())
        kept = r.size[~r.bad & (r.size > 0)]
        loss = self._loss(node, r.codes, source.count, r.bad[r.cls], kept, suppressed) if with_loss else {}
        stats = NodeStats(node, int(len(kept)), suppressed, suppressed <= self.budget,
                          int(kept.min()) if len(kept) else 0, loss)
        self.stats[node] = stats
        self._maybe_cache(node, source, r)
        return stats

    def _maybe_cache(self, node, source: Table, r: "Rolled") -> None:
        """Keep the node's class table when it is much smaller than its source (later nodes roll up from it)."""
        classes = int(np.count_nonzero(r.size)) if not self.per_value else len(source)
        if classes > len(source) // 4 or node in self._cache:
            return
        total = sum(len(t) for t in self._cache.values())
        if total + classes > _CACHE_ROWS_FACTOR * len(self.bottom):
            return
        if self.per_value:  # one row per (class, sensitive value)
            ids, n_ids = combine([r.cls, source.smax + 1], [r.n_cls, int(source.smax.max()) + 2])
            self._cache[node] = self._group(node, r.codes, ids, n_ids, source.count, source.smin, source.smax,
                                            dense=True)
        elif r.radix:  # class ids are mixed-radix keys: decode the codes, no pass over the source
            present = np.flatnonzero(r.size)
            codes, rest = [], present.copy()
            for q, lv in reversed(list(zip(self.qis, node))):
                card = max(q.cardinality(lv), 1)
                codes.append((rest % card).astype(np.int32))
                rest //= card
            lo = r.lo[present] if r.lo is not None else np.zeros(len(present), dtype=np.int64)
            hi = r.hi[present] if r.hi is not None else np.zeros(len(present), dtype=np.int64)
            self._cache[node] = Table(node, codes[::-1], r.size[present].astype(np.int64), lo, hi)
        else:
            self._cache[node] = self._group(node, r.codes, r.cls, r.n_cls, source.count, source.smin, source.smax,
                                            dense=True)

    def _loss(self, node, codes, count, bad_row, kept_sizes, suppressed: int) -> dict:
        """ARX-style information loss of a node, each in [0, 1]: non-uniform entropy (bits lost about each
        original value given its label; a suppressed record loses all), discernibility (sum of squared class
        sizes, a suppressed record costs n, over n^2) and generalisation intensity (level / height per
        quasi-identifier, 1 for a suppressed record)."""
        n = self.n
        kept_w = np.where(bad_row, 0, count).astype(np.float64)
        lost = worst = 0.0
        for i, (level, c) in enumerate(zip(node, codes)):
            lost += float((kept_w * self._log_f[i][level][c]).sum()) + suppressed * self._log_n - self._base[i]
            worst += n * self._log_n - self._base[i]
        dm = float((kept_sizes.astype(np.float64) ** 2).sum() + float(suppressed) * n)
        heights = [max(h, 1) for h in self.heights]
        intensity = ((n - suppressed) * float(np.mean([lv / h for lv, h in zip(node, heights)])) + suppressed) / n
        return {"entropy": round(max(lost, 0.0) / worst, 6) if worst > 0 else 0.0,
                "discernibility": round(dm / float(n) ** 2, 6), "intensity": round(intensity, 6)}

    def kept_rows(self, node: tuple[int, ...]) -> np.ndarray:
        """Per input row: kept (not suppressed) at ``node``."""
        r = self.roll_up(self.bottom, node)
        return ~r.bad[r.cls][self.row_group]

    # --- search ----------------------------------------------------------------------------------
    def search(self, metric: str = "entropy") -> SearchResult:
        if metric not in METRICS:
            raise ValueError(f"unknown information-loss metric {metric!r} (known: {', '.join(METRICS)})")
        started = time.perf_counter()
        state = np.zeros(len(self.nodes), dtype=np.int8)  # 0 unknown, 1 feasible, -1 infeasible
        heights = self.nodes.sum(axis=1)
        evaluated = 0
        while (state == 0).any():
            unknown = np.flatnonzero(state == 0)
            target = np.sort(heights[unknown])[len(unknown) // 2]
            pick = unknown[heights[unknown] == target][0]
            stats = self.evaluate(tuple(int(x) for x in self.nodes[pick]))
            evaluated += 1
            if stats.feasible:
                state[(self.nodes >= self.nodes[pick]).all(axis=1)] = 1
            else:
                state[(self.nodes <= self.nodes[pick]).all(axis=1)] = -1
        feasible = np.flatnonzero(state == 1)
        if not len(feasible):  # even the top node (every quasi-identifier "*") fails
            raise InfeasibleError(f"k={self.k}, l={self.l} cannot be met: {self.n} records, "
                                  f"{int(np.unique(self.sens[self.sens >= 0]).size)} distinct sensitive values")
        candidates = [self.evaluate(node, with_loss=True) for node in self._candidates(feasible, state)]
        candidates = [c for c in candidates if c.feasible]
        candidates.sort(key=lambda c: (c.loss[metric], c.suppressed, c.loss["intensity"], c.node))
        best = candidates[0]
        return SearchResult(best.node, best, best.loss,
                            [{"node": c.node, "suppressed": c.suppressed, "classes": c.classes, "loss": c.loss}
                             for c in candidates],
                            len(self.nodes), len(self.stats), round(time.perf_counter() - started, 3),
                            kept_row=self.kept_rows(best.node))

    def _candidates(self, feasible: np.ndarray, state: np.ndarray) -> list[tuple[int, ...]]:
        """The minimal feasible nodes and their direct generalisations (suppression makes loss non-monotone)."""
        minimal = []
        for i in feasible:
            node = self.nodes[i]
            below = [self.index[tuple(int(x) - (j == d) for j, x in enumerate(node))]
                     for d in range(len(node)) if node[d] > 0]
            if all(state[b] != 1 for b in below):
                minimal.append(tuple(int(x) for x in node))
        out = set(minimal)
        for node in minimal:
            for d in range(len(node)):
                if node[d] < self.heights[d]:
                    out.add(tuple(x + (j == d) for j, x in enumerate(node)))
        return sorted(out)
