"""The de-identify stage on hand-made batches: identifiers gone, one person across facilities and
time, per-person date shifts with exact intervals, tokens stable, scoped and shared with notes."""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from deid_fixtures import KEY, OTHER_KEY, child_row, write_validated, xml1_row

from pipelines.deidentify import deidentify_batch
from pipelines.deidentify.keys import PseudonymKeyError, master_key
from pipelines.deidentify.policy import DEFAULT_POLICY
from pipelines.ledger import Ledger
from pipelines.quality.validated import StagedDataChanged


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", KEY)


def safe(workdir, batch, table="xml1", special=False) -> list[dict]:
    folder = workdir.safe / batch / ("special" if special else "")
    path = folder / f"{table}.parquet"
    return pq.read_table(path).to_pylist() if path.exists() else []


def policy_with(tmp_path, changes: dict, name="policy.yaml") -> str:
    """The built-in policy with ``changes`` ({"a.b.c": value}) applied, written to tmp_path."""
    raw = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        target = raw
        *parents, last = dotted.split(".")
        for p in parents:
            target = target.setdefault(p, {})
        target[last] = value
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


def day(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%d%H%M")


def test_batch_drops_direct_identifiers_and_redacts_free_text(workdir):
    write_validated(workdir, "b1", [xml1_row(), xml1_row(MA_LK="LK002", GIOI_TINH="2")])
    summary = deidentify_batch(workdir, "b1")
    rows = safe(workdir, "b1")
    assert summary.rows == {"xml1": 2} and len(rows) == 2
    for gone in ("HO_TEN", "SO_CCCD", "DIA_CHI", "DIEN_THOAI", "NGAY_SINH", "MATINH_CU_TRU", "MA_BN",
                 "MA_THE_BHYT", "_source_file", "_source_sha256"):
        assert gone not in rows[0]
    assert [r["LY_DO_VV"] for r in rows] == ["Sốt, ho; người nhà anh [HỌ_TÊN]"] * 2
    assert all(r["MA_LK"].startswith("E") and r["PERSON_ID"].startswith("P") for r in rows)
    assert [r["NHOM_TUOI"] for r in rows] == ["35-39"] * 2 and [r["MATINH_2025"] for r in rows] == ["79"] * 2
    assert [r["THANG_VAO"] for r in rows] == ["2024-03"] * 2  # the real month, for monthly statistics
    text = repr(rows)
    for raw in ("Nguyễn", "Lê Văn Nam", "001085012345", "0912345678", "LK001", "BN42", "0123456789",
                "0123456789", "DN4010123456789", "202403010830"):
        assert raw not in text
    deidentify_batch(workdir, "b1")  # same key, same input: the same tokens again
    assert [r["MA_LK"] for r in safe(workdir, "b1")] == [r["MA_LK"] for r in rows]


def test_one_person_across_facilities_batches_and_tables(workdir):
    write_validated(workdir, "b1", None, tables={
        "xml1": [xml1_row(MA_LK="LK1", MA_CSKCB="01929", SO_CCCD="001085012345", MA_BN="A1"),
                 xml1_row(MA_LK="LK1", MA_CSKCB="79001", SO_CCCD="001 085 012 345", MA_BN="Z9",
                          MA_THE_BHYT="HT3790123456789"),
                 # no CCCD: the card's BHXH number links, whatever its separators
                 xml1_row(MA_LK="LK7", MA_CSKCB="01929", SO_CCCD=None, MA_THE_BHYT="GD4-79-9999999999", MA_BN="Q1"),
                 # nothing but MA_BN: lower-confidence linkage within the facility
                 xml1_row(MA_LK="LK8", MA_CSKCB="01929", SO_CCCD=None, MA_THE_BHYT=None, MA_BN="BN-77")],
        "xml2": [child_row("xml2", MA_LK="LK7", NGAY_YL="202403020900")]})
    write_validated(workdir, "b2", [xml1_row(MA_LK="LK9", MA_CSKCB="48001", SO_CCCD=None, MA_BN="X",
                                             MA_THE_BHYT="GD4799999999999", NGAY_VAO="202406010830")])
    summary = deidentify_batch(workdir, "b1")
    deidentify_batch(workdir, "b2")
    r = safe(workdir, "b1")
    assert summary.linked_by == {"cccd": 2, "bhxh": 1, "facility_mrn": 1, "episode": 0}
    assert r[0]["PERSON_ID"] == r[1]["PERSON_ID"] and r[0]["PERSON_LINK"] == "cccd"
    assert r[0]["MA_LK"] != r[1]["MA_LK"]  # same MA_LK at two facilities: two episodes
    assert r[2]["PERSON_LINK"] == "bhxh" and r[3]["PERSON_LINK"] == "facility_mrn"
    later = safe(workdir, "b2")[0]
    assert later["PERSON_ID"] == r[2]["PERSON_ID"]  # same card number, another facility, another month
    child = safe(workdir, "b1", "xml2")[0]
    assert child["PERSON_ID"] == r[2]["PERSON_ID"] and child["MA_LK"] == r[2]["MA_LK"]
    details = {e.table_name: e.details for e in Ledger(workdir.ledger_url()).entries("b1") if e.stage == "deidentify"}
    assert details["persons"]["linked_by"]["bhxh"] == 1


def test_dates_shift_per_person_with_exact_intervals(workdir):
    episodes = [xml1_row(MA_LK=f"LK{i}", SO_CCCD=f"0010850123{i:02d}", NGAY_VAO="202403010830",
                         NGAY_RA="202403051000", NGAY_TTOAN="202403051100") for i in range(30)]
    episodes.append(xml1_row(MA_LK="LKB", SO_CCCD="001085012300", NGAY_VAO="202405200700", NGAY_RA="202405211200"))
    write_validated(workdir, "b1", None, tables={
        "xml1": episodes,
        "xml3": [child_row("xml3", MA_LK="LK3", NGAY_YL="202403020900", NGAY_TH_YL="202403021000",
                           NGAY_KQ="202403031015")],
        "xml5": [child_row("xml5", MA_LK="LK3", THOI_DIEM_DBLS="202403011200",
                           DIEN_BIEN_LS="Ngày 2/3/2024 sốt cao, gọi 0912345678")]})
    deidentify_batch(workdir, "b1")
    rows = {r["MA_LK"]: r for r in safe(workdir, "b1")}
    offsets = set()
    for r in rows.values():
        if r["THANG_VAO"] != "2024-03":
            continue
        assert day(r["NGAY_RA"]) - day(r["NGAY_VAO"]) == dt.timedelta(days=4, minutes=90)
        offset = (day(r["NGAY_VAO"]) - day("202403010830")).days
        offsets.add(offset)
        assert r["NHOM_TUOI"] == "35-39"  # from the real dates
    assert 0 not in offsets and all(-30 <= o <= 30 for o in offsets) and len(offsets) > 5
    by_person = {}
    for r in rows.values():
        by_person.setdefault(r["PERSON_ID"], []).append(r)
    readmitted = next(v for v in by_person.values() if len(v) == 2)
    first, second = sorted(readmitted, key=lambda r: r["NGAY_VAO"])
    assert day(second["NGAY_VAO"]) - day(first["NGAY_VAO"]) == day("202405200700") - day("202403010830")
    x3 = safe(workdir, "b1", "xml3")[0]
    episode = next(r for r in rows.values() if r["MA_LK"] == x3["MA_LK"])
    assert day(x3["NGAY_YL"]) - day(episode["NGAY_VAO"]) == day("202403020900") - day("202403010830")
    assert day(x3["NGAY_KQ"]) - day(x3["NGAY_YL"]) == day("202403031015") - day("202403020900")
    note = safe(workdir, "b1", "xml5")[0]
    assert "0912345678" not in note["DIEN_BIEN_LS"] and "2/3/2024" not in note["DIEN_BIEN_LS"]


def test_surrogate_notes_are_readable_consistent_and_shift_dates(workdir, tmp_path):
    policy = policy_with(tmp_path, {"defaults.FREE-TEXT": "surrogate"})
    note = "Ngày 2/3/2024 bệnh nhân Trần Thị Bích đau bụng, SĐT 0912345678"
    write_validated(workdir, "b1", None, tables={
        "xml1": [xml1_row(MA_LK="LK1"), xml1_row(MA_LK="LK2", SO_CCCD="079185000111")],
        "xml5": [child_row("xml5", MA_LK="LK1", DIEN_BIEN_LS=note), child_row("xml5", MA_LK="LK2", DIEN_BIEN_LS=note),
                 child_row("xml5", MA_LK="LK1", STT="2", DIEN_BIEN_LS="Trần Thị Bích đỡ đau")]})
    deidentify_batch(workdir, "b1", policy_path=policy)
    notes = safe(workdir, "b1", "xml5")
    first, other, same_person = (n["DIEN_BIEN_LS"] for n in notes)
    for text in (first, other, same_person):
        assert "Bích" not in text and "0912345678" not in text and "[" not in text
    fake = first.split("bệnh nhân ")[1].split(" đau")[0]
    assert fake in other and same_person.startswith(fake)  # the same real name, the same fake
    x1 = {r["MA_LK"]: r for r in safe(workdir, "b1")}
    offset = (day(x1[notes[0]["MA_LK"]]["NGAY_VAO"]) - day("202403010830")).days
    shifted = dt.date(2024, 3, 2) + dt.timedelta(days=offset)
    assert first.startswith(f"Ngày {shifted.day}/{shifted.month}/{shifted.year}")


def test_a_name_in_a_column_and_in_a_note_gets_the_same_token(workdir, tmp_path):
    policy = policy_with(tmp_path, {"fields.HO_TEN": {"action": "pseudonymise", "domain": "name", "normalise": "name"},
                                    "free_text.redact.PERSON": {"operator": "pseudonymise", "domain": "name"}})
    write_validated(workdir, "b1", [xml1_row(MA_LK="LK1", HO_TEN="LÊ VĂN  NAM", LY_DO_VV="Khám"),
                                    xml1_row(MA_LK="LK2", HO_TEN="Trần An", LY_DO_VV="người nhà anh Lê Văn Nam")])
    deidentify_batch(workdir, "b1", policy_path=policy)
    rows = safe(workdir, "b1")
    token = rows[0]["HO_TEN"]
    assert token.startswith("N") and rows[1]["LY_DO_VV"] == f"người nhà anh {token}"


def test_tokens_differ_across_scopes_and_keys(workdir, tmp_path, monkeypatch):
    write_validated(workdir, "b1", [xml1_row()])
    deidentify_batch(workdir, "b1")
    default = safe(workdir, "b1")[0]
    deidentify_batch(workdir, "b1", policy_path=policy_with(tmp_path, {"scope": "project-A"}))
    scoped = safe(workdir, "b1")[0]
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", OTHER_KEY)
    deidentify_batch(workdir, "b1")
    other_key = safe(workdir, "b1")[0]
    for column in ("MA_LK", "PERSON_ID", "MA_TTDV"):
        assert len({default[column], scoped[column], other_key[column]}) == 3
    assert default["_key_id"] != other_key["_key_id"]


def test_special_category_episodes_go_to_their_own_compartment(workdir, tmp_path):
    import dataclasses

    from pipelines import aggregate
    from pipelines.datasets import get_dataset
    policy = policy_with(tmp_path, {"special_categories.extra_codes": {"genetic": ["Q90-Q99"]}})
    write_validated(workdir, "b1", None, tables={
        "xml1": [xml1_row(MA_LK="LK1", MA_BENH_CHINH="B20.1"),
                 xml1_row(MA_LK="LK2", MA_BENH_CHINH="J18", MA_BENH_KT="I10;F32.1"),
                 xml1_row(MA_LK="LK3", MA_BENH_CHINH="J18"),
                 xml1_row(MA_LK="LK4", MA_BENH_CHINH="Q90"),
                 xml1_row(MA_LK="LK5", MA_BENH_CHINH="O04", SO_CCCD="079185000111"),
                 xml1_row(MA_LK="LK6", MA_BENH_CHINH="J18", SO_CCCD="079185000112")],
        "xml5": [child_row("xml5", MA_LK="LK3", DIEN_BIEN_LS="Tiền sử lao phổi đã điều trị"),
                 child_row("xml5", MA_LK="LK6", DIEN_BIEN_LS="Ho khan, không sốt; đi lao động nặng")]})
    summary = deidentify_batch(workdir, "b1", policy_path=policy)
    assert summary.special_episodes == {"genetic": 1, "hiv": 1, "mental_health": 1, "pregnancy_termination": 1,
                                        "tuberculosis": 1}
    main, special = safe(workdir, "b1"), safe(workdir, "b1", special=True)
    assert len(main) == 1 and main[0]["MA_BENH_CHINH"] == "J18" and "special_category" not in main[0]
    assert sorted(r["special_category"] for r in special) == ["genetic", "hiv", "mental_health",
                                                              "pregnancy_termination", "tuberculosis"]
    assert safe(workdir, "b1", "xml5", special=True)[0]["special_category"] == "tuberculosis"
    assert len(safe(workdir, "b1", "xml5")) == 1  # the note on labour is not about TB
    spec = get_dataset("encounters")
    month = safe(workdir, "b1")[0]["THANG_VAO"]
    period = f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}"
    assert aggregate.inner_cells(workdir, spec, period)["encounters"].sum() == 1
    special_too = dataclasses.replace(spec, include_special=True)
    assert aggregate.inner_cells(workdir, special_too, period)["encounters"].sum() == 6


