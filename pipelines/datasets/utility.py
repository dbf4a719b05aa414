"""Utility of a release: how much of the data analysts can actually see.

Definitions (computed on the true inner cells, before rounding):

- A table's **encounter share**: the share of the dataset's rows (encounters, deaths, ...) that lie in
  a published *interior* cell of the table (every dimension at its own level, no total margin ``*``)
  whose count is not suppressed. Its **cost share** (per money measure): the share of the money in
  interior cells whose sum is published.
- An encounter is **visible** if at least one national or province-level table of its dataset (a
  table without a geographic dimension, or whose geography is a province) has a published,
  non-suppressed interior cell containing it. Margins do not count: the grand total contains every
  encounter and would make the figure meaningless.
"""
from __future__ import annotations

import pandas as pd

from pipelines.datasets import DatasetSpec, TableSpec
from pipelines.hierarchies import ALL

VISIBLE_LEVELS = ("national", "province")


def _interior(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    keep = pd.Series(True, index=table.index)
    for c in columns:
        keep &= table[c].astype(str) != ALL
    return table[keep]


def _contains(inner: pd.DataFrame, cells: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per inner row: is it inside one of ``cells`` (matched on ``columns``)?"""
    if not columns:
        return pd.Series(len(cells) > 0, index=inner.index)
    keys = cells[columns].astype(str).drop_duplicates().assign(_hit=True)
    merged = inner[columns].astype(str).merge(keys, on=columns, how="left")
    return pd.Series(merged["_hit"].fillna(False).to_numpy(bool), index=inner.index)


def period_utility(spec: DatasetSpec, inner: pd.DataFrame, tables: dict[str, pd.DataFrame],
                   specs: list[TableSpec]) -> dict:
    """Numerators and denominators of the utility figures of one period (summed over periods later)."""
    count = spec.count_measure.name
    money = [m.name for m in spec.money_measures]
    weights = inner[count].astype(float)
    out = {"rows": float(weights.sum()), "visible_rows": 0.0,
           "money": {m: float(inner[m].astype(float).sum()) for m in money}, "tables": {}}
    visible = pd.Series(False, index=inner.index)
    for t in specs:
        frame = _interior(tables[t.name], t.columns)
        shown = _contains(inner, frame[~frame["suppressed"].astype(bool)], t.columns)
        entry = {"rows": float(weights[shown].sum()), "geography": spec.table_geography(t)}
        for m in money:
            entry[m] = float(inner[m].astype(float)[_contains(inner, frame[frame[m].notna()], t.columns)].sum())
        out["tables"][t.name] = entry
        if entry["geography"] in VISIBLE_LEVELS:
            visible |= shown
    out["visible_rows"] = float(weights[visible].sum())
    return out


def dp_period_utility(spec: DatasetSpec, records: pd.DataFrame, specs: list[TableSpec]) -> dict:
    """The same figures for a dp period: every cell is published (with noise), so every row is
    visible; how close the figures are is their 95% interval, in the frozen period's ``dp`` report."""
    money = {m.name: float(pd.to_numeric(records[m.name], errors="coerce").fillna(0).sum())
             for m in spec.money_measures}
    rows = float(len(records))
    return {"rows": rows, "visible_rows": rows, "money": money,
            "tables": {t.name: {"rows": rows, "geography": spec.table_geography(t), **money} for t in specs}}


def combine(parts: list[dict]) -> dict:
    """Utility of a release from its periods' numerators: shares of rows and of money."""
    rows = sum(p["rows"] for p in parts)
    money_total: dict[str, float] = {}
    tables: dict[str, dict] = {}
    for p in parts:
        for m, v in p["money"].items():
            money_total[m] = money_total.get(m, 0.0) + v
        for name, entry in p["tables"].items():
            acc = tables.setdefault(name, {"geography": entry["geography"]})
            for k, v in entry.items():
                if k != "geography":
                    acc[k] = acc.get(k, 0.0) + v
    share = lambda a, b: round(a / b, 4) if b else None
    return {
        "rows": int(rows),
        "visible_share": share(sum(p["visible_rows"] for p in parts), rows),
        "tables": {name: {"geography": e["geography"], "rows_share": share(e["rows"], rows),
                          **{f"{m}_share": share(e.get(m, 0.0), money_total[m]) for m in money_total}}
                   for name, e in tables.items()},
    }
