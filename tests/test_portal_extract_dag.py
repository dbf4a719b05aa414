"""Deployed, the portal cannot read the restricted zone: an approved extract request waits for the
andanh_extract DAG, which builds and output-checks it (issue 11, point 4); the custodian then releases it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from portal_fixtures import Portal
from test_portal import act, new_request, state

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


@pytest.fixture()
def portal(tmp_path):
    return Portal(tmp_path / "data")


def test_an_approved_request_is_built_by_the_extract_dag(portal, monkeypatch):
    monkeypatch.setenv("ANDANH_EXTRACT_BUILDS", "airflow")
    researcher = portal.signin("researcher", purpose="scientific_research")
    request_id = new_request(portal, researcher)
    assert act(portal, researcher, request_id, "submit").status_code == 303
    c1 = portal.signin("custodian1", purpose="policy_formulation")
    c2 = portal.signin("custodian2", purpose="policy_formulation")
    assert act(portal, c1, request_id, "approve").status_code == 303
    assert act(portal, c2, request_id, "approve").status_code == 303
    assert state(portal, request_id) == "approved"  # not built by the portal
    assert portal.audit_entries(action="extract.queued")[-1].resource == f"request:{request_id}"
    assert act(portal, c1, request_id, "release").status_code == 403  # nothing built to release yet

    migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState
    dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags["andanh_extract"]
    run = dag.test(run_conf={"workdir": str(portal.workdir.root)})
    assert run.state == DagRunState.SUCCESS

    assert state(portal, request_id) == "built"
    built = portal.audit_entries(action="extract.build")[-1]
    assert (built.actor, built.outcome, built.purpose) == ("andanh-extract-builder", "ok", "scientific_research")
    assert json.loads(built.details)["output_check"] is True
    assert act(portal, c1, request_id, "release").status_code == 303 and state(portal, request_id) == "released"
    again = dag.test(run_conf={"workdir": str(portal.workdir.root)})  # nothing approved is left: a no-op
    assert again.state == DagRunState.SUCCESS and len(portal.audit_entries(action="extract.build")) == 1
