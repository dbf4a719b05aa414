"""Task wiring shared by the AnDanh DAGs: validate -> de-identify -> aggregate -> publish.

Lives in plugins/ because Airflow puts that folder on sys.path for the scheduler, the DAG processor
and every worker; the DAG files import it.
"""
from __future__ import annotations

from airflow.sdk import Asset, task



def zone_asset(zone: str) -> Asset:
    """The Asset (and OpenLineage dataset) of a zone, named by its real location under the data root
    (``ANDANH_WORKDIR``, resolved where the DAG is parsed; absolute in deployed mode)."""
    from pipelines.settings import get_settings
    root = get_settings().workdir.resolve()
    return Asset(name=f"andanh_{zone.replace('/', '_')}", uri=f"file://{root}/{zone}")


# One asset whichever source fed it, so downstream DAGs can be scheduled on a new release.
RELEASE = zone_asset("published")


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

    @task(inlets=[zone_asset("staging")], outlets=[zone_asset("restricted/validated"),
                                                   zone_asset("restricted/quarantine")])
    def validate(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.validate(batch)

    @task(inlets=[zone_asset("restricted/validated")], outlets=[zone_asset("restricted/safe")])
    def deidentify(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.deidentify(batch)

    @task(inlets=[zone_asset("restricted/safe")], outlets=[zone_asset("restricted/aggregate")])
    def aggregate(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.aggregate(batch)

    @task(inlets=[zone_asset("restricted/aggregate")], outlets=[RELEASE])
    def publish(batch: dict) -> dict:
        from pipelines import tasks
        return tasks.publish(batch)

    checked = validate(batch)
    publish(aggregate(deidentify(checked)))
    return checked
