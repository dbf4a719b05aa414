"""XML 130 / extract files -> validated, de-identified, published aggregates. Wiring only."""
from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from andanh_stages import default_args, process_batch


@dag(
    dag_id="andanh_kcb",
    description="Ingest XML 130 files, check quality, de-identify, aggregate and publish",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={
        "source": Param(None, type=["null", "string"], description="folder or file (default $ANDANH_SOURCE)"),
        "workdir": Param(None, type=["null", "string"], description="data root (default $ANDANH_WORKDIR)"),
    },
    tags=["andanh", "xml130"],
)
def andanh_kcb():
    @task
    def plan(params=None, data_interval_start=None, data_interval_end=None) -> list[dict]:
        from pipelines import tasks
        return tasks.plan_batch(params["source"], params["workdir"], data_interval_start, data_interval_end)

    @task(max_active_tis_per_dagrun=4)
    def ingest(chunk: dict) -> dict:
        from pipelines import tasks
        return tasks.ingest_chunk(**chunk)

    @task
    def close_ingest(results: list[dict]) -> dict:
        from pipelines import tasks
        return tasks.close_ingest(results)

    @task.short_circuit
    def anything_new(batch: dict) -> bool:
        return bool(batch["staged"])  # a day with no new files is a success that publishes nothing new

    batch = close_ingest(ingest.expand(chunk=plan()))
    anything_new(batch) >> process_batch(batch)


andanh_kcb()
