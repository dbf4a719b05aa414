"""The fast paths fail exactly the rows the plain ones fail: GE on distinct values (rows found in
DuckDB) as a whole-frame GE validation, verdicts shared across tables as each table alone, SQL rules
in shared scans or on distinct values as each rule's own query."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.ingest import ingest, record_ingest, staged_files
from pipelines.quality.engine import (blank_to_null, create_derived_tables, load_suite, run_sql_rules, run_suite,
                                      run_suite_duckdb, split_suite, suite_derived_tables)
from pipelines.quality.validate import _create_rule_view, _create_suite_view, _stage_view
from pipelines.quality.validated import file_entries, read_validated
from pipelines.schema import EPISODE_TABLES, load_schema
from pipelines.synth import generate
from pipelines.workdir import Workdir


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    root = tmp_path_factory.mktemp("equiv")
    generate(300, 77, root / "synth", defects_rate=0.3)
    workdir = root / "work"
    with pytest.MonkeyPatch.context() as mp:  # several staging parts per table, not compacted
        mp.setenv("ANDANH_INGEST_CHUNK_FILES", "4")
        summary = ingest(root / "synth" / "xml", workdir, record=False)
    record_ingest(Workdir.at(workdir), summary.batch_id)
    return workdir, summary.batch_id


@pytest.mark.parametrize("table_id", ["xml1", "xml2", "xml3"])
def test_distinct_value_path_equals_whole_frame_validation(staged, table_id):
    workdir, batch_id = staged
    columns = load_schema().table(table_id).columns
    files = [str(p) for p in staged_files(Workdir.at(workdir), batch_id, table_id)]
    con = duckdb.connect()
    raw = con.sql(f"SELECT (row_number() OVER () - 1)::BIGINT AS _staged_row, {', '.join(columns)} "
                  "FROM read_parquet($f, union_by_name = true)", params={"f": files}).to_arrow_table()
    con.register("raw_rows", raw)
    fast = run_suite_duckdb(load_suite(table_id), con, "raw_rows", table_id, raw.num_rows)

    shown = pa.table({c: blank_to_null(raw[c]) for c in columns}).to_pandas()
    shown.index = raw["_staged_row"].to_pylist()
    slow = run_suite(load_suite(table_id), shown, table_id)

    assert failures(fast) == failures(slow)
    assert any(failures(slow).values())  # the defects really fail some rules


def failures(results):
    return {r.rule_id: sorted(int(x) for x in r.failed_rows) for r in results}


@pytest.fixture(scope="module")
def views(staged):
    """Views over the staged batch as validate builds them (suite views, rule views, derived tables)."""
    workdir, batch_id = staged
    workdir = Workdir.at(workdir)
    schema = load_schema()
    suites = {t: load_suite(t) for t in EPISODE_TABLES}
    con = duckdb.connect()
    columns, received = {}, {}
    for t in EPISODE_TABLES:
        entries = file_entries(workdir, staged_files(workdir, batch_id, t))
        columns[t] = _stage_view(con, t, entries, workdir.root, schema)
        _create_suite_view(con, t, schema.table(t).columns, set(columns[t]))
        received[t] = sum(e["rows"] for e in entries)
    derived = suite_derived_tables(suites.values())
    queries = [r.unexpected_rows_query for t in EPISODE_TABLES for r in split_suite(suites[t])[1]]
    for t in EPISODE_TABLES:
        _create_rule_view(con, t, schema.table(t).columns, set(columns[t]), queries + list(derived.values()))
    create_derived_tables(con, derived)
    return con, suites, received


def test_verdicts_shared_across_tables_equal_each_table_alone(views):
    con, suites, received = views
    memo = {}
    for t in EPISODE_TABLES:
        shared = run_suite_duckdb(suites[t], con, f"g_{t}", t, received[t], memo)
        alone = run_suite_duckdb(suites[t], con, f"g_{t}", t, received[t])
        assert failures(shared) == failures(alone), t
    # MA_LK has the same rules in every table: GE judged each distinct key once, not once per table.
    keys = {r[0] for r in con.execute(" UNION ".join(f"SELECT MA_LK FROM g_{t}" for t in EPISODE_TABLES)).fetchall()}
    per_table = sum(len(con.execute(f"SELECT DISTINCT MA_LK FROM g_{t}").fetchall()) for t in EPISODE_TABLES)
    assert len(keys) < per_table
    judged = [j.checked.to_pylist() for j in memo.values() if keys <= set(j.checked.to_pylist())]
    assert judged and all(len(checked) == len(set(checked)) for checked in judged)


def test_sql_rules_in_shared_scans_fail_the_rows_each_query_selects(views):
    con, suites, received = views
    seen = []
    for t in EPISODE_TABLES:
        rules = split_suite(suites[t])[1]
        together = run_sql_rules(con, rules, t, t, received[t])
        alone = {rule.meta["rule_id"]: sorted(int(x) for x in con.execute(
            f"SELECT DISTINCT _staged_row FROM ({rule.unexpected_rows_query.replace('{batch}', t)})")
            .fetchnumpy()["_staged_row"]) for rule in rules}
        assert failures(together) == alone, t
        assert not any(r.exception for r in together), t
        seen += [r for r in together if len(r.failed_rows)]
    assert {r.rule_id for r in seen} >= {"xml1.T_BHTT.identity", "xml1.T_THUOC.sum_of_lines"}


def test_single_field_rules_on_distinct_values_find_every_row_holding_a_failing_value():
    from great_expectations.expectations import UnexpectedRowsExpectation

    con = duckdb.connect()
    con.execute("CREATE TABLE xml2 AS SELECT * FROM (VALUES (0, '202402301200'), (1, '202402281200'), "
                "(2, '202402301200'), (3, NULL), (4, '202502291200'), (5, NULL)) t(_staged_row, NGAY_YL)")
    calendar = [r for r in split_suite(load_suite("xml2"))[1] if r.meta["rule_id"] == "xml2.NGAY_YL.calendar"]
    missing = UnexpectedRowsExpectation(unexpected_rows_query="SELECT _staged_row FROM {batch} WHERE NGAY_YL IS NULL",
                                        meta={"rule_id": "test.NGAY_YL.missing", "severity": "error",
                                              "fields": ["NGAY_YL"]})
    results = {r.rule_id: list(r.failed_rows) for r in run_sql_rules(con, calendar + [missing], "xml2", "xml2", 6)}
    assert results == {"xml2.NGAY_YL.calendar": [0, 2, 4], "test.NGAY_YL.missing": [3, 5]}


def test_rule_views_trim_like_trim_on_every_value():
    from pipelines.quality.validate import _WHITESPACE, _trimmed

    values = ["a", " a", "a ", "\ta\n", "", "   ", None, "Nguyễn Văn ạ", " ạ ", "x\x01", "\x01x", "\r\n", "1 2"]
    con = duckdb.connect()
    con.register("v", pa.table({"c": pa.array(values, pa.string())}))
    fast = [r[0] for r in con.execute(f"SELECT {_trimmed('c')} FROM v").fetchall()]
    plain = [r[0] for r in con.execute(f"SELECT NULLIF(trim(c, {_WHITESPACE}), '') FROM v").fetchall()]
    assert fast == plain
    assert fast[:4] == ["a", "a", "a", "a"] and fast[4:7] == [None, None, None]


def test_staged_files_copied_once_or_read_in_place_give_the_same_validation(staged, monkeypatch):
    import pipelines.quality.validate as validate

    workdir, batch_id = staged
    workdir = Workdir.at(workdir)
    outcomes = []
    for limit in (0, 10_000):  # 0: every table copied into the scratch database; 10,000: read in place
        monkeypatch.setattr(validate, "MAX_FILES_READ_IN_PLACE", limit)
        summary = validate.validate_batch(workdir, batch_id, error_threshold=1.0)
        verdicts = {t: pq.read_table(workdir.validated / batch_id / f"{t}.verdicts.parquet").to_pylist()
                    for t in EPISODE_TABLES}
        rows = {t: read_validated(workdir, batch_id, t).to_pylist() for t in EPISODE_TABLES}
        copies = sorted(p.name for p in (workdir.validated / batch_id).glob("*.rows.parquet"))
        assert copies == ([f"{t}.rows.parquet" for t in EPISODE_TABLES] if limit == 0 else [])
        outcomes.append((summary.rule_failures, summary.quarantined_episodes, summary.hoso, verdicts, rows))
    assert outcomes[0] == outcomes[1]
    assert all(outcomes[0][4].values())
    assert outcomes[0][1] > 0 and len(staged_files(workdir, batch_id, "xml1")) > 1
