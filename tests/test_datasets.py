"""Datasets declared in YAML: the shipped declarations, and clear errors for bad ones."""
from __future__ import annotations

import pytest

from pipelines.datasets import (POLICY_MIN_COUNT_FLOOR, DatasetConfigError, get_dataset, load_datasets)
from release_fixtures import TEST_DATASETS, write_datasets


def test_shipped_datasets_cover_the_issue():
    specs = {s.name: s for s in load_datasets()}
    assert {"encounters", "deaths", "referrals", "drugs"} <= set(specs)
    enc = specs["encounters"]
    assert {"encounters", "bed_days", "total_cost_vnd", "insurance_paid_vnd", "copayment_vnd",
            "patient_paid_vnd"} <= set(enc.measures)
    assert {m.name for m in enc.money_measures} == {"total_cost_vnd", "insurance_paid_vnd", "copayment_vnd",
                                                    "patient_paid_vnd"}
    assert {"province", "province_63", "icd10_chapter", "icd3", "age_band", "sex", "care_type",
            "facility_level"} <= set(enc.dimensions)
    tables = {t.name: t for t in enc.tables}
    assert tables["national_month_chapter"].columns == ["month", "icd10_chapter"]
    assert tables["province_quarter_chapter"].columns == ["quarter", "province", "icd10_chapter"]
    assert tables["province63_quarter_chapter"].until == "2025-07-01"
    assert enc.table_geography(tables["national_quarter_icd3"]) == "national"
    assert enc.table_geography(tables["province_month"]) == "province"
    assert specs["deaths"].population and "'5'" in specs["deaths"].population and "'8'" in specs["deaths"].population
    assert specs["referrals"].table_geography(specs["referrals"].table("flows_quarter")) == "province"
    assert specs["drugs"].source == "xml2"
    for s in specs.values():
        assert s.disclosure["min_count"] >= POLICY_MIN_COUNT_FLOOR and s.disclosure["round_to"] >= 5
        assert s.release_period == "quarter"  # the coarsest period of the tables
    assert get_dataset("encounters") == enc


def test_dimension_sql_matches_the_hierarchy():
    import duckdb

    from pipelines.hierarchies import get_hierarchy
    spec = get_dataset("encounters")
    con = duckdb.connect()
    get_hierarchy("icd10").register(con)
    codes = ["J18.0", "I10", "B20.1", "xx", None]
    con.execute("CREATE TABLE t (i INTEGER, MA_BENH_CHINH VARCHAR, GIOI_TINH VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, c, s) for i, (c, s) in
                                                      enumerate(zip(codes, ["1", " 2", "9", None, "3"]))])
    for name in ("icd10_chapter", "icd3"):
        d = spec.dimensions[name]
        got = [r[0] for r in con.execute(f"SELECT {d.sql()} FROM t ORDER BY i").fetchall()]
        assert got == [v or "unknown" for v in get_hierarchy("icd10").generalise(codes, d.level)]
    got = [r[0] for r in con.execute(f"SELECT {spec.dimensions['sex'].sql()} FROM t ORDER BY i").fetchall()]
    assert got == ["1", "2", "unknown", "unknown", "3"]


@pytest.mark.parametrize("old, new, message", [
    ("min_count: 8", "min_count: 5", "policy floor 8"),
    ("round_to: 5", "round_to: 1", "policy floor 5"),
    ("level: chapter", "level: chapterr", "'enc'.dimensions.icd10_chapter: hierarchy 'icd10' has no level"),
    ("dimensions: [sex]", "dimensions: [gender]", "unknown dimension 'gender'"),
    ("period: quarter, dimensions: [sex]", "period: week, dimensions: [sex]", "period: must be one of"),
    ("total_cost_vnd: {kind: sum", "total_cost_vnd: {kind: count", "money: must be true or false, and true only"),
    ("encounters: {kind: count}", "encounters: {kind: sum, sql: \"1\"}", "exactly one measure of kind count"),
    ("source: xml1", "source: xml9", "source: must be one of"),
    ("method: sdc", "method: magic", "method: must be sdc or dp"),
    ("k: 90", "k: 0.9", "dominance.k: is a percentage"),
    ("codes: {\"1\": Nam", "hierarchy: age, codes: {\"1\": Nam", "either a hierarchy or codes"),
])
def test_bad_configs_are_refused_with_the_dataset_and_key(tmp_path, old, new, message):
    assert old in TEST_DATASETS
    path = write_datasets(tmp_path, TEST_DATASETS.replace(old, new, 1))
    with pytest.raises(DatasetConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_datasets(path)


def test_broken_yaml_and_empty_config(tmp_path):
    with pytest.raises(DatasetConfigError, match="not valid YAML"):
        load_datasets(write_datasets(tmp_path, "datasets: [unclosed"))
    with pytest.raises(DatasetConfigError, match="no dataset declared"):
        load_datasets(write_datasets(tmp_path, "datasets: {}"))