def test_ledger_records_each_rule_and_runs_shows_it(workdir, capsys):
    from pipelines.cli import main
    write_validated(workdir, "b1", [xml1_row(), xml1_row(MA_LK="LK2")])
    deidentify_batch(workdir, "b1")
    entry = next(e for e in Ledger(workdir.ledger_url()).entries("b1") if e.stage == "deidentify" and e.table_name == "xml1")
    rules = entry.details["rules"]
    assert rules["HO_TEN"] == {"field": "HO_TEN", "action": "drop", "rule": "defaults.DIRECT-ID", "dropped": 2}
    assert rules["MA_LK"]["pseudonymised"] == 2 and rules["NGAY_VAO"]["shifted"] == 2
    assert rules["NHOM_TUOI"]["generalised"] == 2 and rules["LY_DO_VV"]["entities"] == {"PERSON:placeholder": 2}
    assert entry.details["policy_version"] == "2.1" and entry.details["key_id"]
    main(["runs", "--workdir", str(workdir.root), "--batch", "b1"])
    out = capsys.readouterr().out
    assert "xml1 HO_TEN" in out and "drop" in out and "PERSON:placeholder 2" in out and "key " in out


def test_generated_key_is_kept_in_the_vault(workdir, monkeypatch):
    monkeypatch.delenv("ANDANH_PSEUDONYM_KEY")
    first = master_key(workdir)
    assert master_key(workdir) == first
    assert (workdir.vault / "pseudonym.key").stat().st_mode & 0o077 == 0


