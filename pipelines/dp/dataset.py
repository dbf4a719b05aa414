"""A declared dataset with ``disclosure.method: dp``: one closed period's tables, with OpenDP noise.

The one release step (:func:`pipelines.run.release_dataset`, its ``_freeze_dp_period``) does this for
every new closed period of a dp dataset, once :func:`check_budget` found ε for all of them. It spends
the period's ε from the dataset's budget in the ε-ledger (consumer :func:`budget_consumer`:
``release:<dataset>`` unless ``disclosure.consumer`` names another; the custodian sets it with
``andanh dp-budget``), reads the period's records from the safe zone
(:func:`pipelines.aggregate.period_records`, the rows the SDC aggregate groups), keeps at most
``max_contributions`` records per person (``PERSON_ID``), clamps each sum to its declared bounds and
releases **every cell of every table**: the full grid of the dimensions' declared categories (plus
``unknown``) and, per dimension, its total ``*`` (zero cells included; which cells exist is public).
Each table and measure is one OpenDP vector measurement (:func:`pipelines.dp.calibrate`): a record
falls in ``2**k`` cells of a table with ``k`` margin columns, so its sensitivity is
``max_contributions * 2**k`` (L1; ``* sqrt(2**k)`` in L2 for Gaussian) times the bound for a sum. The
period's ε (and δ) is split evenly over the tables x measures. Every figure comes with its 95%
interval (``<measure>_low``, ``<measure>_high``). The noisy tables are frozen with the spend; a failure
before the freeze refunds it (:meth:`pipelines.dp.EpsilonLedger.reserve`), and so does a release that
fails before it reaches ``published/`` (the period is unfrozen: its noise was never published).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pipelines.dp import BudgetExceeded, DpRequest, EpsilonLedger, bound_contributions, calibrate, half_width
from pipelines.dp.budget import TOLERANCE

if TYPE_CHECKING:
    from pipelines.datasets import DatasetSpec, DimensionSpec, TableSpec
    from pipelines.datasets.periods import FrozenPeriod
    from pipelines.workdir import Workdir

ALPHA = 0.05  # every published figure comes with its 95% interval
INTERVAL_SUFFIXES = ("_low", "_high")


def budget_consumer(spec: DatasetSpec) -> str:
    """The ε-ledger consumer a dp dataset's releases are paid from."""
    return spec.disclosure.get("consumer") or f"release:{spec.name}"


def request_of(spec: DatasetSpec) -> DpRequest:
    """The dataset's dp parameters (epsilon per period, mechanism, bounds of every sum measure)."""
    return DpRequest.from_config({k: v for k, v in spec.disclosure.items() if k != "consumer"} | {"alpha": ALPHA})


def interval_columns(spec: DatasetSpec) -> dict[str, dict[str, str]]:
    """The ``_low``/``_high`` columns a dp release publishes, with their dictionary texts (vi, en)."""
    out = {}
    for m in spec.measures.values():
        out[f"{m.name}_low"] = {"vi": f"Cận dưới khoảng tin cậy 95% của {m.name} (nhiễu DP)",
                                "en": f"Lower end of the 95% interval of {m.name} (DP noise)"}
        out[f"{m.name}_high"] = {"vi": f"Cận trên khoảng tin cậy 95% của {m.name} (nhiễu DP)",
                                 "en": f"Upper end of the 95% interval of {m.name} (DP noise)"}
    return out


# --- budget -----------------------------------------------------------------------------------------

def check_budget(ledger: EpsilonLedger, spec: DatasetSpec, new_periods: list[str]) -> None:
    """Refuse (:class:`BudgetExceeded`, nothing spent) when the budget cannot pay every new period."""
    if not new_periods:
        return
    consumer, epsilon = budget_consumer(spec), request_of(spec).epsilon
    total, spent = ledger.status(consumer)
    need = epsilon * len(new_periods)
    if total is None:
        raise BudgetExceeded(f"dataset {spec.name}: its ε budget {consumer!r} is not set; the data custodian sets it "
                             f"(`andanh dp-budget --consumer {consumer} --set …`); refused, nothing was spent or "
                             "published")
    if spent + need > total + TOLERANCE:
        raise BudgetExceeded(
            f"dataset {spec.name}: releasing {len(new_periods)} new period(s) ({', '.join(new_periods)}) needs "
            f"ε={need:g} ({epsilon:g} each) from {consumer!r}, but only {max(total - spent, 0):g} of {total:g} is "
            "left; refused, nothing was spent or published (earlier releases stay as they are)")


