"""The cells of a release and their model matrix.

Every table is the full grid of the categories seen in ``inner`` for each of its dimensions (zero cells
included), plus, per dimension, its coarser levels (``TableRequest.hierarchy``) and its total
(:data:`pipelines.hierarchies.ALL`). Each cell is the sum of some inner cells: the model matrix ``X``
(inner cells x published cells, 0/1) says which, so cell values are ``X.T @ y`` for any inner measure
``y``, and a linear combination of published cells reveals a suppressed one exactly when its column is
in the span of the published columns.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipelines.hierarchies import ALL


@dataclass
class TableRequest:
    """A table of the release: its dimension columns (finest level) and, per dimension, coarser columns
    of ``inner`` it nests in (finest first, e.g. ``{"province": ["region"]}``), published as subtotals."""
    name: str
    dimensions: list[str]
    hierarchy: dict[str, list[str]] = field(default_factory=dict)

    @property
    def groups(self) -> list[list[str]]:
        return [[d, *self.hierarchy.get(d, [])] for d in self.dimensions]

    @property
    def columns(self) -> list[str]:
        return [c for g in self.groups for c in g]


@dataclass
class PublishedTable:
    """Cells published by an earlier release of the same population: label columns (``ALL`` in a
    margin), the rounded count (NULL when suppressed) and, if present, sums."""
    name: str
    dimensions: list[str]
    frame: pd.DataFrame
    hierarchy: dict[str, list[str]] = field(default_factory=dict)   # as in TableRequest

    @property
    def request(self) -> TableRequest:
        finest = [d for d in self.dimensions if not any(d in up for up in self.hierarchy.values())]
        return TableRequest(f"prior:{self.name}", finest, self.hierarchy)


@dataclass
class TableCells:
    name: str
    start: int                 # global index of its first cell
    labels: pd.DataFrame       # one row per cell, label columns
    items: np.ndarray          # cells x groups: item index per group
    depth: np.ndarray          # number of aggregated levels (0 = interior cell)
    groups: list = field(default_factory=list)     # GroupItems per dimension group
    strides: np.ndarray | None = None

    @property
    def stop(self) -> int:
        return self.start + len(self.labels)


@dataclass
class CellSpace:
    rows: pd.DataFrame         # the inner cells (one per distinct combination of the tables' columns)
    X: sp.csc_matrix           # rows x cells
    tables: list[TableCells]
    count: np.ndarray          # true count per cell
    sums: dict[str, np.ndarray]
    top: dict[str, tuple[np.ndarray, np.ndarray]]   # money sum -> largest, second-largest contribution
    table_of: np.ndarray       # table index per cell
    depth: np.ndarray

    @property
    def n_cells(self) -> int:
        return self.X.shape[1]


def top2(groups: np.ndarray, v1: np.ndarray, v2: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest and second-largest contribution per group, from each member's own two largest."""
    first = np.zeros(n_groups)
    second = np.zeros(n_groups)
    if len(groups) == 0:
        return first, second
    order = np.lexsort((-v1, groups))
    g, a = groups[order], v1[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    first[g[starts]] = a[starts]
    nxt = starts + 1
    ok = (nxt < len(g))
    ok[ok] &= g[nxt[ok]] == g[starts[ok]]
    second[g[starts[ok]]] = a[nxt[ok]]
    np.maximum.at(second, groups, v2)
    return first, second


def inner_rows(inner: pd.DataFrame, columns: list[str], count: str, sums: list[str],
               money: list[str]) -> pd.DataFrame:
    """``inner`` summed to one row per distinct combination of ``columns`` (no-op when already so)."""
    keep = [*columns, count, *sums, *(f"{m}__max{i}" for m in money for i in (1, 2))]
    missing = [c for c in keep if c not in inner.columns]
    if missing:
        raise ValueError(f"inner cells lack column(s): {', '.join(missing)}")
    frame = inner[keep].copy()
    for c in columns:
        if frame[c].isna().any():
            raise ValueError(f"inner column {c!r} has missing labels")
        frame[c] = frame[c].astype(str)
    if not frame.duplicated(columns).any():
        return frame.reset_index(drop=True)
    codes = frame.groupby(columns, sort=True, observed=True).ngroup().to_numpy()
    out = frame.groupby(columns, sort=True, observed=True)[[count, *sums]].sum().reset_index()
    for m in money:
        a, b = top2(codes, frame[f"{m}__max1"].to_numpy(float), frame[f"{m}__max2"].to_numpy(float), len(out))
        out[f"{m}__max1"], out[f"{m}__max2"] = a, b
    return out


@dataclass
class GroupItems:
    """The items of one dimension group (a dimension and its coarser levels): finest categories, then
    each coarser level's categories, then ALL."""
    codes: list[np.ndarray]    # per level: category code of every inner row
    offsets: np.ndarray        # first item of each level
    level: np.ndarray          # level of every item (len(group) for ALL)
    parent: np.ndarray         # item -> the item one level up (-1 for ALL)
    key: np.ndarray            # item -> "column=value" of its own level ("" for ALL)
    labels: pd.DataFrame


def _group_items(rows: pd.DataFrame, group: list[str]) -> GroupItems:
    codes, level_items, parent_labels = [], [], []
    for level, col in enumerate(group):
        cats, code = np.unique(rows[col].to_numpy(dtype=object), return_inverse=True)
        codes.append(code)
        parents = {}
        for coarser in group[level + 1:]:
            pairs = pd.DataFrame({"c": code, "p": rows[coarser].to_numpy(dtype=object)}).drop_duplicates()
            if pairs["c"].duplicated().any():
                raise ValueError(f"{col!r} does not nest in {coarser!r}: a category has two parents")
            parents[coarser] = pairs.set_index("c")["p"].reindex(range(len(cats))).to_numpy(dtype=object)
        item = {c: np.full(len(cats), ALL, dtype=object) for c in group}
        item[col] = cats.astype(object)
        item.update(parents)
        level_items.append(pd.DataFrame(item))
        parent_labels.append(parents.get(group[level + 1]) if level + 1 < len(group) else None)
    level_items.append(pd.DataFrame({c: [ALL] for c in group}))
    sizes = np.array([len(x) for x in level_items])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    level = np.repeat(np.arange(len(sizes)), sizes)
    parent = np.full(int(sizes.sum()), -1, dtype=np.int64)
    key = np.full(int(sizes.sum()), "", dtype=object)
    all_item = int(sizes.sum()) - 1
    for lvl, col in enumerate(group):
        idx = np.arange(sizes[lvl]) + offsets[lvl]
        key[idx] = [f"{col}={v}" for v in level_items[lvl][col]]
        if parent_labels[lvl] is None:
            parent[idx] = all_item
        else:
            up = level_items[lvl + 1][group[lvl + 1]].to_numpy(dtype=object)
            parent[idx] = offsets[lvl + 1] + np.searchsorted(up, parent_labels[lvl])
    return GroupItems(codes, offsets, level, parent, key, pd.concat(level_items, ignore_index=True))


def table_cells(rows: pd.DataFrame, table: TableRequest, start: int) -> tuple[TableCells, np.ndarray, np.ndarray]:
    """A table's cells and its incidence pairs (inner row, global cell)."""
    groups = [_group_items(rows, g) for g in table.groups]
    shape = tuple(len(g.labels) for g in groups)
    strides = np.array([int(np.prod(shape[i + 1:])) for i in range(len(shape))], dtype=np.int64)
    per_group = []
    for g in groups:
        choices = [g.codes[lvl] + g.offsets[lvl] for lvl in range(len(g.codes))]
        choices.append(np.full(len(rows), len(g.labels) - 1))
        per_group.append(choices)
    pair_rows, pair_cells = [], []
    idx = np.arange(len(rows), dtype=np.int64)
    for combo in itertools.product(*per_group):
        cell = np.zeros(len(rows), dtype=np.int64)
        for k, item in enumerate(combo):
            cell += item.astype(np.int64) * strides[k]
        pair_rows.append(idx)
        pair_cells.append(cell + start)
    n = int(np.prod(shape))
    items = np.stack(np.unravel_index(np.arange(n), shape), axis=1)
    labels = pd.concat([groups[k].labels.iloc[items[:, k]].reset_index(drop=True) for k in range(len(groups))], axis=1)
    depth = np.zeros(n, dtype=np.int64)
    for k, g in enumerate(groups):
        depth += g.level[items[:, k]]
    cells = TableCells(table.name, start, labels, items, depth, groups, strides)
    return cells, np.concatenate(pair_rows), np.concatenate(pair_cells)


def build_cells(inner: pd.DataFrame, tables: list[TableRequest], *, count: str, sums: list[str],
                money: list[str], extra_columns: list[str] | None = None) -> CellSpace:
    if not tables:
        raise ValueError("a release needs at least one table")
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise ValueError("table names must be unique")
    columns = list(dict.fromkeys([*(c for t in tables for c in t.columns), *(extra_columns or [])]))
    rows = inner_rows(inner, columns, count, sums, money)
    built, all_rows, all_cells, start = [], [], [], 0
    for t in tables:
        cells, r, c = table_cells(rows, t, start)
        built.append(cells)
        all_rows.append(r)
        all_cells.append(c)
        start = cells.stop
    r = np.concatenate(all_rows)
    c = np.concatenate(all_cells)
    X = sp.csc_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), start))
    top = {}
    for m in money:
        top[m] = top2(c, rows[f"{m}__max1"].to_numpy(float)[r], rows[f"{m}__max2"].to_numpy(float)[r], start)
    table_of = np.concatenate([np.full(len(t.labels), i) for i, t in enumerate(built)])
    return CellSpace(rows=rows, X=X, tables=built,
                     count=X.T @ rows[count].to_numpy(float),
                     sums={s: X.T @ rows[s].to_numpy(float) for s in sums},
                     top=top, table_of=table_of, depth=np.concatenate([t.depth for t in built]))