def test_missing_key_can_be_required(workdir, monkeypatch):
    monkeypatch.delenv("ANDANH_PSEUDONYM_KEY")
    monkeypatch.setenv("ANDANH_REQUIRE_KEY", "1")
    with pytest.raises(PseudonymKeyError):
        master_key(workdir)
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", "too-short")
    with pytest.raises(PseudonymKeyError):
        master_key(workdir)


def test_a_staged_file_changed_after_validation_is_refused(workdir):
    write_validated(workdir, "b2", [xml1_row(), xml1_row(MA_LK="LK002")])
    staged = workdir.staged_table("xml1") / "b2.parquet"
    pq.write_table(pa.Table.from_pylist([xml1_row(), xml1_row(MA_LK="LK002"), xml1_row(MA_LK="LK003")]), staged)
    with pytest.raises(StagedDataChanged, match="run validate again"):
        deidentify_batch(workdir, "b2")
    staged.unlink()
    with pytest.raises(StagedDataChanged, match="gone"):
        deidentify_batch(workdir, "b2")


def test_detail_tables_in_pieces_give_the_same_safe_rows(workdir, monkeypatch):
    import pipelines.deidentify.stage as stage
    tables = {"xml1": [xml1_row(MA_LK="LK1"), xml1_row(MA_LK="LK2", MA_BENH_CHINH="A15", SO_CCCD="079185000111")],
              "xml3": [child_row("xml3", MA_LK=k, STT=str(i), NGAY_YL="202403020900", MA_BAC_SI="001234/BYT-CCHN")
                       for i, k in enumerate(["LK1", "LK2", "LK1", "LK1", "LK2"])]}
    write_validated(workdir, "b1", None, tables=tables)
    deidentify_batch(workdir, "b1")
    whole = (safe(workdir, "b1", "xml3"), safe(workdir, "b1", "xml3", special=True))
    monkeypatch.setattr(stage, "PIECE_ROWS", 2)
    summary = deidentify_batch(workdir, "b1")
    assert (safe(workdir, "b1", "xml3"), safe(workdir, "b1", "xml3", special=True)) == whole
    assert len(whole[0]) == 3 and len(whole[1]) == 2 and summary.rows["xml3"] == 5
    entry = next(e for e in Ledger(workdir.ledger_url()).entries("b1") if e.stage == "deidentify" and e.table_name == "xml3")
    assert entry.details["rules"]["MA_BAC_SI"]["pseudonymised"] == 5 and entry.details["special_rows"] == 2


