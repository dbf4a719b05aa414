"""Aggregation: released batches only, the latest version of an episode by a real version order."""
from __future__ import annotations

import pytest

from pipelines import aggregate
from pipelines.datasets import load_datasets
from release_fixtures import episode, write_datasets, write_safe


@pytest.fixture
def spec(tmp_path):
    return load_datasets(write_datasets(tmp_path))[0]


def cells(workdir, spec, period="2025-Q1"):
    return aggregate.inner_cells(workdir, spec, period)


def test_a_correction_in_a_later_batch_of_the_same_month_wins(workdir, spec):
    # Same month, same (shifted) payment time, and a batch id that sorts *before* the original's:
    # the version order is the ingest sequence of the batch, never the id or a hash.
    write_safe(workdir, "bz-original", [episode("E1", T_TONGCHI_BV="100.00", MA_BENH_CHINH="J18.0")])
    write_safe(workdir, "ba-correction", [episode("E1", T_TONGCHI_BV="250.00", MA_BENH_CHINH="I10")])
    inner = cells(workdir, spec)
    assert inner["encounters"].sum() == 1
    row = inner.iloc[0]
    assert row["icd10_chapter"] == "IX" and float(row["total_cost_vnd"]) == 250.0


def test_within_a_batch_the_later_payment_wins_then_the_later_row(workdir, spec):
    write_safe(workdir, "b1", [episode("E1", NGAY_TTOAN="202501201000", T_TONGCHI_BV="300"),
                               episode("E1", NGAY_TTOAN="202501120800", T_TONGCHI_BV="100"),
                               episode("E2", NGAY_TTOAN=None, T_TONGCHI_BV="1"),
                               episode("E2", NGAY_TTOAN="202501150000", T_TONGCHI_BV="2"),
                               episode("E3", T_TONGCHI_BV="7"), episode("E3", T_TONGCHI_BV="8")])
    inner = cells(workdir, spec)
    assert inner["encounters"].sum() == 3
    assert float(inner["total_cost_vnd"].sum()) == 300 + 2 + 8
    assert float(inner["total_cost_vnd__max1"].max()) == 300


def test_version_order_is_kept_in_the_ledger(workdir):
    from pipelines.ledger import Ledger
    ledger = Ledger(workdir.ledger_url())
    first = ledger.batch_sequences(["b-late", "b-early"])
    assert ledger.batch_sequences(["b-early", "b-late", "b-new"]) == first | {"b-new": max(first.values()) + 1}


def test_blocked_or_unreleased_batches_feed_nothing(workdir, spec):
    write_safe(workdir, "b1", [episode(f"E{i}") for i in range(3)])
    write_safe(workdir, "b2", [episode("E0", MA_BENH_CHINH="I10"), episode("X1")], release=False)
    inner = cells(workdir, spec)
    assert inner["encounters"].sum() == 3 and set(inner["icd10_chapter"]) == {"X"}
    assert aggregate.safe_xml1_files(workdir) == [str(workdir.safe / "b1" / "xml1.parquet")]


def test_inner_cells_hold_every_table_column_the_sums_and_the_top_two(workdir, spec):
    write_safe(workdir, "b1", [episode("E1", T_TONGCHI_BV="10"), episode("E2", T_TONGCHI_BV="30"),
                               episode("E3", T_TONGCHI_BV="20"), episode("E4", GIOI_TINH="2", MATINH_2025="79"),
                               episode("E5", THANG_VAO="2025-04"), episode("E6", MA_BENH_CHINH="not a code")])
    inner = cells(workdir, spec)
    assert {"month", "quarter", "province", "icd10_chapter", "sex", "encounters", "total_cost_vnd",
            "total_cost_vnd__max1", "total_cost_vnd__max2"} <= set(inner.columns)
    assert inner["encounters"].sum() == 5  # E5 is in 2025-Q2
    big = inner[(inner["sex"] == "1") & (inner["icd10_chapter"] == "X")].iloc[0]
    assert big["encounters"] == 3 and float(big["total_cost_vnd__max1"]) == 30 and float(big["total_cost_vnd__max2"]) == 20
    assert "unknown" in set(inner["icd10_chapter"])
    assert cells(workdir, spec, "2025-Q2")["encounters"].sum() == 1


def test_drug_lines_come_from_the_chosen_version_only(workdir):
    spec = next(s for s in load_datasets() if s.name == "drugs")
    write_safe(workdir, "b1", [episode("E1"), episode("E2")],
               xml2=[dict(MA_LK="E1", MA_THUOC="40.88", THANH_TIEN_BV="5", SO_LUONG="2"),
                     dict(MA_LK="E1", MA_THUOC="40.88", THANH_TIEN_BV="5", SO_LUONG="1"),
                     dict(MA_LK="E2", MA_THUOC="40.150", THANH_TIEN_BV="9", SO_LUONG="1")])
    write_safe(workdir, "b2", [episode("E1")], xml2=[dict(MA_LK="E1", MA_THUOC="40.440", THANH_TIEN_BV="7",
                                                          SO_LUONG="3")])
    inner = aggregate.inner_cells(workdir, spec, "2025-Q1")
    by = inner.groupby("ingredient")[["encounters", "drug_cost_vnd"]].sum()
    assert by.loc["40.440", "encounters"] == 1 and by.loc["40.150", "encounters"] == 1
    assert "40.88" not in by.index  # the first version's drug lines were replaced with the episode


def test_a_bad_expression_in_the_config_names_the_dataset(workdir, tmp_path):
    from release_fixtures import TEST_DATASETS
    bad = load_datasets(write_datasets(tmp_path, TEST_DATASETS.replace("T_TONGCHI_BV AS", "NO_SUCH_COLUMN AS")))[0]
    write_safe(workdir, "b1", [episode("E1")])
    with pytest.raises(ValueError, match="dataset enc: aggregation failed"):
        cells(workdir, bad)
