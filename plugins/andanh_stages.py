"""Task wiring shared by the AnDanh DAGs: validate -> de-identify -> release (aggregate, protect, publish).

Lives in plugins/ because Airflow puts that folder on sys.path for the scheduler, the DAG processor
and every worker; the DAG files import it.
"""
from __future__ import annotations

from airflow.sdk import Asset, task

# One asset whichever source fed it, so downstream DAGs can be scheduled on a new release.
RELEASE = Asset(name="andanh_releases", uri="file:///andanh/published")


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

    @task(outlets=[RELEASE])
    def release(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.release(batch)

    checked = validate(batch)
    release(deidentify(checked))
    return checked
