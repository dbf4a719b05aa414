"""The scale-out bench's arithmetic: workers for a day's encounters, task seconds per worker."""
from __future__ import annotations

from bench.scaleout import _task_seconds, markdown, workers_needed


def test_workers_needed_rounds_up_and_never_says_zero():
    assert workers_needed(500_000, 100.0, hours=4) == 1  # 500,000 / (100 * 14,400) = 0.35
    assert workers_needed(500_000, 10.0, hours=4) == 4  # 3.47
    assert workers_needed(1, 1e9, hours=1) == 1


def test_task_seconds_sum_per_task_and_count_per_worker():
    tis = [{"task_id": "ingest", "start_date": "2026-12-02T08:00:00Z", "end_date": "2026-12-02T08:00:10Z",
            "hostname": "worker1"},
           {"task_id": "ingest", "start_date": "2026-12-02T08:00:00Z", "end_date": "2026-12-02T08:00:05.5Z",
            "hostname": "worker2"},
           {"task_id": "validate", "start_date": "2026-12-02T08:00:11Z", "end_date": None, "hostname": "worker1"}]
    assert _task_seconds(tis) == {"ingest": {"seconds": 15.5, "instances": 2, "by_worker": {"worker1": 1, "worker2": 1}}}


def test_markdown_names_the_speed_up_and_the_sizing():
    rows = [{"workers": 1, "encounters": 1000, "seconds": 100.0, "encounters_per_s": 10.0, "speedup": 1.0,
             "load_before": 0.1, "load_after": 1.0, "tasks": {},
             "sizing": {"national_per_day": 500_000, "province_per_day": 14_705, "worker_hours_national": 13.9,
                        "worker_hours_province": 0.41, "workers_national_in_4h": 4, "workers_province_in_4h": 1}},
            {"workers": 2, "encounters": 1000, "seconds": 60.0, "encounters_per_s": 16.7, "speedup": 1.67,
             "load_before": 0.1, "load_after": 1.0, "tasks": {}}]
    text = "\n".join(markdown(rows))
    assert "| 2 | 1,000 | 60.0 | 16.7 | 1.67× |" in text and "13.9 worker-hours (4 worker(s) within 4 h)" in text
