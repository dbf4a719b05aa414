"""Retention: delete landing, staging, quarantine and safe data past their periods; crypto-shred a
research project's pseudonym scope when asked (param ``shred_project``). Wiring only."""
from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from andanh_stages import default_args


@dag(
    dag_id="andanh_retention",
    description="Apply retention periods (legal.md, ANDANH_RETENTION_DAYS) and crypto-shred projects",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={
        "workdir": Param(None, type=["null", "string"], description="data root (default $ANDANH_WORKDIR)"),
        "shred_project": Param(None, type=["null", "string"], description="research project to crypto-shred"),
    },
    tags=["andanh", "retention"],
)
def andanh_retention():
    @task
    def apply(params=None) -> dict:
        from pipelines import tasks
        from pipelines.locks import release_lock
        with release_lock(params["workdir"]):  # never while a release reads the zones it deletes from
            return tasks.retention(params["workdir"], params["shred_project"])

    apply()


andanh_retention()
