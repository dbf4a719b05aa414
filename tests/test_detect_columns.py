"""Column classification for sources whose columns are not named by the standard."""
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipelines.cli import main
from pipelines.detect.columns import classify_columns, name_hint, read_table, render_yaml

CSV = Path(__file__).parent / "data" / "columns_nonstandard.csv"


@pytest.fixture(scope="module")
def decisions():
    return {d.column: d for d in classify_columns(read_table(CSV), n_process=1)}


def test_nonstandard_columns_are_classified_from_their_values(decisions):
    assert (decisions["ten_benh_nhan"].deid_class, decisions["ten_benh_nhan"].entity_type) == ("DIRECT-ID", "PERSON")
    assert decisions["so_dien_thoai"].entity_type == "PHONE_NUMBER"
    assert decisions["cmnd"].entity_type == "VN_CCCD"
    assert decisions["ghi_chu_bac_si"].deid_class == "FREE-TEXT"
    assert decisions["chi_phi"].deid_class == "NON-ID"
    # values decide even with a meaningless name
    assert decisions["col_x"].entity_type == "PERSON" and decisions["col_x"].method == "values"
    for name in ("ten_benh_nhan", "so_dien_thoai", "cmnd"):
        assert decisions[name].method == "values" and decisions[name].confidence >= 0.9
    assert decisions["ten_benh_nhan"].evidence["sampled"] == 6


def test_name_is_the_fallback_signal(decisions):
    icd = decisions["ma_icd"]
    assert (icd.deid_class, icd.method) == ("SENSITIVE-HEALTH", "name") and icd.confidence < 0.9
    assert name_hint("so_dien_thoai") == ("DIRECT-ID", "PHONE_NUMBER")
    assert name_hint("NGAY_SINH") == ("QUASI-ID", "DATE_TIME")
    assert name_hint("so_ngay_dieu_tri") is None or name_hint("so_ngay_dieu_tri")[1] != "DATE_TIME"
    empty = classify_columns(pd.DataFrame({"dia_chi": ["", None, ""]}), n_process=1)[0]
    assert (empty.deid_class, empty.entity_type, empty.method) == ("DIRECT-ID", "VN_ADDRESS", "name")


def test_registry_columns_and_arrow_tables():
    table = pa.table({"HO_TEN": ["Nguyễn Văn An"], "MA_BENH_CHINH": ["I10"], "sdt": ["0912345678"]})
    out = {d.column: d for d in classify_columns(table, n_process=1)}
    assert (out["HO_TEN"].method, out["HO_TEN"].deid_class, out["HO_TEN"].confidence) == ("registry", "DIRECT-ID", 1.0)
    assert out["MA_BENH_CHINH"].method == "registry"
    assert out["sdt"].entity_type == "PHONE_NUMBER"
    with pytest.raises(TypeError):
        classify_columns([1, 2, 3])


def test_cli_prints_decisions_and_yaml(capsys):
    assert main(["classify-columns", "--input", str(CSV), "--sample", "50"]) == 0
    out = capsys.readouterr().out
    assert "ten_benh_nhan: DIRECT-ID PERSON (confidence" in out
    assert "columns:\n" in out and "  cmnd: {class: DIRECT-ID, entity: VN_CCCD}" in out
    assert "Nguyễn" not in out  # values never printed
    assert main(["classify-columns", "--input", str(CSV), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["column"] for r in rows} >= {"cmnd", "chi_phi"}


def test_cli_rejects_unknown_file_type(tmp_path, capsys):
    path = tmp_path / "x.txt"
    path.write_text("a\n1\n")
    assert main(["classify-columns", "--input", str(path)]) == 1
    assert "unsupported input type" in capsys.readouterr().err


def test_render_yaml_quotes_odd_names():
    from pipelines.detect.columns import ColumnDecision
    text = render_yaml([ColumnDecision("số điện thoại", "DIRECT-ID", "PHONE_NUMBER", 0.95, "values")])
    assert text.startswith("columns:\n") and '"số điện thoại": {class: DIRECT-ID, entity: PHONE_NUMBER}' in text
