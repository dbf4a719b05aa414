"""HIS database -> the same stages as andanh_kcb, one batch per data interval. Wiring only."""
from __future__ import annotations

from airflow.sdk import Param, dag, task

from andanh_stages import default_args, his_start_date, process_batch


@dag(
    dag_id="andanh_his",
    description="Pull episodes committed in the data interval (with an overlap) from a HIS database, "
                "then validate to publish",
    schedule="@hourly",
    start_date=his_start_date(),  # ANDANH_HIS_START_DATE; intervals missed while down are caught up
    catchup=True,
    max_active_runs=1,
    default_args=default_args(),
    params={
        "conn_id": Param("andanh_his", type="string", description="Airflow connection of the HIS database"),
        "schema": Param("his", type="string"),
        "workdir": Param(None, type=["null", "string"], description="data root (default $ANDANH_WORKDIR)"),
    },
    tags=["andanh", "his"],
)
def andanh_his():
    @task
    def pull(params=None, data_interval_start=None, data_interval_end=None) -> dict:
        from airflow.providers.common.sql.hooks.sql import DbApiHook
        from pipelines import tasks
        hook = DbApiHook.get_hook(params["conn_id"])  # the URL, password included, never leaves the worker
        return tasks.pull_his(params["workdir"], hook.sqlalchemy_url, data_interval_start, data_interval_end,
                              schema=params["schema"])

    @task.short_circuit
    def anything_new(batch: dict) -> bool:
        return bool(batch["staged"])  # a quiet interval skips the rest instead of failing it

    batch = pull()
    anything_new(batch) >> process_batch(batch)


andanh_his()
