"""Example consumer: runs whenever a new release of a published dataset lands, reads it via the catalog."""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from andanh_assets import published_assets

ASSET = published_assets()[0]  # the first declared dataset (encounters)


@dag(
    dag_id="andanh_consumer_example",
    description=f"Example consumer of {ASSET.name}: summarises the latest release from published/andanh.duckdb",
    schedule=[ASSET],
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["andanh", "consumer", "example"],
)
def andanh_consumer_example():
    @task(inlets=[ASSET])
    def read_latest(triggering_asset_events=None) -> dict:
        from pipelines.publish.consume import latest_release
        summary = latest_release(None, ASSET.extra["dataset"])
        events = (triggering_asset_events or {}).get(ASSET, [])
        announced = [e.extra.get("version") for e in events if e.extra]
        if announced and summary["version"] not in announced:  # a newer release landed since: fine, say so
            print(f"asset events announced {announced}; the catalog's current release is {summary['version']}")
        if not summary["verified"]:
            raise RuntimeError(f"{summary['dataset']} {summary['version']} fails verification; not used")
        return summary

    read_latest()


andanh_consumer_example()
