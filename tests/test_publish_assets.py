"""Airflow Assets: one per published dataset, URIs naming the real folder; the consumer DAG reads the catalog."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.airflow
DAGS = Path(__file__).resolve().parent.parent / "dags"


@pytest.fixture
def dagbag(tmp_path, monkeypatch):
    monkeypatch.setenv("ANDANH_WORKDIR", str(tmp_path / "data"))
    for module in ("andanh_assets", "andanh_stages"):
        sys.modules.pop(module, None)  # re-read the data root
    from airflow.dag_processing.dagbag import DagBag
    yield DagBag(dag_folder=str(DAGS))  # parsed only, never written to the metadata database
    for module in ("andanh_assets", "andanh_stages"):
        sys.modules.pop(module, None)  # later tests parse under the session's data root again


def test_assets_name_the_published_folders(dagbag, tmp_path):
    assert dagbag.import_errors == {}
    outlets = dagbag.dags["andanh_kcb"].get_task("release").outlets
    uris = {a.name: a.uri for a in outlets}
    expected = (tmp_path / "data" / "published" / "encounters").resolve().as_uri()
    assert uris["andanh_encounters"] == expected
    assert {"andanh_encounters", "andanh_deaths", "andanh_referrals", "andanh_drugs"} <= set(uris)
    assert all(a.uri.startswith("file:///") and a.name.startswith("andanh_") for a in outlets)
    assert {a.name for a in dagbag.dags["andanh_his"].get_task("release").outlets} == set(uris)


def test_consumer_dag_is_scheduled_on_a_published_asset(dagbag):
    dag = dagbag.dags["andanh_consumer_example"]
    scheduled = {a.name for a in dag.timetable.asset_condition.objects}  # schedule=[asset]: AssetAll of one
    outlets = {a.name for a in dagbag.dags["andanh_kcb"].get_task("release").outlets}
    assert scheduled and scheduled <= outlets
    assert dag.get_task("read_latest").inlets


def test_consumer_reads_the_latest_release_through_the_sandboxed_catalog(workdir):
    from pipelines.publish import publish_release
    from pipelines.publish.consume import latest_release
    from tests.publish_fixtures import spec, tables
    publish_release(workdir, spec(), "v1", tables(), metadata={})
    publish_release(workdir, spec(), "v2", tables(scale=2), metadata={})
    got = latest_release(str(workdir.root), "encounters")
    assert got == {"dataset": "encounters", "version": "v2", "verified": True, "rows": 10,
                   "tables": {"by_province": 8, "national": 2}}
    with pytest.raises(ValueError):
        latest_release(str(workdir.root), "x' OR 1=1 --")


@pytest.mark.slow
def test_airflow_dags_test_runs_the_consumer(tmp_path):
    """`airflow dags test` of the consumer against a real published release (the first declared dataset)."""
    from pipelines.publish import publish_release
    from pipelines.workdir import Workdir
    from tests.publish_fixtures import spec, tables
    workdir = Workdir.at(tmp_path / "data").ensure()
    publish_release(workdir, spec(name="encounters"), "v1", tables(), metadata={})
    # its own metadata database: an asset of the same name registered by another test with another data
    # root would make this one inactive (Airflow keeps one active asset per name)
    home = tmp_path / "airflow"
    env = os.environ | {"ANDANH_WORKDIR": str(workdir.root), "PYTHONPATH": os.getcwd(), "AIRFLOW_HOME": str(home),
                        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}"}
    migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True,
                             env=env)
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    run = subprocess.run([sys.executable, "-m", "airflow", "dags", "test", "andanh_consumer_example"],
                         capture_output=True, text=True, env=env, timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    assert "success" in out.lower() and "'version': 'v1'" in out, out[-3000:]
