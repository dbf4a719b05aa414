"""Shared test setup: an isolated Airflow home and quiet third-party logs for every test session."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="andanh-airflow-"))
os.environ.update({
    "AIRFLOW_HOME": str(_AIRFLOW_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).resolve().parent.parent / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(Path(__file__).resolve().parent.parent / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    "AIRFLOW__CORE__PARALLELISM": "2",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
    "GX_ANALYTICS_ENABLED": "False",
    # One data root for the Asset URIs the DAG files compute when they are parsed, the same in every test
    # of a process: Airflow keeps one active Asset per name, so a test parsing the DAGs under another
    # root would leave the next test's assets inactive. Tests give their own data root as a DAG param.
    "ANDANH_WORKDIR": str(_AIRFLOW_HOME / "andanh-data"),
})
os.environ.pop("ANDANH_PSEUDONYM_KEY", None)
os.environ.pop("ANDANH_LEDGER_URL", None)

PG_URL = os.environ.get("ANDANH_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture
def workdir(tmp_path):
    from pipelines.workdir import Workdir
    return Workdir.at(tmp_path / "data").ensure()



@pytest.fixture(scope="session")
def analyzer():
    """The detector's shared Presidio analyzer (built once per process)."""
    from pipelines.detect import shared_analyzer
    return shared_analyzer()
