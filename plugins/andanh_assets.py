"""Airflow Assets of the published datasets: one per dataset, its URI the real published folder.

``file://<data root>/published/<dataset>`` (the data root from ``ANDANH_WORKDIR``, as the pipeline reads
it), named ``andanh_<dataset>`` (stable: the name does not change when the data root moves). Datasets
come from ``pipelines/datasets/datasets.yaml``. Standard library and PyYAML only: this runs when DAG files are parsed.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from airflow.sdk import Asset

DEFAULT_WORKDIR = "andanh-data"  # pipelines.settings.Settings.workdir's default


def published_root() -> Path:
    return (Path(os.environ.get("ANDANH_WORKDIR") or DEFAULT_WORKDIR).expanduser().resolve()) / "published"


def declared_datasets() -> list[str]:
    """Dataset names from the datasets declaration (package data), without importing the pipeline."""
    spec = importlib.util.find_spec("pipelines")
    if spec is None or not spec.submodule_search_locations:
        return []
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "datasets.yaml"
    if not path.exists():
        return []
    import yaml
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = raw.get("datasets", raw) if isinstance(raw, dict) else raw
    if isinstance(entries, dict):
        return [str(name) for name in entries]
    return [str(e["name"]) for e in entries if isinstance(e, dict) and "name" in e]


def asset_name(dataset: str) -> str:
    return f"andanh_{dataset}"


def dataset_asset(dataset: str) -> Asset:
    return Asset(name=asset_name(dataset), uri=(published_root() / dataset).as_uri(), group="andanh",
                 extra={"dataset": dataset, "catalog": "andanh.duckdb"})


def published_assets() -> list[Asset]:
    names = list(dict.fromkeys(declared_datasets()))
    return [dataset_asset(name) for name in names]
