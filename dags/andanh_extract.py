"""Extract builds: every extract request the custodians approved is built (k-anonymity, l-diversity,
per-project pseudonyms), output-checked and left for a custodian's release. The deployed portal has
no access to the restricted zone and no route to Airflow, so this DAG polls the governance database
(``ANDANH_EXTRACT_BUILDS=airflow``). Wiring only: the work is ``pipelines.portal.extracts.build_approved``."""
from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Param, dag, task

from andanh_stages import default_args


@dag(
    dag_id="andanh_extract",
    description="Build approved research extract requests (then a custodian releases them in the portal)",
    schedule=dt.timedelta(minutes=10),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={"workdir": Param(None, type=["null", "string"], description="data root (default $ANDANH_WORKDIR)")},
    tags=["andanh", "extract"],
)
def andanh_extract():
    @task
    def build_approved(params=None) -> dict:
        from pipelines import tasks
        return tasks.build_extracts(params["workdir"])

    build_approved()


andanh_extract()
