"""TEMPORARY stand-ins for ``pipelines.disclose.protect`` and ``pipelines.publish.publish_release``.

!!! Replaced at merge by the ``sdc`` and ``publish`` helpers' implementations (INTERFACES.md); only
!!! here so the ``datasets`` branch's release step runs and its tests pass before those land.
:func:`pipelines.run.release` uses the real functions as soon as ``pipelines.disclose.protect`` /
``pipelines.publish.publish_release`` exist, and these only otherwise.

``protect``: complete tables (every combination of the categories seen, zero cells included, and
each dimension's total margin ``*``), primary suppression of counts below ``min_count`` (0 too, so
zeros and small counts look alike), the dominance rule on money sums, a simple secondary
suppression (no relation of a table - a row of one dimension with its total - keeps exactly one
suppressed cell; NOT the LP-audited pattern of the sdc work), counts rounded to ``round_to``.
``publish_release``: Parquet per table (Hive partitions of ``spec.partition_by``), ``manifest.json``
with SHA-256 of every file, ``LATEST`` pointer, catalog ``published/andanh.duckdb`` with
``<dataset>__<table>`` (latest) and ``releases``. No signature (the publish work adds it).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.hierarchies import ALL
from pipelines.workdir import Workdir, scratch_path, sha256_file

DUCKDB_FILE = "andanh.duckdb"


@dataclass(frozen=True)
class TableRequest:
    name: str
    dimensions: list[str]


@dataclass(frozen=True)
class SdcParams:
    min_count: int = 8
    round_to: int = 5
    protection: float = 0.1
    dominance_n: int | None = 2
    dominance_k: float | None = 0.9
    dominance_p: float | None = None

    @classmethod
    def from_config(cls, config: dict) -> "SdcParams":
        dom = config.get("dominance") or {}
        return cls(min_count=config.get("min_count", 8), round_to=config.get("round_to", 5),
                   protection=config.get("protection", 0.1), dominance_n=dom.get("n"), dominance_k=dom.get("k"),
                   dominance_p=dom.get("p"))


@dataclass
class ProtectedRelease:
    tables: dict[str, pd.DataFrame]
    stats: dict = field(default_factory=dict)


def _complete(inner: pd.DataFrame, dims: list[str], count: str, sums: list[str]) -> pd.DataFrame:
    """Every combination of the seen categories and ``*`` per dimension, with true totals."""
    maxcols = [c for c in inner.columns if c.endswith("__max1") or c.endswith("__max2")]
    values = [count, *sums, *maxcols]
    parts = []
    for mask in itertools.product((False, True), repeat=len(dims)):
        keep = [d for d, total in zip(dims, mask) if not total]
        if keep:
            g = inner.groupby(keep, dropna=False)
            part = g[[count, *sums]].sum()
            for m in {c.rsplit("__", 1)[0] for c in maxcols}:
                part[f"{m}__max1"], part[f"{m}__max2"] = _top2(inner, keep, m)
            part = part.reset_index()
        else:
            row = {v: inner[v].sum() for v in [count, *sums]}
            for m in {c.rsplit("__", 1)[0] for c in maxcols}:
                top = np.sort(np.concatenate([inner[f"{m}__max1"].to_numpy(float), inner[f"{m}__max2"].to_numpy(float)]))
                row[f"{m}__max1"], row[f"{m}__max2"] = (top[-1] if len(top) else 0), (top[-2] if len(top) > 1 else 0)
            part = pd.DataFrame([row])
        for d, total in zip(dims, mask):
            if total:
                part[d] = ALL
        parts.append(part)
    cells = pd.concat(parts, ignore_index=True)
    if not dims:
        return cells
    levels = [sorted(set(inner[d].astype(str))) + [ALL] for d in dims]
    grid = pd.MultiIndex.from_product(levels, names=dims) if len(dims) > 1 else pd.Index(levels[0], name=dims[0])
    cells = cells.set_index(dims).reindex(grid).reset_index()
    cells[values] = cells[values].fillna(0)
    return cells


def _top2(inner: pd.DataFrame, keys: list[str], m: str) -> tuple[pd.Series, pd.Series]:
    long = pd.concat([inner[keys + [f"{m}__max1"]].rename(columns={f"{m}__max1": "v"}),
                      inner[keys + [f"{m}__max2"]].rename(columns={f"{m}__max2": "v"})])
    long = long.sort_values("v", ascending=False)
    rank = long.groupby(keys, dropna=False).cumcount()
    first = long[rank == 0].groupby(keys, dropna=False)["v"].max()
    second = long[rank == 1].groupby(keys, dropna=False)["v"].max()
    return first, second.reindex(first.index).fillna(0)


def _dominated(cells: pd.DataFrame, m: str, params: SdcParams) -> pd.Series:
    total, top1, top2 = (cells[c].astype(float) for c in (m, f"{m}__max1", f"{m}__max2"))
    hit = pd.Series(False, index=cells.index)
    if params.dominance_n and params.dominance_k:
        hit |= (total > 0) & ((top1 + top2) > params.dominance_k * total)
    if params.dominance_p:
        hit |= (total > 0) & ((total - top1 - top2) < params.dominance_p * top1)
    return hit


def _secondary(cells: pd.DataFrame, dims: list[str], hidden: pd.Series, size: pd.Series) -> pd.Series:
    """Add cells until no row (one dimension varying, the others fixed, with its total) hides exactly one."""
    hidden = hidden.copy()
    changed = True
    while changed and dims:
        changed = False
        for d in dims:
            others = [o for o in dims if o != d]
            keys = cells[others].astype(str).agg("\x1f".join, axis=1) if others else pd.Series("", index=cells.index)
            n_hidden = hidden.groupby(keys).transform("sum")
            lone = (n_hidden == 1) & (hidden.groupby(keys).transform("size") > 1)
            if not lone.any():
                continue
            candidates = cells.index[lone & ~hidden]
            pick = size[candidates].groupby(keys[candidates]).idxmin()
            hidden[pick.to_numpy()] = True
            changed = True
    return hidden


def _protect_table(inner: pd.DataFrame, dims: list[str], count: str, sums: list[str], params: SdcParams) -> pd.DataFrame:
    cells = _complete(inner, dims, count, sums)
    primary = cells[count] < params.min_count
    hidden = _secondary(cells, dims, primary, cells[count])
    money = [m for m in sums if f"{m}__max1" in cells.columns]
    dominated = pd.Series(False, index=cells.index)
    for m in money:
        dominated |= _dominated(cells, m, params)
    sums_hidden = _secondary(cells, dims, hidden | dominated, cells[count])
    out = cells[dims].copy()
    rounded = (np.floor(cells[count].astype(float) / params.round_to + 0.5) * params.round_to).astype("Int64")
    out[count] = rounded.where(~hidden)
    for m in sums:
        out[m] = cells[m].astype(float).where(~sums_hidden)
    out["suppressed"] = hidden
    out["suppression"] = np.select([primary, hidden, sums_hidden & dominated, sums_hidden],
                                   ["primary", "secondary", "dominance", "secondary"], None)
    return out.sort_values(dims).reset_index(drop=True) if dims else out


def protect(inner: pd.DataFrame, tables: list[TableRequest], *, count: str, sums: list[str], params: SdcParams,
            prior: list | None = None) -> ProtectedRelease:
    out = {t.name: _protect_table(inner, list(t.dimensions), count, sums, params) for t in tables}
    kinds = pd.concat([t["suppression"] for t in out.values()]).value_counts().to_dict() if out else {}
    return ProtectedRelease(out, {"cells": sum(len(t) for t in out.values()),
                                  "suppressed": {k: int(v) for k, v in kinds.items()}})


# --- publish -----------------------------------------------------------------------------------

@dataclass
class PublishSummary:
    dataset: str
    version: str
    path: Path
    rows: int
    already_published: bool
    catalog: Path


def _write_table(frame: pd.DataFrame, folder: Path, partition_by: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.dataset as ds

    frame = frame.drop(columns=["suppression"], errors="ignore")
    table = pa.Table.from_pandas(frame.sort_values(list(frame.columns[:1])) if len(frame.columns) else frame,
                                 preserve_index=False)
    parts = [c for c in partition_by if c in frame.columns]
    folder.mkdir(parents=True)
    if parts:
        ds.write_dataset(table, folder, format="parquet", partitioning=parts, partitioning_flavor="hive",
                         basename_template="part-{i}.parquet", existing_data_behavior="error")
    else:
        import pyarrow.parquet as pq
        pq.write_table(table, folder / "part-0.parquet")


class ReleaseAuditError(RuntimeError):
    """A release failed its audit and was not published."""


def audit(spec, tables: dict[str, pd.DataFrame]) -> None:
    """Re-derive the count rules from the dataset config (refusing floors below the policy) and check
    every table: no visible count 1..min_count-1, every visible count a multiple of round_to, nothing
    behind a suppressed cell, only declared columns."""
    from pipelines.datasets import check_disclosure

    rules = check_disclosure(spec.disclosure, f"dataset {spec.name!r}.disclosure")
    count = spec.count_measure.name
    allowed = {count, "suppressed", "suppression", spec.release_period, *spec.measures,
               *(c for t in spec.tables for c in t.columns)}
    for name, t in tables.items():
        extra = set(t.columns) - allowed
        if extra:
            raise ReleaseAuditError(f"{spec.name}.{name}: undeclared column(s) {sorted(extra)}")
        shown = t[~t["suppressed"].astype(bool)][count].astype(float)
        bad = int(((shown > 0) & (shown < rules["min_count"])).sum() + (shown % rules["round_to"] != 0).sum())
        hidden = t[t["suppressed"].astype(bool)][[m for m in spec.measures if m in t.columns]]
        if bad or hidden.notna().any().any():
            raise ReleaseAuditError(f"{spec.name}.{name}: {bad} visible count(s) break min_count {rules['min_count']} "
                                    f"/ round_to {rules['round_to']}, or a suppressed cell shows a value")


def publish_release(workdir: Workdir, spec, version: str, tables: dict[str, pd.DataFrame], *,
                    metadata: dict) -> PublishSummary:
    audit(spec, tables)
    dataset_dir = workdir.published / spec.name
    final = dataset_dir / version
    content = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name].drop(columns=["suppression"], errors="ignore")
        content.update(name.encode() + b"\0" + frame.to_csv(index=False).encode())
    digest = content.hexdigest()
    rows = sum(len(t) for t in tables.values())
    already = (final / "manifest.json").exists()
    if already:
        if json.loads((final / "manifest.json").read_text())["content_sha256"] != digest:
            raise RuntimeError(f"release {spec.name}/{version} exists with other content; releases are immutable")
    else:
        staging = scratch_path(workdir.tmp, f"release-{spec.name}-{version}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name, frame in tables.items():
            _write_table(frame, staging / name, spec.partition_by)
        files = {str(p.relative_to(staging)): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
                 for p in sorted(staging.rglob("*.parquet"))}
        manifest = {"dataset": spec.name, "version": version, "content_sha256": digest, "rows": rows,
                    "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "tables": {n: {"rows": len(t), "columns": [c for c in t.columns if c != "suppression"]}
                               for n, t in tables.items()},
                    "files": files, **metadata}
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str))
        dataset_dir.mkdir(parents=True, exist_ok=True)
        os.rename(staging, final)
    pointer = scratch_path(dataset_dir, ".LATEST")
    pointer.write_text(version + "\n")
    os.replace(pointer, dataset_dir / "LATEST")
    return PublishSummary(spec.name, version, final, rows, already, rebuild_catalog(workdir))


def rebuild_catalog(workdir: Workdir) -> Path:
    import duckdb

    target = workdir.published / DUCKDB_FILE
    tmp = scratch_path(workdir.tmp, DUCKDB_FILE)
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("CREATE TABLE releases (dataset VARCHAR, version VARCHAR, rows BIGINT, created_at VARCHAR, "
                    "content_sha256 VARCHAR, latest BOOLEAN)")
        for latest_file in sorted(workdir.published.glob("*/LATEST")):
            latest = latest_file.read_text().strip()
            for manifest_path in sorted(latest_file.parent.glob("*/manifest.json")):
                m = json.loads(manifest_path.read_text())
                con.execute("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?)",
                            [m["dataset"], m["version"], m["rows"], m["created_at"], m["content_sha256"],
                             m["version"] == latest])
            for table in sorted(p for p in (latest_file.parent / latest).iterdir() if p.is_dir()):
                con.execute(f'CREATE TABLE "{latest_file.parent.name}__{table.name}" AS SELECT * FROM '
                            "read_parquet($p, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)",
                            {"p": str(table / "**" / "*.parquet")})
    finally:
        con.close()
    os.replace(tmp, target)
    return target
