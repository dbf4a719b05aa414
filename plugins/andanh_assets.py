"""Airflow Assets of the published datasets: one per dataset, its URI the real published folder.

``file://<data root>/published/<dataset>`` (``Workdir.at().published``: the data root of the settings
object, as the pipeline reads it), named ``andanh_<dataset>`` (stable:
the name does not change when the data root moves). Datasets come from the one declaration,
:func:`pipelines.datasets.load_datasets`. Both are light imports (pydantic, PyYAML): this runs when DAG
files are parsed.
"""
from __future__ import annotations

from pathlib import Path

from airflow.sdk import Asset

from pipelines.datasets import load_datasets
from pipelines.workdir import Workdir


def published_root() -> Path:
    return Workdir.at().published


def declared_datasets() -> list[str]:
    """Dataset names, in declaration order."""
    return [spec.name for spec in load_datasets()]


def asset_name(dataset: str) -> str:
    return f"andanh_{dataset}"


def dataset_asset(dataset: str) -> Asset:
    return Asset(name=asset_name(dataset), uri=(published_root() / dataset).as_uri(), group="andanh",
                 extra={"dataset": dataset, "catalog": "andanh.duckdb"})


def published_assets() -> list[Asset]:
    names = list(dict.fromkeys(declared_datasets()))
    return [dataset_asset(name) for name in names]
