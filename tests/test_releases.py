"""Releases per closed period: frozen cells, late data held back, and the differencing attack."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from pipelines import aggregate
from pipelines.datasets import DatasetConfigError, load_datasets
from pipelines.datasets.periods import is_closed, period_bounds
from pipelines.ledger import Ledger
from pipelines.run import release
from release_fixtures import TEST_DATASETS, episode, write_datasets, write_safe


def published(summary) -> dict[str, pd.DataFrame]:
    """What a consumer reads: every table of a release, from its Parquet files."""
    import duckdb
    out = {}
    for folder in sorted(p for p in summary.path.iterdir() if p.is_dir()):
        out[folder.name] = duckdb.sql(f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true, "
                                      "hive_types_autocast = false)").df()
    return out


def q1_batch():
    return ([episode(f"A{i}", THANG_VAO="2025-01", T_TONGCHI_BV="100") for i in range(10)]
            + [episode(f"B{i}", THANG_VAO="2025-02", MA_BENH_CHINH="I10", GIOI_TINH="2", MATINH_2025="79",
                       T_TONGCHI_BV=str(50 + i)) for i in range(12)]
            + [episode("C0", THANG_VAO="2025-03", MA_BENH_CHINH="E11")])


def test_period_closure_boundaries():
    assert period_bounds("2025-Q1", "quarter") == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert period_bounds("2024-02", "month")[1] == dt.date(2024, 2, 29)
    assert not is_closed("2025-Q1", "quarter", dt.date(2025, 4, 10), 10)
    assert is_closed("2025-Q1", "quarter", dt.date(2025, 4, 11), 10)
    with pytest.raises(ValueError, match="not a quarter label"):
        period_bounds("2025-13", "quarter")


def test_two_consecutive_releases_cannot_be_subtracted(workdir, tmp_path):
    config = write_datasets(tmp_path)
    write_safe(workdir, "b1", q1_batch())
    [early] = release(workdir, as_of=dt.date(2025, 4, 10), config=config, lateness_days=10)
    assert early.version is None and early.open_periods == ["2025-Q1"]  # not closed yet: nothing published
    [first] = release(workdir, as_of=dt.date(2025, 4, 11), config=config, lateness_days=10)
    assert first.periods == ["2025-Q1"] and first.new_periods == ["2025-Q1"]
    r1 = published(first)  # read now: the next release retires this one to the archive

    # After closure: a late Q1 encounter (the 11th in the A cell, with its exact cost), a correction
    # of a Q1 episode, and the next quarter's data.
    write_safe(workdir, "b2", [episode("A-late", THANG_VAO="2025-01", T_TONGCHI_BV="777"),
                               episode("A0", THANG_VAO="2025-01", T_TONGCHI_BV="5000")]
               + [episode(f"D{i}", THANG_VAO="2025-05", T_TONGCHI_BV="10") for i in range(9)])
    [second] = release(workdir, as_of=dt.date(2025, 7, 11), config=config, lateness_days=10)
    assert second.periods == ["2025-Q1", "2025-Q2"] and second.new_periods == ["2025-Q2"]
    assert second.held_back == 2 and second.version != first.version

    r2 = published(second)
    assert set(r1) == set(r2) == {"national_month_chapter", "national_quarter_sex", "province_quarter"}
    spec = load_datasets(config)[0]
    for table in r1:
        key = ["quarter", *spec.table(table).columns] if spec.table(table).period == "month" else spec.table(table).columns
        key = list(dict.fromkeys(key))
        old = r1[table].sort_values(key).reset_index(drop=True)
        new = r2[table]
        q1 = new[new["quarter"] == "2025-Q1"]
        # every published cell of the closed period is identical, so the difference of the two
        # releases over it is exactly zero: nothing about the late encounter can be derived
        pd.testing.assert_frame_equal(q1.sort_values(key).reset_index(drop=True), old[new.columns.tolist()],
                                      check_dtype=False)
        added = new.merge(old[key], on=key, how="left", indicator=True)
        added = added[added["_merge"] == "left_only"]
        assert len(added) and set(added["quarter"]) == {"2025-Q2"}

    # The attack the freeze prevents: recomputing Q1 now would move the A cell's total cost by exactly
    # the late encounter's cost (and the correction), which the published cells never show.
    now = aggregate.inner_cells(workdir, spec, "2025-Q1")
    a_now = now[(now["month"] == "2025-01") & (now["icd10_chapter"] == "X")]
    assert int(a_now["encounters"].sum()) == 11 and float(a_now["total_cost_vnd"].sum()) == 9 * 100 + 777 + 5000
    frozen = pd.read_parquet(workdir.restricted / "releases" / "enc" / "2025-Q1" / "national_month_chapter.parquet")
    assert not frozen.empty  # the cells both releases carry come from here, computed once

    entries = {(e.batch_id, e.stage): e for e in Ledger(workdir.ledger_url()).entries() if e.table_name == "enc"}
    agg = entries[(second.version, "aggregate")]
    assert agg.balanced and agg.quarantined == 2 and agg.details["held_back"] == 2
    assert agg.passed == 23 + 9
    assert entries[(second.version, "disclose")].balanced and entries[(second.version, "publish")].passed == second.cells


def test_rerelease_without_news_changes_nothing(workdir, tmp_path):
    config = write_datasets(tmp_path)
    write_safe(workdir, "b1", q1_batch())
    [first] = release(workdir, as_of=dt.date(2025, 5, 1), config=config)
    files = {p: p.stat().st_mtime_ns for p in first.path.rglob("*")}
    [again] = release(workdir, as_of=dt.date(2025, 5, 2), config=config)
    assert again.version == first.version and again.already_published and not again.new_periods
    assert {p: p.stat().st_mtime_ns for p in first.path.rglob("*")} == files


def test_a_changed_config_never_recomputes_a_released_period(workdir, tmp_path):
    write_safe(workdir, "b1", q1_batch())
    release(workdir, as_of=dt.date(2025, 5, 1), config=write_datasets(tmp_path))
    changed = write_datasets(tmp_path, TEST_DATASETS.replace("dimensions: [sex]", "dimensions: [sex, province]"))
    with pytest.raises(DatasetConfigError, match="changed after period 2025-Q1 was released"):
        release(workdir, as_of=dt.date(2025, 5, 1), config=changed)


def test_published_counts_follow_the_rules_and_the_audit_refuses_otherwise(workdir, tmp_path):
    from pipelines.publish import ReleaseAuditError, publish_release
    config = write_datasets(tmp_path)
    write_safe(workdir, "b1", q1_batch())
    [s] = release(workdir, as_of=dt.date(2025, 5, 1), config=config)
    for name, t in published(s).items():
        assert "suppression" not in t.columns and "total_cost_vnd__max1" not in t.columns  # restricted
        shown = t.loc[~t["suppressed"], "encounters"].astype(float)
        assert ((shown == 0) | (shown >= 8)).all() and (shown % 5 == 0).all(), name
        assert t.loc[t["suppressed"], ["encounters", "total_cost_vnd"]].isna().all().all(), name
    spec = load_datasets(config)[0]
    table = pd.DataFrame({"quarter": ["2025-Q1"], "sex": ["1"], "encounters": [3], "total_cost_vnd": [1.0],
                          "suppressed": [False]})
    with pytest.raises(ReleaseAuditError, match="1..7"):
        publish_release(workdir, spec.published_view(), "v-bad", {"national_quarter_sex": table}, metadata={})
    with pytest.raises(ReleaseAuditError, match="policy floor"):
        publish_release(workdir, dataclasses.replace(spec.published_view(), disclosure=spec.disclosure | {"min_count": 1}), "v-bad",
                        {"national_quarter_sex": table.assign(encounters=[10])}, metadata={})


def test_the_manifest_says_how_much_of_the_interval_audit_was_done(workdir, tmp_path):
    import json
    config = write_datasets(tmp_path)
    write_safe(workdir, "b1", q1_batch())
    [s] = release(workdir, as_of=dt.date(2025, 5, 1), config=config)
    audit = json.loads((s.path / "manifest.json").read_text(encoding="utf-8"))["disclosure"]["interval_audit"]
    frozen = json.loads((workdir.restricted / "releases" / "enc" / "2025-Q1" / "period.json").read_text())
    period = frozen["stats"]["audit"]
    assert audit["checked"] == int(period["checked"]) > 0
    assert audit["certified"] + audit["local"] + audit["lp"] >= audit["checked"] - audit["unaudited"]
    assert audit["complete"] is (audit["unaudited"] == 0 and audit["findings_left"] == 0)
    assert audit["periods_not_audited"] == []


def test_a_period_whose_interval_audit_still_has_findings_is_never_released(workdir, tmp_path, monkeypatch, caplog):
    """Protect's audit reports what it could not fix (cap reached, rounds spent): the release step refuses the
    period and freezes and publishes nothing of it; the message names no cell and no value."""
    from pipelines import disclose
    from pipelines.disclose import AuditFinding, FindingsLeft
    real = disclose.protect

    def protect_leaving_a_finding(*args, **kwargs):
        protected = real(*args, **kwargs)
        protected.findings = [AuditFinding("national_quarter_sex", 0, {"sex": "Nữ"}, "count", "primary", 3.0,
                                           3.0, 3.0, "width >= 5")]
        return protected

    monkeypatch.setattr(disclose, "protect", protect_leaving_a_finding)
    config = write_datasets(tmp_path)
    write_safe(workdir, "b1", q1_batch())
    with pytest.raises(FindingsLeft, match="enc 2025-Q1: the interval audit still finds 1 suppressed cell") as err:
        release(workdir, as_of=dt.date(2025, 5, 1), config=config)
    assert "Nữ" not in str(err.value) and "3.0" not in str(err.value)
    assert not (workdir.restricted / "releases" / "enc" / "2025-Q1" / "period.json").exists()
    assert not (workdir.published / "enc").exists() or not any((workdir.published / "enc").iterdir())
    monkeypatch.setattr(disclose, "protect", real)
    [s] = release(workdir, as_of=dt.date(2025, 5, 1), config=config)  # fixed: the period is released
    assert s.new_periods == ["2025-Q1"]
