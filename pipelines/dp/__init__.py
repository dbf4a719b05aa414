"""Differentially private counts and sums with OpenDP, each with its 95% interval, paid from an ε budget.

:func:`release_dp` takes record-level rows (one per episode, with the person token), bounds each
person's contribution (at most ``max_contributions`` records per person, chosen at random; every value
clamped to its declared ``[lower, upper]``), computes every cell of the declared groups (the full
cartesian product of declared categories, zero cells included: which cells exist is public, not read
from the data) and adds OpenDP noise: discrete Laplace on counts and Laplace on sums (or Gaussian,
zCDP turned into (ε, δ)). ε is split evenly between the count and the sums; each scale is found with
OpenDP's own privacy map (``binary_search_param``), so the ε recorded is what OpenDP certifies. The
budget is spent first and refunded if anything fails (:class:`pipelines.dp.budget.EpsilonLedger`).

Sensitivity (adding or removing one person): a count changes by at most ``max_contributions`` (L1,
and L2 in the worst case of one cell), a sum by ``max_contributions * max(|lower|, |upper|)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipelines.dp.budget import BudgetExceeded, EpsilonLedger, Spend, metadata

MECHANISMS = ("laplace", "gaussian")
MAX_CELLS = 2_000_000


@dataclass(frozen=True)
class GroupSpec:
    column: str
    categories: tuple[str, ...]
    hierarchy: str | None = None
    level: str | None = None
    from_level: str | None = None

    @classmethod
    def parse(cls, item: Any) -> "GroupSpec":
        if not isinstance(item, dict) or "column" not in item:
            raise ValueError(f"a DP group is {{column, categories}} or {{column, hierarchy, level}}, not {item!r}")
        categories = item.get("categories")
        if categories is None:
            if not item.get("hierarchy") or not item.get("level"):
                raise ValueError(f"DP group {item['column']!r}: give its categories, or a hierarchy and a finite level")
            from pipelines.hierarchies import get_hierarchy
            categories = get_hierarchy(item["hierarchy"]).labels(item["level"])
            if categories is None:
                raise ValueError(f"DP group {item['column']!r}: level {item['level']!r} has no finite label list; "
                                 "list the categories")
        return cls(item["column"], tuple(str(c) for c in categories), item.get("hierarchy"), item.get("level"),
                   item.get("from_level"))


@dataclass(frozen=True)
class DpRequest:
    epsilon: float
    groups: tuple[GroupSpec, ...] = ()
    sums: dict[str, tuple[float, float]] = field(default_factory=dict)
    max_contributions: int = 1
    mechanism: str = "laplace"
    delta: float = 1e-7
    alpha: float = 0.05
    consumer: str | None = None

    def __post_init__(self) -> None:
        if not self.epsilon > 0:
            raise ValueError("dp.epsilon must be positive")
        if self.mechanism not in MECHANISMS:
            raise ValueError(f"dp.mechanism must be one of {', '.join(MECHANISMS)}")
        if self.max_contributions < 1:
            raise ValueError("dp.max_contributions must be at least 1")
        for column, (lo, hi) in self.sums.items():
            if not lo <= hi:
                raise ValueError(f"dp.sums.{column}: lower must not exceed upper")

    @classmethod
    def from_config(cls, config: dict) -> "DpRequest":
        known = {"method", "epsilon", "groups", "sums", "max_contributions", "mechanism", "delta", "alpha", "consumer",
                 "bounds"}
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"unknown dp key(s): {', '.join(sorted(unknown))}")
        sums = {c: (float(b["lower"]), float(b["upper"])) if isinstance(b, dict) else (float(b[0]), float(b[1]))
                for c, b in (config.get("sums") or config.get("bounds") or {}).items()}
        return cls(float(config["epsilon"]), tuple(GroupSpec.parse(g) for g in config.get("groups") or ()), sums,
                   int(config.get("max_contributions", 1)), config.get("mechanism", "laplace"),
                   float(config.get("delta", 1e-7)), float(config.get("alpha", 0.05)), config.get("consumer"))


@dataclass
class DpRelease:
    table: pd.DataFrame
    report: dict
    spend: Spend | None = None


# --- OpenDP measurements ---------------------------------------------------------------------------

def _dp():
    import opendp.prelude as dp
    dp.enable_features("contrib")
    return dp


def _measurement(kind: str, mechanism: str, scale: float, delta: float):
    """A vector measurement: integers (counts) or floats (sums), Laplace (pure ε) or Gaussian (ε, δ)."""
    dp = _dp()
    atom = dp.atom_domain(T="i64") if kind == "count" else dp.atom_domain(T=float, nan=False)
    domain = dp.vector_domain(atom)
    if mechanism == "laplace":
        metric = dp.l1_distance(T="i64") if kind == "count" else dp.l1_distance(T=float)
        return dp.m.make_laplace(domain, metric, scale=scale)
    metric = dp.l2_distance(T="i64") if kind == "count" else dp.l2_distance(T=float)
    return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(dp.m.make_gaussian(domain, metric, scale=scale)), delta)


def _epsilon_of(meas, d_in: float) -> float:
    out = meas.map(d_in)
    return float(out[0] if isinstance(out, tuple) else out)


def calibrate(kind: str, mechanism: str, sensitivity: float, epsilon: float, delta: float) -> tuple[object, float]:
    """The measurement whose OpenDP privacy map gives at most ``epsilon`` at ``sensitivity``, and its scale."""
    dp = _dp()
    d_in = int(np.ceil(sensitivity)) if kind == "count" else float(sensitivity)
    if mechanism == "laplace":
        scale = dp.binary_search_param(lambda s: _measurement(kind, mechanism, s, delta), d_in=d_in, d_out=epsilon)
    else:  # zCDP: rho = d^2 / (2 s^2) and eps = rho + 2 sqrt(rho ln(1/delta)); then checked by OpenDP's map
        log_term = float(np.log(1 / delta))
        rho = (np.sqrt(log_term + epsilon) - np.sqrt(log_term)) ** 2
        scale = float(d_in) / float(np.sqrt(2 * rho))
        while _epsilon_of(_measurement(kind, mechanism, scale, delta), d_in) > epsilon:
            scale *= 1.001
    return _measurement(kind, mechanism, scale, delta), float(scale)


def half_width(kind: str, mechanism: str, scale: float, alpha: float) -> float:
    """Half-width of the (1 - alpha) interval of the noise (OpenDP's accuracy functions)."""
    dp = _dp()
    if mechanism == "laplace":
        fn = dp.discrete_laplacian_scale_to_accuracy if kind == "count" else dp.laplacian_scale_to_accuracy
    else:
        fn = dp.discrete_gaussian_scale_to_accuracy if kind == "count" else dp.gaussian_scale_to_accuracy
    return float(fn(scale, alpha))


# --- the release -----------------------------------------------------------------------------------

def bound_contributions(records: pd.DataFrame, person: str | None, max_contributions: int,
                        rng: np.random.Generator) -> pd.DataFrame:
    """At most ``max_contributions`` records per person, chosen at random (no person column: one per row)."""
    if person is None or person not in records.columns:
        if max_contributions < 1:
            raise ValueError("max_contributions must be at least 1")
        return records
    shuffled = records.iloc[rng.permutation(len(records))]
    return shuffled[shuffled.groupby(person, sort=False).cumcount() < max_contributions]


def _cells(records: pd.DataFrame, groups: tuple[GroupSpec, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """Per record its cell index in the cartesian product of the groups' categories (-1: outside), and the cells."""
    n_cells = int(np.prod([len(g.categories) for g in groups])) if groups else 1
    if n_cells > MAX_CELLS:
        raise ValueError(f"{n_cells} DP cells requested; at most {MAX_CELLS}")
    index = np.zeros(len(records), dtype=np.int64)
    valid = np.ones(len(records), dtype=bool)
    for g in groups:
        values = records[g.column]
        if g.hierarchy and g.level:
            from pipelines.hierarchies import get_hierarchy
            values = get_hierarchy(g.hierarchy).generalise(values, g.level, from_level=g.from_level)
        codes = pd.Categorical(values.astype(object).where(values.notna(), None), categories=list(g.categories)).codes
        valid &= codes >= 0
        index = index * len(g.categories) + np.maximum(codes, 0)
    grid = pd.MultiIndex.from_product([list(g.categories) for g in groups], names=[g.column for g in groups]) \
        if groups else None
    cells = grid.to_frame(index=False) if grid is not None else pd.DataFrame(index=[0])
    return np.where(valid, index, -1), cells


def release_dp(records: pd.DataFrame, spec: DpRequest, *, ledger: EpsilonLedger, consumer: str, release_id: str,
               person: str | None = "PERSON_ID", rng: np.random.Generator | None = None) -> DpRelease:
    """Noisy counts (and sums) per cell with their intervals; spends ``spec.epsilon`` of ``consumer``'s
    budget first (:class:`BudgetExceeded` if it would overspend; nothing spent) and refunds on failure."""
    with ledger.reserve(consumer, spec.epsilon, release_id,
                        details={"mechanism": spec.mechanism, "sums": sorted(spec.sums)}) as spend:
        table, report = _compute(records, spec, person, rng or np.random.default_rng())
    report |= {"consumer": consumer, "release_id": release_id, "spend_id": spend.id,
               "epsilon_remaining": ledger.remaining(consumer)}
    return DpRelease(table, report, spend)


def _compute(records: pd.DataFrame, spec: DpRequest, person: str | None, rng: np.random.Generator):
    for column in [g.column for g in spec.groups] + list(spec.sums):
        if column not in records.columns:
            raise ValueError(f"DP column {column!r} is not in the data")
    bounded = bound_contributions(records, person, spec.max_contributions, rng)
    cell, cells = _cells(bounded, spec.groups)
    inside = cell >= 0
    n_cells = len(cells)
    parts = 1 + len(spec.sums)
    eps_part = spec.epsilon / parts
    delta_part = spec.delta / parts
    c = spec.max_contributions
    out = cells.copy()
    measurements = {}
    counts = np.bincount(cell[inside], minlength=n_cells).astype(np.int64)
    meas, scale = calibrate("count", spec.mechanism, c, eps_part, delta_part)
    noisy = np.asarray(meas(counts.tolist()), dtype=np.int64)
    hw = half_width("count", spec.mechanism, scale, spec.alpha)
    out["count"], out["count_low"], out["count_high"] = noisy, noisy - hw, noisy + hw
    measurements["count"] = {"sensitivity": c, "scale": scale, "epsilon": _epsilon_of(meas, c), "half_width": hw}
    for column, (lo, hi) in spec.sums.items():
        values = pd.to_numeric(bounded[column], errors="coerce").fillna(0.0).clip(lo, hi).to_numpy(np.float64)
        sums = np.bincount(cell[inside], weights=values[inside], minlength=n_cells)
        sens = c * max(abs(lo), abs(hi))
        meas, scale = calibrate("sum", spec.mechanism, sens, eps_part, delta_part)
        noisy_sum = np.asarray(meas(sums.tolist()), dtype=np.float64)
        hw = half_width("sum", spec.mechanism, scale, spec.alpha)
        out[f"{column}_sum"], out[f"{column}_sum_low"], out[f"{column}_sum_high"] = noisy_sum, noisy_sum - hw, noisy_sum + hw
        measurements[f"{column}_sum"] = {"sensitivity": sens, "scale": scale, "epsilon": _epsilon_of(meas, sens),
                                         "half_width": hw, "lower": lo, "upper": hi}
    report = {"method": "dp", "mechanism": spec.mechanism, "epsilon": spec.epsilon,
              "delta": spec.delta if spec.mechanism == "gaussian" else 0.0, "interval": 1 - spec.alpha,
              "max_contributions": c, "cells": n_cells, "measurements": measurements,
              "library": "opendp"}
    return out, report


__all__ = ["BudgetExceeded", "DpRelease", "DpRequest", "EpsilonLedger", "GroupSpec", "Spend", "metadata",
           "release_dp", "calibrate", "half_width"]