def test_special_mentions_one_scan_flags_what_each_pattern_flags():
    """The one-scan prefilter of ``of_text`` changes nothing: each category's own pattern, tried on every
    text, flags the same categories (the hand-written clinical sentences, and every mention word with
    its neighbours)."""
    import json
    import re
    from pathlib import Path

    from pipelines.deidentify.special import MENTIONS, SpecialCategories

    special = SpecialCategories()
    words = [w for p in MENTIONS.values() for w in re.split(r"\||\\b|\(\?:|\)", p) if w.strip()]
    texts = [f"{a} {w}{b}" for w in words for a, b in (("Bệnh nhân", ""), ("x", "y"), ("", " nặng"))]
    for path in sorted((Path(__file__).parent / "data").glob("detect_handwritten*.jsonl")):  # clinical sentences
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["HIV", "đang uống ARV", "lao phổi", "lao động", "Aids.", "trầm cảm F32", "B20.1 và A15"]

    def each_pattern(text: str) -> str | None:
        low = text.lower()
        found = {c for c, p in MENTIONS.items() if re.search(p, low)}
        for code in re.findall(r"\b([A-Z]\d{2})(?:\.\d{1,2})?\b", text):
            found.update(special.of_code(code))
        return ";".join(sorted(found)) or None

    flagged = [special.of_text(t) for t in texts]
    assert flagged == [each_pattern(t) for t in texts]
    assert sum(f is not None for f in flagged) > len(words)  # the mentions were found, not only passed over


