"""Speed check of the validate stage on a synthetic batch (no personal data).

    python -m pipelines.quality.bench --episodes 100000 --workdir /tmp/andanh-bench

Writes staged Parquet straight in the staging contract (about 20 rows per episode over XML1–XML5,
1% of episodes broken), then times :func:`validate_batch`.

:func:`replicate_batch` builds a large batch from a staged one (each copy with fresh ``MA_LK`` and
HOSO identities) and :func:`scan_batch` is the baseline: a plain DuckDB scan touching every column;
``make bench`` uses both (``bench/__main__.py``).
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


def replicate_batch(source: Workdir, source_batch: str, target: Workdir, target_batch: str, copies: int) -> dict:
    """Stage ``copies`` copies of a staged batch as ``target_batch``: copy k gets ``MA_LK || '~k'`` and
    ``_source_sha256 || '~k'`` (so every episode and HOSO is distinct). Returns rows per table."""
    import duckdb

    from pipelines.ingest import staged_files

    target.ensure()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows: dict[str, int] = {}
    staged: dict[int, dict[str, int]] = {k: {} for k in range(copies)}
    for table_id in EPISODE_TABLES:
        files = [str(p) for p in staged_files(source, source_batch, table_id)]
        if not files:
            continue
        con.execute("CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM read_parquet(?, union_by_name = true)", [files])
        for k in range(copies):
            path = target.staged_table(table_id) / f"{target_batch}-copy{k:03d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"""COPY (SELECT * REPLACE (MA_LK || '~{k}' AS MA_LK, _source_sha256 || '~{k}' AS _source_sha256,
                                                   '{target_batch}' AS _batch_id) FROM src)
                            TO '{path}' (FORMAT parquet, COMPRESSION zstd)""")
            staged[k][table_id] = pq.ParquetFile(path).metadata.num_rows
            rows[table_id] = rows.get(table_id, 0) + staged[k][table_id]
    for k in range(copies):
        name = f"{target_batch}-copy{k:03d}"
        write_manifest_entry(target, target_batch, "bench-replica",
                             FileResult(path=f"/bench/{name}", sha256=name, kind="xml", staging_name=name,
                                        staged=staged[k], hoso_seen=staged[k].get("xml1", 0)))
    con.close()
    return rows


def scan_batch(workdir: Workdir, batch_id: str) -> int:
    """Baseline: read every column of every staged table once (count and longest value per column)."""
    import duckdb

    from pipelines.ingest import staged_files

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    total = 0
    for table_id in EPISODE_TABLES:
        files = [str(p) for p in staged_files(workdir, batch_id, table_id)]
        if not files:
            continue
        columns = [c for c in con.execute("SELECT * FROM read_parquet(?, union_by_name = true) LIMIT 0",
                                          [files]).fetchdf().columns]
        touched = ", ".join(f'max(length(CAST("{c}" AS VARCHAR)))' for c in columns)
        total += con.execute(f"SELECT count(*), {touched} FROM read_parquet(?, union_by_name = true)",
                             [files]).fetchone()[0]
    con.close()
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
