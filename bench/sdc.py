"""Disclosure-control benchmark: ``protect`` on one 5-dimension table with hierarchical margins.

Data (synthetic, seeded): month (with quarter) x province (34, with 6 regions) x ICD-10 chapter (22) x
age band x sex (2); counts are Poisson with multiplicative, skewed effects per dimension (a few large
provinces and chapters, many small cells: realistic sparsity, about half of the interior cells are
0-7), costs log-normal per encounter with a largest and second-largest contribution per cell. The table
is sized to about ``cells`` cells including every margin (quarter, region, totals).

``python -m bench.sdc [cells]`` prints one JSON line: seconds per phase, peak RSS, cells, suppressed per
kind, utility, and the interval audit's figures (``audit``: targets checked, certified without an LP,
certified by local LPs, sent to the full LP, left unaudited at the ``audit_seconds`` cap, findings). ``run_sdc_bench(cells)`` returns the same dict (the bench runner calls it in a child).
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time

import numpy as np
import pandas as pd


def synthetic_inner(cells: int = 500_000, seed: int = 7, mean: float = 12.0) -> tuple[pd.DataFrame, list]:
    """Inner cells and the one table request whose grid has about ``cells`` cells."""
    from pipelines.disclose import TableRequest

    rng = np.random.default_rng(seed)
    provinces, regions, chapters, sexes = 34, 6, 22, 2
    # grid size (months+quarters+1)(34+6+1)(22+1)(ages+1)(2+1); choose months and age bands to fit
    per_rest = (provinces + regions + 1) * (chapters + 1) * (sexes + 1)
    ages = 10
    months = max(1, int(round((cells / per_rest / (ages + 1) - 1) / (1 + 1 / 3))))
    month = np.array([f"2025-{m + 1:02d}" if m < 12 else f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(months)])
    quarter = np.array([f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in month])
    prov = np.array([f"P{p:02d}" for p in range(provinces)])
    region = np.array([f"R{p % regions}" for p in range(provinces)])
    chap = np.array([f"C{c:02d}" for c in range(1, chapters + 1)])
    age = np.array([f"A{a:02d}" for a in range(ages)])
    sex = np.array(["1", "2"])
    eff = [rng.uniform(0.8, 1.2, months), rng.lognormal(0, 1.0, provinces), rng.lognormal(0, 1.3, chapters),
           rng.lognormal(0, 0.7, ages), np.array([0.9, 1.1])]
    grid = np.stack(np.meshgrid(*[np.arange(len(e)) for e in eff], indexing="ij"), -1).reshape(-1, 5)
    lam = np.ones(len(grid))
    for d, e in enumerate(eff):
        lam *= e[grid[:, d]]
    lam *= mean / lam.mean()
    n = rng.poisson(lam)
    keep = n > 0
    grid, n = grid[keep], n[keep]
    cost = n * rng.lognormal(13.5, 0.6, len(n))
    share1 = np.minimum(1.0, rng.lognormal(0, 0.8, len(n)) / n)
    share2 = np.minimum(1.0 - share1, share1 * rng.uniform(0.3, 1.0, len(n))) * (n > 1)
    inner = pd.DataFrame({"month": month[grid[:, 0]], "quarter": quarter[grid[:, 0]],
                          "province": prov[grid[:, 1]], "region": region[grid[:, 1]],
                          "chapter": chap[grid[:, 2]], "age_band": age[grid[:, 3]], "sex": sex[grid[:, 4]],
                          "encounters": n, "cost": cost, "cost__max1": cost * share1, "cost__max2": cost * share2})
    table = TableRequest("bench", ["month", "province", "chapter", "age_band", "sex"],
                         hierarchy={"month": ["quarter"], "province": ["region"]})
    return inner, [table]


SDC_CELLS = int(os.environ.get("BENCH_SDC_CELLS", "500000"))
SDC_MEAN = float(os.environ.get("BENCH_SDC_MEAN", "60"))


def run_sdc_bench(cells: int = 500_000, seed: int = 7, mean: float = SDC_MEAN) -> dict:
    """Protect the synthetic table; seconds per phase, peak RSS (MB) and the figures of the release."""
    from pipelines.disclose import SdcParams, protect

    inner, tables = synthetic_inner(cells, seed, mean)
    load = os.getloadavg()[0]
    cpu = time.process_time()
    start = time.perf_counter()
    release = protect(inner, tables, count="encounters", sums=["cost"], params=SdcParams())
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    s = release.stats
    return {"case": "disclosure control: protect, 5 dimensions with hierarchical margins",
            "cells": s["cells"], "inner_cells": s["inner_cells"], "mean_count": mean,
            "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "load_before": round(load, 2),
            "phases": s["seconds"], "suppressed": s["suppressed"], "utility": s["utility"],
            "audit": {**s["audit"], "findings": len(release.findings)}, "gauss": s["gauss"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def bench_sdc(cells: int, child) -> list[dict]:
    """The bench runner's case: ``run_sdc_bench`` in a fresh interpreter (its own peak RSS)."""
    r = child(f"import json; from bench.sdc import run_sdc_bench; print(json.dumps(run_sdc_bench({cells})))")
    r.update(encounters=r["inner_cells"], encounters_per_s=round(r["cells"] / max(r["seconds"], 1e-9), 1))
    r["case"] += f": {r['cells']:,} cells in {r['seconds']} s"
    return [r]


if __name__ == "__main__":
    print(json.dumps(run_sdc_bench(int(sys.argv[1]) if len(sys.argv) > 1 else 500_000)))
