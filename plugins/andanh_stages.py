"""Task wiring shared by the AnDanh DAGs: validate and de-identify (each: plan, one mapped task per shard, close)
-> release (plan, one mapped task per (dataset, closed period) piece: aggregate + protect or DP, frozen;
then the release step publishes).

Lives in plugins/ because Airflow puts that folder on sys.path for the scheduler, the DAG processor
and every worker; the DAG files import it.
"""
from __future__ import annotations

from airflow.sdk import Asset, task

from andanh_assets import published_assets, published_root

# One asset per published dataset whichever source fed it, so downstream DAGs can be scheduled on a release.
PUBLISHED = published_assets()


def zone_asset(zone: str) -> Asset:
    """The Asset (and OpenLineage dataset) of a zone of the data root, named by its real location
    (the same root as the published assets), for the inlets and outlets of every task."""
    root = published_root().parent
    return Asset(name=f"andanh_zone_{zone.replace('/', '_')}", uri=f"file://{root}/{zone}")


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

    @task(inlets=[zone_asset("staging")])
    def plan_validate(batch: dict) -> list[dict]:
        from pipelines import tasks
        return tasks.plan_validate(batch)

    @task(inlets=[zone_asset("staging")])
    def validate(shard: dict) -> dict:
        from pipelines import tasks
        return tasks.validate_shard(shard)

    @task(inlets=[zone_asset("staging")], outlets=[zone_asset("restricted/validated"),
                                                   zone_asset("restricted/quarantine")])
    def close_validate(batch: dict, shards: list[dict]) -> dict:
        from pipelines import tasks
        return tasks.close_validate(batch, shards)

    @task(inlets=[zone_asset("restricted/validated")])
    def plan_deidentify(batch: dict) -> list[dict]:
        from pipelines import tasks
        return tasks.plan_deidentify(batch)

    @task(inlets=[zone_asset("restricted/validated")])
    def deidentify(shard: dict) -> dict:
        from pipelines import tasks
        return tasks.deidentify_shard(shard)

    @task(outlets=[zone_asset("restricted/safe")])
    def close_deidentify(batch: dict, shards: list[dict]) -> dict:
        from pipelines import tasks
        return tasks.close_deidentify(batch, shards)

    @task(inlets=[zone_asset("restricted/safe")])
    def plan_release(batch: dict) -> list[dict]:
        from pipelines import tasks
        return tasks.plan_release(batch)

    @task(inlets=[zone_asset("restricted/safe")], outlets=[zone_asset("restricted/releases")])
    def freeze_piece(piece: dict) -> dict:
        from pipelines import tasks
        return tasks.freeze_piece(piece)

    # none_failed: runs when no period was new (zero mapped pieces, skipped), so a refused dp budget still fails it
    @task(inlets=[zone_asset("restricted/releases")], outlets=PUBLISHED, trigger_rule="none_failed")
    def release(batch: dict, pieces: list[dict], *, outlet_events=None) -> dict:
        from pipelines import tasks
        result = tasks.release(batch, pieces)
        versions = {r["dataset"]: r["version"] for r in result["releases"] if r["version"]}
        for asset in PUBLISHED:  # which release each asset event is about
            if outlet_events is not None and asset.extra["dataset"] in versions:
                outlet_events[asset].extra = {"version": versions[asset.extra["dataset"]]}
        return result

    planned = plan_validate(batch)  # validate and de-identify: one mapped task per shard of the episodes
    checked = close_validate(batch, validate.expand(shard=planned))
    safe = close_deidentify(checked, deidentify.expand(shard=plan_deidentify(checked)))
    release(safe, freeze_piece.expand(piece=plan_release(safe)))  # the release: one mapped task per piece
    return planned  # the first task: what the caller's short-circuit gates
