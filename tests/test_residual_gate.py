"""The residual-PII gate stops every planted identifier, reports where without the value, and fails closed."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.deidentify.gate import (
    BatchNotReleased, ResidualPIIError, assert_batch_released, marker_path, released_batches, run_gate,
)
from pipelines.quality.validated import VERDICT_SCHEMA, file_entries, index_document, verdicts_path, write_json_atomic
from pipelines.schema import load_schema

BATCH = "g1"
RAW = [
    dict(MA_LK="KB24010010000042", MA_BN="BN000042", HO_TEN="Nguyễn Văn An", SO_CCCD="001085012345",
         DIA_CHI="Số 12 ngõ 34 phố Huế, Hai Bà Trưng, Hà Nội", DIEN_THOAI="0912345678",
         MA_THE_BHYT="DN4010123456789", MA_HSBA="HS2400042", MA_TTDV="0123498765", MATINH_CU_TRU="01",
         GHI_CHU="Người nhà: anh Lê Văn Nam"),
    dict(MA_LK="KB24010010000043", MA_BN="BN000043", HO_TEN="Trần Thị Mai", SO_CCCD="079190054321",
         DIA_CHI="Thành phố Hà Nội", DIEN_THOAI="0987654321", MA_THE_BHYT="GD4797912345670",
         MA_HSBA="HS2400043", MA_TTDV="0123498765", MATINH_CU_TRU="79", GHI_CHU=None),
]
RAW_XML3 = [dict(MA_LK="KB24010010000042", STT="1", MA_BAC_SI="012345/HNO-CCHN", NGUOI_THUC_HIEN="067890/BYT-CCHN")]
CANARY_VALUES = [r[k] for r in RAW for k in ("HO_TEN", "SO_CCCD", "DIEN_THOAI", "MA_BN", "MA_LK", "MA_HSBA")]


def _row(table: str, **values) -> dict:
    row = {c: None for c in load_schema().table(table).columns}
    row.update(values, _batch_id=BATCH, _source_file="f.xml", _source_sha256="ab", _hoso_index="1")
    return row


def stage_batch(workdir, gate_passed: bool = True) -> None:
    """The batch as validate leaves it: staged files, index, verdicts, a validation report."""
    tables = {"xml1": [_row("xml1", **r) for r in RAW], "xml3": [_row("xml3", **r) for r in RAW_XML3]}
    entries = {}
    for table_id, rows in tables.items():
        staged = workdir.staged_table(table_id) / f"{BATCH}.parquet"
        staged.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows), staged)
        entries[table_id] = file_entries(workdir, [staged])
        write_json_atomic(workdir.validated / BATCH / "index.json", index_document(BATCH, entries))
        pq.write_table(VERDICT_SCHEMA.empty_table(), verdicts_path(workdir, BATCH, table_id))
    write_json_atomic(workdir.reports / BATCH / "validation.json",
                      {"batch_id": BATCH, "gate": {"passed": gate_passed, "reasons": [] if gate_passed else ["x"]}})


def clean_safe() -> dict[str, list[dict]]:
    """What a correct de-identification leaves: tokens, coarse values, redacted notes, place names."""
    return {
        "xml1": [dict(MA_LK="E7K2QZ4M5N6P7R8S", PERSON_ID="P3M4N5Q6R7S8T9V2", NHOM_TUOI="35-39", GIOI_TINH="1",
                      MATINH_2025="01", TEN_TINH="Thành phố Hà Nội", T_TONGCHI_BV="100000.00", MA_BENH_CHINH="J18",
                      GHI_CHU="Người nhà: anh [HỌ_TÊN]", LY_DO_VV="Sốt, ho 3 ngày", THANG_VAO="2024-03"),
                 dict(MA_LK="E9A2B3C4D5E6F7G2", PERSON_ID="P2B3C4D5E6F7G2H3", NHOM_TUOI="30-34", GIOI_TINH="2",
                      MATINH_2025="79", TEN_TINH="Thành phố Hồ Chí Minh", T_TONGCHI_BV="1234567890.00",
                      MA_BENH_CHINH="I10", GHI_CHU=None, LY_DO_VV="Đau đầu, huyết áp 150/90", THANG_VAO="2024-03")],
        "xml3": [dict(MA_LK="E7K2QZ4M5N6P7R8S", STT="1", MA_BAC_SI="S4T5U6V7W2X3Y4Z5", TEN_DICH_VU="Chụp X-quang ngực thẳng",
                      T_THANHTIEN="65400.00")],
    }


def write_safe(workdir, tables: dict[str, list[dict]], special: dict[str, list[dict]] | None = None) -> None:
    root = workdir.safe / BATCH
    for sub, group in (("", tables), ("special", special or {})):
        for table_id, rows in group.items():
            (root / sub).mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows), root / sub / f"{table_id}.parquet")


@pytest.fixture
def batch(workdir):
    stage_batch(workdir)
    return workdir


def test_clean_output_is_released(batch):
    write_safe(batch, clean_safe())
    report = run_gate(batch, BATCH)
    assert report.status == "released" and not report.hits
    assert report.raw_identifiers > 10 and report.string_columns >= 10
    assert_batch_released(batch, BATCH)
    assert released_batches(batch) == [BATCH]


def _plant(tables, table, column, value, row=0):
    tables[table][row][column] = value
    return tables


CANARIES = [
    # (where, value, expected entity type)
    ("xml1", "GHI_CHU", "Người nhà báo: bệnh nhân Nguyễn Văn An đến khám lại", "PERSON"),
    ("xml1", "T_TONGCHI_BV", "NGUYEN VAN  AN", "PERSON"),  # another case, no diacritics, in a cost column
    ("xml1", "LY_DO_VV", "Sốt; CCCD 001 085-012345 mang theo", "VN_CCCD"),
    ("xml1", "LY_DO_VV", "gọi lại số +84 912 345 678", "PHONE_NUMBER"),
    ("xml1", "GHI_CHU", "mã BHXH 0123456789 còn hạn", "VN_BHXH"),
    ("xml1", "NHOM_TUOI", "BN000042", "VN_PATIENT_ID"),  # a column nobody expects an identifier in
    ("xml1", "MA_LK", "KB24010010000042", "EPISODE_ID"),  # the episode key left as it came
    ("xml1", "LY_DO_VV", "chuyển từ Số 12 ngõ 34 phố Huế, Hai Bà Trưng, Hà Nội lúc 8h", "VN_ADDRESS"),
    ("xml1", "EXTRA_NOTE", "hồ sơ HS2400043 lưu khoa", "MEDICAL_RECORD_NO"),  # a column the registry lacks
    ("xml3", "TEN_DICH_VU", "Chụp X-quang (BS 012345/HNO-CCHN đọc)", "VN_STAFF_ID"),
    ("xml1", "GHI_CHU", "thẻ DN4010123456789", "VN_BHYT"),
]


@pytest.mark.parametrize("table,column,value,entity", CANARIES, ids=[f"{c[1]}-{c[3]}" for c in CANARIES])
def test_planted_raw_identifier_blocks_the_batch(batch, table, column, value, entity):
    tables = clean_safe()
    if column not in tables[table][0]:
        for r in tables[table]:
            r[column] = None
    write_safe(batch, _plant(tables, table, column, value))
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH, use_detector=False)
    hits = raised.value.report.blocking_hits
    assert any(h["table"] == f"{table}.parquet" and h["column"] == column and h["entity_type"] == entity
               and h["check"] == "raw-match" and h["rows"] == 1 and h["examples"][0]["row"] == 0 for h in hits), hits
    _assert_no_value_leaks(batch, raised.value, [value] + CANARY_VALUES)
    with pytest.raises(BatchNotReleased, match="blocked"):
        assert_batch_released(batch, BATCH)
    assert released_batches(batch) == []


def test_identifier_in_the_special_compartment_blocks(batch):
    special = {"xml1": [dict(clean_safe()["xml1"][0], GHI_CHU="Chị Trần Thị Mai, HIV", special_category="hiv")]}
    write_safe(batch, clean_safe(), special)
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH, use_detector=False)
    assert {(h["table"], h["entity_type"]) for h in raised.value.report.blocking_hits} == {("special/xml1.parquet", "PERSON")}


def test_leaked_episode_key_is_not_reported_as_the_row_token(batch):
    write_safe(batch, _plant(clean_safe(), "xml1", "MA_LK", "KB24010010000042"))
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH, use_detector=False)
    example = raised.value.report.blocking_hits[0]["examples"][0]
    assert example == {"row": 0, "row_token": None}


def test_row_token_names_the_row(batch):
    write_safe(batch, _plant(clean_safe(), "xml1", "GHI_CHU", "gọi 0987654321"))
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH, use_detector=False)
    assert raised.value.report.blocking_hits[0]["examples"][0] == {"row": 0, "row_token": "E7K2QZ4M5N6P7R8S"}


def test_exempt_column_is_reported_but_does_not_block(batch):
    write_safe(batch, _plant(clean_safe(), "xml1", "GHI_CHU", "gọi 0987654321"))
    report = run_gate(batch, BATCH, exempt={("xml1", "GHI_CHU")}, use_detector=False)
    assert report.status == "released" and report.hits and not report.blocking_hits


def test_place_names_and_short_codes_do_not_block(batch):
    """A raw 'address' that is only a province name, and province names in safe output, are not leaks."""
    tables = clean_safe()
    tables["xml1"][1]["GHI_CHU"] = "Chuyển Thành phố Hà Nội, bệnh viện tuyến trên; Hà Nội"
    write_safe(batch, tables)
    assert run_gate(batch, BATCH, use_detector=False).status == "released"


def test_detector_finds_a_name_that_is_not_in_the_batch(batch):
    write_safe(batch, _plant(clean_safe(), "xml1", "GHI_CHU", "Người nhà: chị Phạm Thị Hồng Nhung, SĐT 0934567812"))
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH)
    found = {(h["check"], h["entity_type"]) for h in raised.value.report.blocking_hits}
    assert ("detector", "PERSON") in found or ("detector", "PHONE_NUMBER") in found, found
    _assert_no_value_leaks(batch, raised.value, ["Phạm Thị Hồng Nhung", "0934567812"])


def test_detector_scans_columns_the_registry_does_not_know(batch):
    tables = clean_safe()
    for r in tables["xml1"]:
        r["LIEN_HE"] = None
    write_safe(batch, _plant(tables, "xml1", "LIEN_HE", "email nguoi nha: hong.nhung1990@gmail.com"))
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH)
    assert any(h["column"] == "LIEN_HE" and h["check"] == "detector" for h in raised.value.report.blocking_hits)


def test_detector_hits_in_surrogate_columns_warn(batch):
    tables = clean_safe()
    tables["xml1"][0]["GHI_CHU"] = "Người nhà: chị Phạm Thị Hồng Nhung"  # a readable fake name
    table = pa.Table.from_pylist(tables["xml1"])
    table = table.replace_schema_metadata({b"andanh.surrogate_columns": json.dumps(["GHI_CHU"]).encode()})
    write_safe(batch, {"xml3": tables["xml3"]})
    pq.write_table(table, batch.safe / BATCH / "xml1.parquet")
    report = run_gate(batch, BATCH)
    assert report.status == "released"
    assert all(not h["blocks"] and h["surrogate_column"] for h in report.hits if h["check"] == "detector")


def test_a_real_name_among_surrogates_still_blocks(batch):
    tables = clean_safe()
    tables["xml1"][0]["GHI_CHU"] = "Người nhà: chị Trần Thị Mai"  # the surrogate generator drew a real name
    table = pa.Table.from_pylist(tables["xml1"]).replace_schema_metadata(
        {b"andanh.surrogate_columns": b'["GHI_CHU"]'})
    write_safe(batch, {"xml3": tables["xml3"]})
    pq.write_table(table, batch.safe / BATCH / "xml1.parquet")
    with pytest.raises(ResidualPIIError):
        run_gate(batch, BATCH, use_detector=False)


def test_no_gate_no_release(batch):
    write_safe(batch, clean_safe())
    with pytest.raises(BatchNotReleased, match="has not been through"):
        assert_batch_released(batch, BATCH)


def test_revalidation_failure_withdraws_the_safe_output(batch):
    write_safe(batch, clean_safe())
    run_gate(batch, BATCH)
    stage_batch(batch, gate_passed=False)  # validate ran again and the gate closed
    with pytest.raises(BatchNotReleased, match="no longer passes"):
        assert_batch_released(batch, BATCH)
    assert released_batches(batch) == []


def test_revalidation_after_deidentify_needs_a_new_deidentify(batch):
    write_safe(batch, clean_safe())
    run_gate(batch, BATCH)
    write_json_atomic(batch.reports / BATCH / "validation.json",
                      {"batch_id": BATCH, "gate": {"passed": True, "reasons": []}, "run": 2})
    with pytest.raises(BatchNotReleased, match="validated again"):
        assert_batch_released(batch, BATCH)


def test_safe_files_changed_after_the_gate_are_withdrawn(batch):
    write_safe(batch, clean_safe())
    run_gate(batch, BATCH)
    tables = _plant(clean_safe(), "xml1", "GHI_CHU", "Nguyễn Văn An")
    pq.write_table(pa.Table.from_pylist(tables["xml1"]), batch.safe / BATCH / "xml1.parquet")
    with pytest.raises(BatchNotReleased, match="changed after"):
        assert_batch_released(batch, BATCH)


def test_no_safe_output_is_an_error(batch):
    with pytest.raises(FileNotFoundError):
        run_gate(batch, BATCH)


def test_gate_files_are_private(batch):
    write_safe(batch, _plant(clean_safe(), "xml1", "GHI_CHU", "Nguyễn Văn An"))
    with pytest.raises(ResidualPIIError):
        run_gate(batch, BATCH, use_detector=False)
    for path in (marker_path(batch, BATCH), batch.reports / BATCH / "residual_pii.json"):
        assert path.stat().st_mode & 0o077 == 0


def _assert_no_value_leaks(workdir, error: Exception, values: list[str]) -> None:
    texts = [str(error), marker_path(workdir, BATCH).read_text(encoding="utf-8"),
             (workdir.reports / BATCH / "residual_pii.json").read_text(encoding="utf-8")]
    for text in texts:
        for value in values:
            assert value not in text


def test_words_before_a_placeholder_are_not_a_finding(batch):
    """'là anh [HỌ_TÊN]': the detector would take 'la anh' for a name; placeholders are masked first."""
    tables = clean_safe()
    tables["xml1"][0]["GHI_CHU"] = "Con trai BN la anh [HỌ_TÊN], so dien thoai [SĐT] duoc giai thich"
    tables["xml1"][1]["GHI_CHU"] = "Me BN la chi [HỌ_TÊN], DT: [SĐT], email: [EMAIL]"
    write_safe(batch, tables)
    assert run_gate(batch, BATCH).status == "released"


def test_an_identifier_stored_as_a_number_blocks(batch):
    tables = clean_safe()
    for i, r in enumerate(tables["xml1"]):
        r["SO_LUU_TRU"] = 12 + i
    tables["xml1"][1]["SO_LUU_TRU"] = int("079190054321")  # the CCCD, leading zero lost
    write_safe(batch, tables)
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH, use_detector=False)
    assert [(h["column"], h["entity_type"]) for h in raised.value.report.blocking_hits] == [("SO_LUU_TRU", "VN_CCCD")]


def test_the_gate_writes_its_row_in_the_ledger(batch):
    from pipelines.ledger import Ledger

    write_safe(batch, _plant(clean_safe(), "xml1", "GHI_CHU", "gọi 0987654321"))
    with pytest.raises(ResidualPIIError):
        run_gate(batch, BATCH, use_detector=False)
    entry = next(e for e in Ledger(batch.ledger_url()).entries(BATCH) if e.stage == "gate")
    assert entry.balanced and entry.rejected == 1 and entry.details["status"] == "blocked"
    assert entry.details["rows_by_finding"] == {"raw-match:PHONE_NUMBER": 1}
    assert "0987654321" not in json.dumps(entry.details)


def test_a_money_amount_is_not_an_identifier_written_with_a_dot(workdir, monkeypatch):
    """Found by the 1M-encounter bench: a cost of 1859853.00 compacts to 185985300, which was a patient's
    9-digit CMND, and blocked the batch. A decimal amount is compared as what it is; the same number
    written plainly in that column still blocks."""
    import sys
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "RAW", [RAW[0] | {"SO_CCCD": "185985300"}, RAW[1]])
    stage_batch(workdir)
    tables = clean_safe()
    tables["xml1"][0]["T_TONGCHI_BV"] = "1859853.00"
    write_safe(workdir, tables)
    assert run_gate(workdir, BATCH, use_detector=False).status == "released"
    for planted in ("185985300", "185985300.0"):  # plainly, and as a float would print it
        tables["xml1"][1]["T_TONGCHI_BV"] = planted
        write_safe(workdir, tables)
        with pytest.raises(ResidualPIIError) as raised:
            run_gate(workdir, BATCH, use_detector=False)
        assert [(h["column"], h["entity_type"]) for h in raised.value.report.blocking_hits] == \
            [("T_TONGCHI_BV", "VN_CCCD")], planted


# --- what the gate may skip: strings this process's detector already cleared, well-formed timestamps ---

def test_a_string_cleared_earlier_is_not_rescanned_but_anything_else_is(batch, monkeypatch):
    """The memo holds exact strings the detector found nothing in; a value written after it (another
    string) is scanned and still blocks, so a memo cannot hide a changed safe file."""
    from pipelines.detect import redact
    from pipelines.detect.redact import CleanTexts

    clean = CleanTexts()
    note = "Người nhà: chị Phạm Thị Hồng Nhung, SĐT 0934567812"
    clean.detector_free("Bệnh nhân tỉnh, tiếp xúc tốt", [])
    clean.detector_free(note, [{"entity_type": "PERSON", "start": 15, "end": 34}])  # a finding: not cleared
    assert "Bệnh nhân tỉnh, tiếp xúc tốt" in clean and note not in clean
    scanned: list[str] = []
    real = redact.residual_pii
    monkeypatch.setattr(redact, "residual_pii", lambda texts, **kw: scanned.extend(texts) or real(texts, **kw))
    tables = _plant(clean_safe(), "xml1", "GHI_CHU", "Bệnh nhân tỉnh, tiếp xúc tốt")
    write_safe(batch, _plant(tables, "xml1", "GHI_CHU", note, row=1))
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH, clean=clean)
    assert "Bệnh nhân tỉnh, tiếp xúc tốt" not in scanned and any("Hồng Nhung" in t for t in scanned)
    assert raised.value.report.detector_values_known_clean == 1
    assert any(h["check"] == "detector" for h in raised.value.report.blocking_hits)


def test_a_text_holding_a_placeholder_is_never_cleared_from_the_raw_pass():
    """The residual check masks placeholders before detecting, so a raw text that already holds one is
    not the string the check would see: the raw pass cannot vouch for it."""
    from pipelines.detect.redact import CleanTexts

    clean = CleanTexts()
    clean.detector_free("gọi [SĐT] khi cần", [])
    clean.detector_free("hẹn tái khám", [{"entity_type": "DATE_TIME", "start": 0, "end": 3}])  # not direct
    assert "gọi [SĐT] khi cần" not in clean and "hẹn tái khám" in clean


def test_residual_check_with_a_memo_finds_what_it_finds_without():
    from pipelines.detect.redact import CleanTexts, residual_in_redacted

    texts = ["Người nhà [HỌ_TÊN] gọi 0934567812", "hẹn tái khám sau 2 tuần", "anh Lê Văn Nam, [TUỔI]",
             "hẹn tái khám sau 2 tuần"]
    plain = residual_in_redacted(texts)
    clean = CleanTexts()
    assert residual_in_redacted(texts, clean=clean) == plain
    assert residual_in_redacted(texts, clean=clean) == plain  # second time from the memo
    assert "hẹn tái khám sau 2 tuần" in clean and texts[0] not in clean


def test_timestamps_in_timestamp_columns_skip_the_detector_but_not_an_identifier_there(batch, monkeypatch):
    from pipelines.detect import redact

    scanned: list[str] = []
    real = redact.residual_pii
    monkeypatch.setattr(redact, "residual_pii", lambda texts, **kw: scanned.extend(texts) or real(texts, **kw))
    tables = clean_safe()
    tables["xml1"][0]["NGAY_VAO"] = "202501201950"        # a well-formed timestamp: what the column holds
    tables["xml1"][1]["NGAY_VAO"] = "079190054321"        # a CCCD in the timestamp column (month 91)
    tables["xml1"][0]["T_TONGCHI_BV"] = "202501201950"    # the same digits elsewhere are still scanned
    write_safe(batch, tables)
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH)
    assert "079190054321" in scanned and scanned.count("202501201950") == 1
    assert any(h["column"] == "NGAY_VAO" for h in raised.value.report.blocking_hits)


@pytest.mark.parametrize("column, generated", [("_key_id", "k-0387654329abcdef"), ("_batch_id", "b0387654329abcde")])
def test_a_generated_id_that_reads_as_a_phone_skips_the_detector_but_a_phone_there_does_not(
        batch, monkeypatch, column, generated):
    """Key fingerprints and generated batch ids are hex digits, and now and then hold a run such as
    0387654329 (a CI run was blocked by a key id). In that form the value is left to the exact match;
    any other value in the column is scanned, so the column cannot carry a phone number past the gate."""
    from pipelines.detect import redact

    scanned: list[str] = []
    real = redact.residual_pii
    monkeypatch.setattr(redact, "residual_pii", lambda texts, **kw: scanned.extend(texts) or real(texts, **kw))
    tables = clean_safe()
    for row in tables["xml1"]:
        row[column] = generated
    write_safe(batch, tables)
    assert run_gate(batch, BATCH).status == "released" and generated not in scanned
    tables["xml1"][1][column] = generated.replace("0387654329", RAW[0]["DIEN_THOAI"])  # the batch's own phone
    write_safe(batch, tables)
    with pytest.raises(ResidualPIIError) as raised:  # in the generated form, the exact match still finds it
        run_gate(batch, BATCH)
    assert [(h["column"], h["check"]) for h in raised.value.report.blocking_hits] == [(column, "raw-match")]
    tables["xml1"][1][column] = "0387654329"
    write_safe(batch, tables)
    with pytest.raises(ResidualPIIError) as raised:
        run_gate(batch, BATCH)
    assert [h["column"] for h in raised.value.report.blocking_hits] == [column]
