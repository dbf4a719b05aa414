"""The fast path (GE on distinct values, rows found in DuckDB) fails exactly the rows a whole-frame
Great Expectations validation fails: same rules, same rows, same counts."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from pipelines.ingest import ingest, staged_files
from pipelines.quality.engine import blank_to_null, load_suite, run_suite, run_suite_duckdb
from pipelines.schema import load_schema
from pipelines.synth import generate


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    root = tmp_path_factory.mktemp("equiv")
    generate(300, 77, root / "synth", defects_rate=0.3)
    workdir = root / "work"
    summary = ingest(root / "synth" / "xml", workdir)
    return workdir, summary.batch_id


@pytest.mark.parametrize("table_id", ["xml1", "xml2", "xml3"])
def test_distinct_value_path_equals_whole_frame_validation(staged, table_id):
    from pipelines.workdir import Workdir

    workdir, batch_id = staged
    columns = load_schema().table(table_id).columns
    files = [str(p) for p in staged_files(Workdir.at(workdir), batch_id, table_id)]
    con = duckdb.connect()
    raw = con.execute(f"SELECT (row_number() OVER () - 1)::BIGINT AS _staged_row, {', '.join(columns)} "
                      "FROM read_parquet($f, union_by_name = true)", {"f": files}).to_arrow_table()
    con.register("raw_rows", raw)
    fast = run_suite_duckdb(load_suite(table_id), con, "raw_rows", table_id, raw.num_rows)

    shown = pa.table({c: blank_to_null(raw[c]) for c in columns}).to_pandas()
    shown.index = raw["_staged_row"].to_pylist()
    slow = run_suite(load_suite(table_id), shown, table_id)

    def failures(results):
        return {r.rule_id: sorted(int(x) for x in r.failed_rows) for r in results}

    assert failures(fast) == failures(slow)
    assert any(failures(slow).values())  # the defects really fail some rules
