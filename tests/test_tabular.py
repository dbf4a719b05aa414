"""CSV and Parquet extracts -> staging (``pipelines.ingest.tabular``), through ``pipelines.ingest.ingest``."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.ingest import ingest
from pipelines.ingest.tabular import float_string, table_from_columns, table_from_name
from pipelines.schema import load_schema
from pipelines.workdir import sha256_file


def write_csv(path: Path, text: str, *, bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def staged(workdir, table_id: str) -> list[dict]:
    relation = duckdb.sql(f"SELECT * FROM read_parquet('{workdir.staging}/{table_id}/**/*.parquet') "
                          "ORDER BY _source_file, _hoso_index")
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def rejects_of(workdir, path: Path) -> list[dict]:
    reject_file = workdir.rejects / f"{sha256_file(path)}.parquet"
    return pq.read_table(reject_file).to_pylist() if reject_file.exists() else []


XML1_CSV = (
    "ma_lk , Ma_Loai_KCB,HO_TEN,MATINH_CU_TRU,T_THUOC,GHI_CHU,Noi_Bo_HIS\n"
    'LK001,01,"Nguyễn Văn, A",01,1.10,,x1\n'
    "LK002,03,Trần Thị B,79,150000,ghi chú,x2\n"
)


def test_csv_happy_path_keeps_codes_as_written(tmp_path, workdir):
    source = write_csv(tmp_path / "in" / "xml1.csv", XML1_CSV)
    summary = ingest(tmp_path / "in", workdir)
    assert summary.staged == {"xml1": 2}
    assert summary.files[0].error is None and summary.rejected == 0
    rows = staged(workdir, "xml1")
    first, second = rows
    assert (first["MA_LK"], first["MA_LOAI_KCB"], first["MATINH_CU_TRU"], first["T_THUOC"]) == (
        "LK001", "01", "01", "1.10")
    assert first["HO_TEN"] == "Nguyễn Văn, A"
    assert first["GHI_CHU"] == ""  # an empty CSV cell is "" (a CSV cannot say "absent")
    assert first["T_VTYT"] is None  # a standard column the file lacks
    assert json.loads(first["_extra"]) == {"Noi_Bo_HIS": "x1"}  # unknown column kept, file's spelling
    assert second["T_THUOC"] == "150000" and second["GHI_CHU"] == "ghi chú"
    assert [r["_hoso_index"] for r in rows] == [1, 2]
    assert first["_source_file"] == "xml1.csv" and first["_source_sha256"] == sha256_file(source)
    assert first["_batch_id"] == summary.batch_id


def test_parquet_happy_path_types_become_strings(tmp_path, workdir):
    table = pa.table({
        "MA_LK": ["LK001", "LK001", "LK002"],
        "stt": pa.array([1, 2, 1], pa.int32()),
        "MA_THUOC": ["01.123", "40.17", None],
        "SO_LUONG": [0.5, 150000.0, 123456789012345.0],
        "DON_GIA": pa.array([Decimal("1.100"), Decimal("25000.000"), None], pa.decimal128(18, 3)),
        "MA_NHOM": pa.array(["4", "4", "16"]).dictionary_encode(),
        "NGAY_YL": pa.array([dt.datetime(2025, 1, 2, 3, 4, 59), None, dt.datetime(2025, 1, 3, 10, 0)]),
        "Kho": ["K1", "K2", "K3"],
    })
    pq.write_table(table, tmp_path / "XML2_2025-01.parquet")
    summary = ingest(tmp_path / "XML2_2025-01.parquet", workdir)
    assert summary.staged == {"xml2": 3}
    rows = staged(workdir, "xml2")
    assert [r["STT"] for r in rows] == ["1", "2", "1"]
    assert [r["MA_THUOC"] for r in rows] == ["01.123", "40.17", None]  # Parquet null stays None
    assert [r["SO_LUONG"] for r in rows] == ["0.5", "150000", "123456789012345"]  # no exponent
    assert [r["DON_GIA"] for r in rows] == ["1.100", "25000.000", None]  # decimal keeps its scale
    assert [r["MA_NHOM"] for r in rows] == ["4", "4", "16"]
    assert [r["NGAY_YL"] for r in rows] == ["202501020304", None, "202501031000"]  # datetime12 format
    assert [json.loads(r["_extra"]) for r in rows] == [{"Kho": "K1"}, {"Kho": "K2"}, {"Kho": "K3"}]
    assert [r["_hoso_index"] for r in rows] == [1, 2, 3]


def test_float_string():
    assert [float_string(v) for v in (1.10, 150000.0, 1e20, -0.0, 0.1 + 0.2)] == [
        "1.1", "150000", "100000000000000000000", "0", "0.30000000000000004"]


@pytest.mark.parametrize("name, expected", [
    ("xml1.csv", "xml1"), ("XML1_2025-01.parquet", "xml1"), ("xml3-part2.csv", "xml3"),
    ("checkin.csv", "xml0"), ("xml0.csv", "xml0"), ("Checkin_20250101.parquet", "xml0"),
    ("export.csv", None), ("xml12.csv", None), ("tong_hop_xml1.csv", None),
])
def test_table_from_name(name, expected):
    assert table_from_name(Path(name), load_schema()) == expected


def test_table_from_columns():
    schema = load_schema()
    assert table_from_columns(["MA_LK", "STT", "TEN_CHI_SO", "GIA_TRI"], schema) == "xml4"
    assert table_from_columns(["MA_LK", "STT", "DIEN_BIEN_LS", "OTHER"], schema) == "xml5"
    assert table_from_columns(load_schema().table("xml0").columns, schema) == "xml0"
    assert table_from_columns(load_schema().table("xml1").columns, schema) == "xml1"


def test_table_detected_from_columns_when_name_says_nothing(tmp_path, workdir):
    write_csv(tmp_path / "in" / "export_a.csv", "MA_LK,STT,TEN_CHI_SO,GIA_TRI,DON_VI_DO\nLK1,1,Glucose,5.6,mmol/L\n")
    pq.write_table(pa.table({"MA_LK": ["LK1"], "STT": ["1"], "DIEN_BIEN_LS": ["ổn định"],
                             "THOI_DIEM_DBLS": ["202501010800"]}), tmp_path / "in" / "dump.parquet")
    summary = ingest(tmp_path / "in", workdir)
    assert summary.staged == {"xml4": 1, "xml5": 1}
    assert staged(workdir, "xml4")[0]["GIA_TRI"] == "5.6"


@pytest.mark.parametrize("header, reason", [
    ("MA_LK,HO_TEN\nLK1,Nguyễn Văn A\n", "match equally well"),  # XML0 and XML1 tie
    ("HO_TEN,NGAY_SINH\nNguyễn Văn A,198001010000\n", "no MA_LK column"),
])
def test_undecidable_table_rejects_whole_file(tmp_path, workdir, header, reason):
    source = write_csv(tmp_path / "in" / "export.csv", header)
    summary = ingest(source, workdir)
    assert summary.staged == {}
    assert summary.files[0].error and reason in summary.files[0].error
    (reject,) = rejects_of(workdir, source)
    assert reject["hoso_index"] is None and reason in reject["reason"]
    assert "Nguyễn" not in reject["reason"]


def test_headerless_file_named_for_a_table_is_rejected(tmp_path, workdir):
    source = write_csv(tmp_path / "xml4.csv", "LK1,1,Glucose,5.6\n")
    summary = ingest(source, workdir)
    assert summary.staged == {} and "no XML4 column" in summary.files[0].error
    assert "Glucose" not in rejects_of(workdir, source)[0]["reason"]


def test_bom_is_tolerated(tmp_path, workdir):
    source = write_csv(tmp_path / "checkin.csv", "MA_LK,STT,HO_TEN,MA_LOAI_KCB\nLK1,1,Lê C,02\n", bom=True)
    summary = ingest(source, workdir)
    assert summary.staged == {"xml0": 1}
    (row,) = staged(workdir, "xml0")
    assert (row["MA_LK"], row["MA_LOAI_KCB"], row["_extra"]) == ("LK1", "02", None)


@pytest.mark.parametrize("padding_rows", [0, 2000])  # near the header (Python check) or deep (Arrow check)
def test_non_utf8_csv_rejects_whole_file(tmp_path, workdir, padding_rows):
    good = "".join(f"LK{i},1,Glucose,5.6\n" for i in range(padding_rows))
    body = ("MA_LK,STT,TEN_CHI_SO,GIA_TRI\n" + good).encode() + b"LKX,1,\xd0\xfd\xf2ng huy\xeat,7\n"  # Windows-1258 bytes
    source = tmp_path / "xml4.csv"
    source.write_bytes(body)
    summary = ingest(source, workdir)
    assert summary.staged == {}
    assert not (workdir.staged_table("xml4") / f"{sha256_file(source)}.parquet").exists()
    (reject,) = rejects_of(workdir, source)
    assert "not valid UTF-8" in reject["reason"] and reject["hoso_index"] is None


def test_ragged_rows_are_rejected_alone(tmp_path, workdir):
    source = write_csv(tmp_path / "xml1.csv", (
        "MA_LK,HO_TEN,MA_LOAI_KCB\n"
        'LK1,"Phạm D\nxuống dòng",01\n'  # a quoted newline is one row, not two
        "LK2,Hoàng E\n"  # too few fields
        "\n"
        "LK3,Vũ F,03,extra\n"  # too many
        "LK4,Đỗ G,04\n"))
    summary = ingest(source, workdir)
    assert summary.staged == {"xml1": 2}
    rows = staged(workdir, "xml1")
    assert [(r["MA_LK"], r["_hoso_index"]) for r in rows] == [("LK1", 1), ("LK4", 4)]
    assert rows[0]["HO_TEN"] == "Phạm D\nxuống dòng"
    rejects = sorted(rejects_of(workdir, source), key=lambda r: r["hoso_index"])
    assert [r["hoso_index"] for r in rejects] == [2, 3]
    assert rejects[0]["reason"].startswith("row 2 ") and "expected 3 fields, found 2" in rejects[0]["reason"]
    assert "expected 3 fields, found 4" in rejects[1]["reason"]
    assert all(r["table_name"] == "xml1" for r in rejects)
    assert not any(name in r["reason"] for r in rejects for name in ("LK2", "Hoàng", "Vũ", "extra"))


def test_duplicate_columns_reject_the_file(tmp_path, workdir):
    source = write_csv(tmp_path / "xml1.csv", "MA_LK,ma_lk\nLK1,LK1\n")
    summary = ingest(source, workdir)
    assert summary.staged == {} and "duplicate column in header: MA_LK" in summary.files[0].error


def test_semicolon_separated_file_is_rejected_with_a_hint(tmp_path, workdir):
    source = write_csv(tmp_path / "xml1.csv", "MA_LK;HO_TEN\nLK1;Ngô I\n")
    summary = ingest(source, workdir)
    assert summary.staged == {} and "must be comma-separated" in summary.files[0].error


def test_not_a_parquet_file_is_rejected(tmp_path, workdir):
    source = tmp_path / "xml1.parquet"
    source.write_bytes(b"MA_LK\nLK1\n")
    summary = ingest(source, workdir)
    assert summary.staged == {} and "not a readable Parquet file" in summary.files[0].error


def test_reingest_is_idempotent(tmp_path, workdir):
    write_csv(tmp_path / "in" / "xml1.csv", XML1_CSV)
    pq.write_table(pa.table({"MA_LK": ["LK3"], "HO_TEN": ["Bùi H"]}), tmp_path / "in" / "XML1_b.parquet")
    first = ingest(tmp_path / "in", workdir)
    pattern = f"{workdir.staging}/xml1/**/*.parquet"
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchall()[0][0]
    assert count == 3 and first.staged == {"xml1": 3}
    again = ingest(tmp_path / "in", workdir)
    assert again.batch_id == first.batch_id
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchall()[0][0] == 3
    other_batch = ingest(tmp_path / "in", workdir, batch_id="b-other")  # same files, another batch
    assert other_batch.staged == {"xml1": 3}
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchall()[0][0] == 3