def test_validated_rows_come_in_pieces_of_the_size_asked_for(workdir):
    """DuckDB hands out an Arrow batch per row group of each staged part; a reader asking for 10,000-row
    pieces must get them (de-identify pays a lookup over the batch's episodes per piece: pieces of a few
    thousand rows made it quadratic in the batch)."""
    from pipelines.quality.validated import (VERDICT_SCHEMA, file_entries, index_document, iter_validated,
                                             verdicts_path, write_json_atomic)

    parts = []
    for k in range(8):
        part = workdir.staged_table("xml1") / f"b1-{k}.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        rows = [xml1_row(MA_LK=f"LK{k}{i:05d}") for i in range(3000)]
        pq.write_table(pa.Table.from_pylist(rows), part, row_group_size=1000)
        parts.append(part)
    write_json_atomic(workdir.validated / "b1" / "index.json", index_document("b1", {"xml1": file_entries(workdir, parts)}))
    pq.write_table(VERDICT_SCHEMA.empty_table(), verdicts_path(workdir, "b1", "xml1"))
    pieces = list(iter_validated(workdir, "b1", "xml1", columns=["MA_LK"], rows_per_piece=10_000))
    assert [p.num_rows for p in pieces] == [10_000, 10_000, 4_000]
    assert pa.concat_tables(pieces).column("MA_LK").to_pylist() == [f"LK{k}{i:05d}" for k in range(8) for i in range(3000)]