def match_rows(rows: pd.DataFrame, frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(inner row, frame row) pairs: a frame row covers the inner rows equal on its non-ALL labels.
    Label columns absent from ``rows`` must be ALL, else the frame row covers nothing."""
    frame = frame.reset_index(drop=True)
    labels = frame[columns].astype(str)
    pattern = labels.ne(ALL)
    out_r, out_f = [], []
    base = rows.reset_index(drop=True).assign(__row=np.arange(len(rows)))
    for key, idx in pattern.groupby(list(columns), sort=False).groups.items():
        key = key if isinstance(key, tuple) else (key,)
        fixed = [c for c, k in zip(columns, key) if k]
        if any(c not in rows.columns for c in fixed):
            continue
        part = labels.loc[idx, fixed].assign(__frame=np.asarray(idx))
        if not fixed:
            out_r.append(base["__row"].to_numpy().repeat(len(part)))
            out_f.append(np.tile(part["__frame"].to_numpy(), len(base)))
            continue
        merged = base[[*fixed, "__row"]].merge(part, on=fixed, how="inner")
        out_r.append(merged["__row"].to_numpy())
        out_f.append(merged["__frame"].to_numpy())
    if not out_r:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_r).astype(np.int64), np.concatenate(out_f).astype(np.int64)


def incidence(rows: pd.DataFrame, frame: pd.DataFrame, columns: list[str]) -> sp.csr_matrix:
    """frame rows x inner rows, 0/1."""
    r, f = match_rows(rows, frame, columns)
    return sp.csr_matrix((np.ones(len(r)), (f, r)), shape=(len(frame), len(rows)))