def published_spends(workdir: Workdir, dataset: str) -> set[int]:
    """The spend ids of every period any release of ``dataset`` published (current or archived)."""
    from pipelines.publish import catalog

    ids = set()
    for folder in [*workdir.published.glob(f"{dataset}/*/"), *workdir.published.glob(f"{catalog.ARCHIVE}/{dataset}/*/")]:
        periods = ((catalog.read_manifest(folder) or {}).get("metadata") or {}).get("dp", {}).get("periods", {})
        ids |= {int(p["spend_id"]) for p in periods.values() if p.get("spend_id") is not None}
    return ids


def refund_unfrozen(workdir: Workdir, ledger: EpsilonLedger, spec: DatasetSpec, period: str) -> None:
    """Refund the spends of a period that is not frozen yet still marked spent (a run that stopped
    between spend and freeze): that noise was never kept. Never one a release published (a frozen
    period removed by hand after its release stays paid)."""
    consumer, release_id = budget_consumer(spec), f"{spec.name}/{period}"
    kept = published_spends(workdir, spec.name)
    for s in ledger.spends(consumer):
        if s["release_id"] == release_id and s["status"] == "spent" and int(s["id"]) not in kept:
            ledger.refund(int(s["id"]))


# --- cells ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Axis:
    """A column of a dp table: its categories, and whether it gets a total ``*`` margin."""
    column: str
    categories: tuple[str, ...]
    total: bool = True


def dimension_categories(dim: DimensionSpec) -> tuple[str, ...]:
    """The declared categories of a dimension and ``unknown`` (what its SQL maps everything else to)."""
    from pipelines.datasets import UNKNOWN
    labels = dim.labels()
    if labels is None:
        raise ValueError(f"dimension {dim.name!r} has no finite list of categories; a dp table needs one")
    return tuple(dict.fromkeys([*map(str, labels), UNKNOWN]))


def sub_periods(period: str, release_level: str, level: str) -> tuple[str, ...]:
    """The ``level`` labels (months, quarters) inside release period ``period``."""
    from pipelines.datasets.periods import period_bounds
    first, last = period_bounds(period, release_level)
    start, n = first.year * 12 + first.month - 1, (last.year - first.year) * 12 + last.month - first.month + 1
    months = [f"{(start + i) // 12}-{(start + i) % 12 + 1:02d}" for i in range(n)]
    label = {"month": lambda s: s, "quarter": lambda s: f"{s[:4]}-Q{(int(s[5:7]) + 2) // 3}", "year": lambda s: s[:4]}
    return tuple(dict.fromkeys(label[level](m) for m in months))


def table_axes(spec: DatasetSpec, table: TableSpec, period: str) -> list[Axis]:
    """The period column (a table at the release period: that period only; a finer one: its months or
    quarters and their total) and every dimension with its total."""
    if table.period == spec.release_period:
        axes = [Axis(table.period, (period,), total=False)]
    else:
        axes = [Axis(table.period, sub_periods(period, spec.release_period, table.period))]
    return axes + [Axis(d, dimension_categories(spec.dimensions[d])) for d in table.dimensions]


def cell_grid(records: pd.DataFrame, axes: list[Axis]) -> tuple[np.ndarray, pd.DataFrame]:
    """Per record, the index of every cell it falls in (records x 2**margins), and the cells' labels
    (the full grid: each axis's categories, then ``*`` for a margin axis)."""
    from pipelines.datasets import UNKNOWN
    from pipelines.hierarchies import ALL

    items = [list(a.categories) + ([ALL] if a.total else []) for a in axes]
    codes = []
    for a in axes:
        c = pd.Categorical(records[a.column].astype(str), categories=list(a.categories)).codes.astype(np.int64)
        if (c < 0).any():
            fallback = a.categories.index(UNKNOWN) if UNKNOWN in a.categories else -1
            if fallback < 0:
                raise ValueError(f"dp column {a.column!r} has values outside its categories")
            c = np.where(c < 0, fallback, c)
        codes.append(c)
    margins = [i for i, a in enumerate(axes) if a.total]
    columns = []
    for chosen in itertools.chain.from_iterable(itertools.combinations(margins, r) for r in range(len(margins) + 1)):
        index = np.zeros(len(records), dtype=np.int64)
        for i, a in enumerate(axes):
            index = index * len(items[i]) + (len(a.categories) if i in chosen else codes[i])
        columns.append(index)
    grid = pd.MultiIndex.from_product(items, names=[a.column for a in axes]).to_frame(index=False)
    return np.column_stack(columns) if columns else np.zeros((len(records), 0), np.int64), grid


# --- noise ------------------------------------------------------------------------------------------

