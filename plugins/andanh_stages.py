"""Task wiring shared by the AnDanh DAGs: validate -> de-identify -> aggregate -> publish.

Lives in plugins/ because Airflow puts that folder on sys.path for the scheduler, the DAG processor
and every worker; the DAG files import it.
"""
from __future__ import annotations

from airflow.sdk import Asset, task

# One asset whichever source fed it, so downstream DAGs can be scheduled on a new release.
RELEASE = Asset(name="andanh_encounter_costs_monthly", uri="file:///andanh/published/encounter_costs_monthly")


def default_args() -> dict:
    """Task defaults of every AnDanh DAG: two retries for transient failures (deterministic ones fail
    at once, see ``pipelines.tasks.fail_fast``), ``ANDANH_RETRY_DELAY_SECONDS`` apart."""
    from datetime import timedelta

    from pipelines.settings import get_settings
    return {"owner": "data-engineering", "retries": 2,
            "retry_delay": timedelta(seconds=get_settings().retry_delay_seconds)}


def his_start_date():
    """First data interval of andanh_his (``ANDANH_HIS_START_DATE``, Vietnam time): catch-up starts there."""
    import pendulum

    from pipelines.settings import get_settings
    return pendulum.parse(get_settings().his_start_date, tz="Asia/Ho_Chi_Minh")


def process_batch(batch):
    """Wire the stages after ingest for the batch that ``batch`` (an XCom of {workdir, batch_id}) names."""

    @task
    def validate(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.validate(batch)

    @task
    def deidentify(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.deidentify(batch)

    @task
    def aggregate(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.aggregate(batch)

    @task(outlets=[RELEASE])
    def publish(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.publish(batch)

    checked = validate(batch)
    publish(aggregate(deidentify(checked)))
    return checked
