"""Closed periods and the frozen cells of every released period (no differencing across releases).

A period (the dataset's ``release_period``: a month ``2025-03``, quarter ``2025-Q1`` or year
``2025``) is **closed** once ``release_lateness_days`` (setting ``ANDANH_RELEASE_LATENESS_DAYS``,
default 10) have passed after its last day. Only closed periods are released. The protected tables
of a period are computed once, when it is first released, and **frozen** in the restricted zone
(``restricted/releases/<dataset>/<period>/``: one Parquet per table with the suppression reasons,
``period.json`` with the batches it was computed from and its counts). Every later release carries
the frozen cells unchanged, so two releases differ only by whole new periods, whose cells describe
encounters no earlier release contained.

Late data (an episode of a frozen period, or a new version of one, in a batch that arrived after
the freeze) is **held back**: it is never published, its count is written to the ledger and the
release summary (``held_back``) so the data owner sees it. Revising a published period would need
the revision protected as cells of its own (not done).
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.datasets import DatasetConfigError, DatasetSpec, TableSpec
from pipelines.workdir import Workdir, scratch_path, writes_private

DEFAULT_LATENESS_DAYS = 10


def period_bounds(label: str, level: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period label (``2025-03``, ``2025-Q1``, ``2025``)."""
    try:
        year = int(label[:4])
        if level == "month":
            first_month, last_month = int(label[5:7]), int(label[5:7])
        elif level == "quarter":
            q = int(label.split("-Q")[1])
            first_month, last_month = 3 * q - 2, 3 * q
        elif level == "year":
            first_month, last_month = 1, 12
        else:
            raise ValueError(level)
        return dt.date(year, first_month, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    except (ValueError, IndexError):
        raise ValueError(f"{label!r} is not a {level} label") from None


def is_closed(label: str, level: str, as_of: dt.date, lateness_days: int) -> bool:
    """A period is closed when ``lateness_days`` full days have passed after its last day."""
    return as_of > period_bounds(label, level)[1] + dt.timedelta(days=lateness_days)


def lateness_days(value: int | None = None) -> int:
    if value is not None:
        return value
    from pipelines.settings import get_settings
    return get_settings().release_lateness_days


def tables_for(spec: DatasetSpec, period: str) -> list[TableSpec]:
    """The tables released for a period (a table with ``until`` only for periods ending before it)."""
    end = period_bounds(period, spec.release_period)[1]
    return [t for t in spec.tables if t.until is None or end < dt.date.fromisoformat(t.until)]


def config_digest(spec: DatasetSpec) -> str:
    """Digest of everything that shapes a dataset's cells (tables, dimensions, measures, disclosure)."""
    keys = ("source", "population", "period", "dimensions", "measures", "tables", "disclosure", "include_special")
    doc = {k: spec.config.get(k) for k in keys}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass
class FrozenPeriod:
    dataset: str
    period: str
    tables: dict[str, pd.DataFrame]
    meta: dict

    @property
    def batches(self) -> list[str]:
        return self.meta["batches"]


def store_dir(workdir: Workdir, dataset: str) -> Path:
    return workdir.restricted / "releases" / dataset


def frozen_periods(workdir: Workdir, spec: DatasetSpec) -> list[str]:
    root = store_dir(workdir, spec.name)
    return sorted(p.parent.name for p in root.glob("*/period.json")) if root.exists() else []


def frozen_meta(workdir: Workdir, spec: DatasetSpec, period: str) -> dict | None:
    """A frozen period's ``period.json`` (None when the period is not frozen)."""
    path = store_dir(workdir, spec.name) / period / "period.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def load_frozen(workdir: Workdir, spec: DatasetSpec, period: str) -> FrozenPeriod | None:
    folder = store_dir(workdir, spec.name) / period
    meta = frozen_meta(workdir, spec, period)
    if meta is None:
        return None
    if meta.get("config_digest") != config_digest(spec):
        raise DatasetConfigError(
            f"dataset {spec.name}: its configuration changed after period {period} was released; published "
            "cells are never recomputed (that would open a differencing attack). Declare the changed dataset "
            "under a new name, or retire the old one and remove its frozen periods on purpose")
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in meta["tables"]}
    return FrozenPeriod(spec.name, period, tables, meta)


@writes_private
def freeze(workdir: Workdir, spec: DatasetSpec, period: str, tables: dict[str, pd.DataFrame],
           meta: dict) -> FrozenPeriod:
    """Store a period's protected tables once (atomically); refuses to overwrite a frozen period."""
    root = store_dir(workdir, spec.name)
    final = root / period
    if (final / "period.json").exists():
        raise FileExistsError(f"dataset {spec.name}: period {period} is frozen already")
    root.mkdir(parents=True, exist_ok=True)
    staging = scratch_path(workdir.tmp, f"freeze-{spec.name}-{period}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_parquet(staging / f"{name}.parquet", index=False)
    meta = meta | {"dataset": spec.name, "period": period, "tables": sorted(tables),
                   "config_digest": config_digest(spec),
                   "frozen_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    (staging / "period.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)  # a half-written folder of a crashed run (no period.json)
    os.rename(staging, final)
    return FrozenPeriod(spec.name, period, tables, meta)


@writes_private
def unfreeze(workdir: Workdir, spec: DatasetSpec, period: str) -> dict | None:
    """Remove a frozen period that was never published (a dp release that failed before it reached
    ``published/``); returns its ``period.json`` (None when it was not frozen)."""
    folder = store_dir(workdir, spec.name) / period
    meta = frozen_meta(workdir, spec, period)
    if meta is None:
        return None
    trash = scratch_path(workdir.tmp, f"unfreeze-{spec.name}-{period}")
    workdir.tmp.mkdir(parents=True, exist_ok=True)
    os.rename(folder, trash)  # one step: the period is frozen or not, never half
    shutil.rmtree(trash, ignore_errors=True)
    return meta