def _noisy(kind: str, totals: np.ndarray, sensitivity: float, spec: DpRequest,
           parts: int) -> tuple[np.ndarray, float, dict]:
    """OpenDP noise on one vector of cell totals: the noisy values, the interval half-width, the record."""
    from pipelines.dp import _epsilon_of
    meas, scale = calibrate(kind, spec.mechanism, sensitivity, spec.epsilon / parts, spec.delta / parts)
    dtype = np.int64 if kind == "count" else np.float64
    noisy = np.asarray(meas(totals.astype(dtype).tolist()), dtype=dtype)
    hw = half_width(kind, spec.mechanism, scale, ALPHA)
    hw = int(math.ceil(hw)) if kind == "count" else hw
    d_in = int(math.ceil(sensitivity)) if kind == "count" else float(sensitivity)
    return noisy, hw, {"sensitivity": float(sensitivity), "scale": scale, "half_width": hw,
                       "epsilon": _epsilon_of(meas, d_in)}


def _sensitivity(spec: DpRequest, touched: int) -> float:
    """Change of a table's vector when one person (``max_contributions`` records) is added or removed."""
    per_record = touched if spec.mechanism == "laplace" else math.sqrt(touched)
    return spec.max_contributions * per_record


def noisy_table(records: pd.DataFrame, axes: list[Axis], count: str, sums: list[str], spec: DpRequest,
                parts: int) -> tuple[pd.DataFrame, dict]:
    """One table: every cell of the grid with its noisy count and sums and their 95% intervals."""
    index, frame = cell_grid(records, axes)
    touched = index.shape[1]
    flat = index.ravel()
    values, report = {count: ("count", np.bincount(flat, minlength=len(frame)), 1.0)}, {}
    for m in sums:
        lo, hi = spec.sums[m]
        clamped = pd.to_numeric(records[m], errors="coerce").fillna(0.0).clip(lo, hi).to_numpy(np.float64)
        values[m] = ("sum", np.bincount(flat, weights=np.repeat(clamped, touched), minlength=len(frame)),
                     max(abs(lo), abs(hi)))
    for name, (kind, totals, bound) in values.items():
        noisy, hw, report[name] = _noisy(kind, totals, _sensitivity(spec, touched) * bound, spec, parts)
        frame[name], frame[f"{name}_low"], frame[f"{name}_high"] = noisy, noisy - hw, noisy + hw
    return frame, {"cells": len(frame), "cells_per_record": touched, "measurements": report}


def period_tables(records: pd.DataFrame, dataset: DatasetSpec, period: str, tables: list[TableSpec],
                  rng: np.random.Generator | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Every table of one period (:class:`pipelines.datasets.TableSpec`), noisy, and the noise report."""
    from pipelines.aggregate import PERSON

    spec = request_of(dataset)
    if PERSON not in records.columns or records[PERSON].isna().any():
        raise ValueError(f"dataset {dataset.name}: a dp release bounds each person's records and needs {PERSON} "
                         "on every safe-zone row")
    bounded = bound_contributions(records, PERSON, spec.max_contributions, rng or np.random.default_rng())
    sums = [m.name for m in dataset.sum_measures]
    parts = len(tables) * (1 + len(sums))
    frames, report = {}, {}
    for t in tables:
        frames[t.name], report[t.name] = noisy_table(bounded, table_axes(dataset, t, period),
                                                     dataset.count_measure.name, sums, spec, parts)
    certified = sum(m["epsilon"] for r in report.values() for m in r["measurements"].values())
    return frames, {"mechanism": spec.mechanism, "epsilon": spec.epsilon, "certified_epsilon": certified,
                    "delta": spec.delta if spec.mechanism == "gaussian" else 0.0, "interval": 1 - ALPHA,
                    "max_contributions": spec.max_contributions, "bounds": {m: list(spec.sums[m]) for m in sums},
                    "split": parts, "tables": report}


def manifest_entry(dataset: DatasetSpec, frozen: list[FrozenPeriod]) -> dict:
    """What the manifest of a dp release says about privacy: ε spent per period and in total (no
    exact count: the manifest is public)."""
    periods = {f.period: {k: f.meta["dp"][k] for k in ("epsilon", "certified_epsilon", "spend_id", "delta")}
               for f in frozen}
    first = frozen[0].meta["dp"] if frozen else {}
    return {"consumer": budget_consumer(dataset), "mechanism": first.get("mechanism"),
            "interval": 1 - ALPHA, "max_contributions": first.get("max_contributions"),
            "bounds": first.get("bounds"), "epsilon_per_period": request_of(dataset).epsilon,
            "epsilon_spent": sum(p["epsilon"] for p in periods.values()), "periods": periods}


__all__ = ["ALPHA", "Axis", "budget_consumer", "cell_grid", "check_budget", "interval_columns", "manifest_entry",
           "noisy_table", "period_tables", "published_spends", "refund_unfrozen", "request_of", "sub_periods", "table_axes"]
