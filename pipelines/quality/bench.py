"""Speed check of the validate stage on a synthetic batch (no personal data).

    python -m pipelines.quality.bench --episodes 100000 --workdir /tmp/andanh-bench

Writes staged Parquet straight in the staging contract (about 20 rows per episode over XML1–XML5,
1% of episodes broken), then times :func:`validate_batch`.
"""
from __future__ import annotations

import argparse
import time

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.ingest import FileResult, write_manifest_entry
from pipelines.ingest.staging import table_arrow_schema
from pipelines.quality.examples import example_row
from pipelines.quality.validate import validate_batch
from pipelines.schema import EPISODE_TABLES, load_schema
from pipelines.workdir import Workdir

ROWS_PER_EPISODE = {"xml1": 1, "xml2": 8, "xml3": 9, "xml4": 2, "xml5": 1}
EPISODES_PER_FILE = 10_000


def write_synthetic_batch(workdir: Workdir, batch_id: str, episodes: int) -> int:
    schema = load_schema()
    total = 0
    for first in range(0, episodes, EPISODES_PER_FILE):
        n = min(EPISODES_PER_FILE, episodes - first)
        name = f"bench{first:09d}"
        staged = {}
        for table_id in EPISODE_TABLES:
            per = ROWS_PER_EPISODE[table_id]
            template = example_row(table_id, "", schema)
            rows = n * per
            keys = [f"BENCH{first + i // per:09d}" for i in range(rows)]
            columns = {c: pa.array([v] * rows, pa.string()) for c, v in template.items()}
            columns["MA_LK"] = pa.array(keys, pa.string())
            if table_id == "xml1":  # 1% of episodes with a bad admission date
                columns["NGAY_VAO"] = pa.array(["2024-07-01" if i % 100 == 7 else template["NGAY_VAO"]
                                                for i in range(rows)], pa.string())
            columns |= {"_extra": pa.nulls(rows, pa.string()), "_source_file": pa.array([name] * rows),
                        "_source_sha256": pa.array([name] * rows),
                        "_hoso_index": pa.array([i // per for i in range(rows)], pa.int64()),
                        "_batch_id": pa.array([batch_id] * rows)}
            arrow_schema = table_arrow_schema(schema.table(table_id).columns)
            path = workdir.staged_table(table_id) / f"{name}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table(columns, schema=arrow_schema), path, compression="zstd")
            staged[table_id] = rows
            total += rows
        write_manifest_entry(workdir, batch_id, "bench", FileResult(path=f"/bench/{name}.xml", sha256=name,
                                                                     kind="xml", staged=staged))
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--workdir", default="/tmp/andanh-bench")
    args = parser.parse_args(argv)
    workdir = Workdir.at(args.workdir).ensure()
    batch_id = f"bbench{args.episodes}"
    rows = write_synthetic_batch(workdir, batch_id, args.episodes)
    start = time.perf_counter()
    summary = validate_batch(workdir, batch_id)
    seconds = time.perf_counter() - start
    print(f"{args.episodes} episodes, {rows} rows: validated in {seconds:.1f} s "
          f"({rows / seconds:,.0f} rows/s); quarantined episodes {summary.quarantined_episodes}, "
          f"gate {'passed' if summary.gate_passed else 'failed'}")


if __name__ == "__main__":
    main()
