"""Scale-out: the same generated batch through ``andanh_kcb`` on a real CeleryExecutor cluster
(``pipelines.cluster.LocalCluster``: api-server, scheduler, dag-processor on PostgreSQL, Redis broker)
with 1 and then 2 Celery workers of one task slot each, from trigger to the run's end.

Per run: wall seconds, encounters/s, the speed-up of 2 workers over 1, and per task the summed task
seconds and how many task instances each worker ran, so the report shows which stages spread (the
mapped ingest and the mapped validate and de-identify shards: as many shards as worker slots, or
``BENCH_SCALEOUT_SHARDS``) and which run as one task (release). From the one-worker rate, :func:`workers_needed` gives the workers a day's
encounters need.

    python -m bench.scaleout [encounters]      (BENCH_SCALEOUT_ENCOUNTERS, default 10000)
"""
from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.common import DATA, load_avg, say, synth_set

ENCOUNTERS = int(os.environ.get("BENCH_SCALEOUT_ENCOUNTERS", "10000"))
FILES_PER_TASK = int(os.environ.get("BENCH_SCALEOUT_FILES_PER_TASK", "50"))
SHARDS = os.environ.get("BENCH_SCALEOUT_SHARDS")  # validate and de-identify shards; default: one per worker slot
NATIONAL_PER_DAY = 500_000  # about 180 million KCB encounters a year
PROVINCE_PER_DAY = NATIONAL_PER_DAY // 34


def run_scaleout_bench(encounters: int = ENCOUNTERS) -> list[dict]:
    """One row per worker count, plus the speed-up and the sizing derived from them."""
    synth = synth_set(encounters)
    rows = [_one_run(synth / "xml", encounters, workers) for workers in (1, 2)]
    base = rows[0]["seconds"]
    for r in rows:
        r["speedup"] = round(base / r["seconds"], 2)
    rate = rows[0]["encounters_per_s"]
    rows[0]["sizing"] = {"national_per_day": NATIONAL_PER_DAY, "province_per_day": PROVINCE_PER_DAY,
                         "worker_hours_national": round(NATIONAL_PER_DAY / rate / 3600, 2),
                         "worker_hours_province": round(PROVINCE_PER_DAY / rate / 3600, 2),
                         "workers_national_in_4h": workers_needed(NATIONAL_PER_DAY, rate, hours=4),
                         "workers_province_in_4h": workers_needed(PROVINCE_PER_DAY, rate, hours=4)}
    return rows


def workers_needed(per_day: int, rate_per_worker: float, *, hours: float) -> int:
    """Workers (one task slot each, at the measured one-worker rate) to process a day's encounters
    within ``hours``; linear, so an upper bound of the speed-up 2 workers really gave is not assumed."""
    return max(1, math.ceil(per_day / (rate_per_worker * hours * 3600)))


def _one_run(source: Path, encounters: int, workers: int) -> dict:
    from pipelines.cluster import LocalCluster

    home = DATA / f"scaleout-{workers}w"
    work = DATA / f"scaleout-{workers}w-data"
    for folder in (home, work):
        shutil.rmtree(folder, ignore_errors=True)
    names = tuple(f"worker{i + 1}" for i in range(workers))
    cluster = LocalCluster(home, workers=names, concurrency=1, broker_url="redis://127.0.0.1:6379/14",
                           env={"ANDANH_FILES_PER_TASK": str(FILES_PER_TASK),
                                "ANDANH_DEIDENTIFY_SHARDS": SHARDS or str(workers),
                                "ANDANH_VALIDATE_SHARDS": SHARDS or str(workers)})
    _flush_broker(cluster.broker_url)
    load = load_avg()
    say(f"scale-out: {encounters} encounters on {workers} worker(s) ...")
    with cluster:
        started = time.perf_counter()
        run_id = cluster.trigger("andanh_kcb", {"source": str(source), "workdir": str(work)})
        state = cluster.wait("andanh_kcb", run_id, timeout_s=4 * 3600)
        seconds = time.perf_counter() - started
        tasks = _task_seconds(cluster.task_instances("andanh_kcb", run_id))
    if state != "success":
        raise RuntimeError(f"andanh_kcb ended {state} on {workers} worker(s); logs in {home}")
    return {"case": f"scale-out, {workers} Celery worker(s)", "encounters": encounters, "workers": workers,
            "seconds": round(seconds, 1), "encounters_per_s": round(encounters / seconds, 1),
            "tasks": tasks, "load_before": load, "load_after": load_avg()}


def _task_seconds(instances: list[dict]) -> dict[str, dict]:
    """task id -> summed task seconds, instances and instances per worker."""
    out: dict[str, dict] = defaultdict(lambda: {"seconds": 0.0, "instances": 0, "by_worker": defaultdict(int)})
    for ti in instances:
        if not ti.get("start_date") or not ti.get("end_date"):
            continue
        t = out[ti["task_id"]]
        t["seconds"] += (_time(ti["end_date"]) - _time(ti["start_date"])).total_seconds()
        t["instances"] += 1
        t["by_worker"][ti.get("hostname") or "?"] += 1
    return {k: {"seconds": round(v["seconds"], 1), "instances": v["instances"], "by_worker": dict(v["by_worker"])}
            for k, v in out.items()}


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _flush_broker(url: str) -> None:
    import redis
    redis.Redis.from_url(url).flushdb()  # no message of an earlier run


def markdown(rows: list[dict]) -> list[str]:
    lines = ["", "## Scale-out (CeleryExecutor, one task slot per worker)", "",
             "| workers | encounters | seconds | encounters/s | speed-up | load before / after |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['workers']} | {r['encounters']:,} | {r['seconds']} | {r['encounters_per_s']} | {r['speedup']}× | "
              f"{r['load_before']} / {r['load_after']} |" for r in rows]
    for r in rows:
        lines += ["", f"Tasks on {r['workers']} worker(s): " + "; ".join(
            f"{task} {t['seconds']} s in {t['instances']} ({', '.join(f'{w} {n}' for w, n in sorted(t['by_worker'].items()))})"
            for task, t in r["tasks"].items())]
    sizing = rows[0].get("sizing")
    if sizing:
        lines += ["", f"At the one-worker rate: the country's {sizing['national_per_day']:,} encounters a day take "
                  f"{sizing['worker_hours_national']} worker-hours ({sizing['workers_national_in_4h']} worker(s) "
                  f"within 4 h); a province's {sizing['province_per_day']:,}, {sizing['worker_hours_province']} "
                  f"worker-hours ({sizing['workers_province_in_4h']} within 4 h)."]
    return lines


if __name__ == "__main__":
    import json
    found = run_scaleout_bench(int(sys.argv[1]) if len(sys.argv) > 1 else ENCOUNTERS)
    print(json.dumps(found, indent=2))
    print("\n".join(markdown(found)))
