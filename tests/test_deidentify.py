from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.deidentify import (Pseudonymizer, age_band, age_years, deidentify_batch, month_of,
                                  province_2025_of)
from pipelines.deidentify.keys import PseudonymKeyError, master_key
from pipelines.deidentify.policy import PolicyError, load_policy
from pipelines.schema import load_schema
from pipelines.quality.validated import (VERDICT_SCHEMA, StagedDataChanged, file_entries, index_document,
                                         verdicts_path, write_json_atomic)

KEY = "11" * 32


def xml1_row(**over):
    row = {c: None for c in load_schema().table("xml1").columns}
    row.update(MA_LK="LK001", MA_BN="BN42", HO_TEN="Nguyễn Văn An", SO_CCCD="001085012345",
               NGAY_SINH="198503150000", GIOI_TINH="1", DIA_CHI="Số 1 Phố Huế", MATINH_CU_TRU="74",
               DIEN_THOAI="0912345678", NGAY_VAO="202403010830", NGAY_RA="202403051000", MA_CSKCB="01929",
               MA_BENH_CHINH="J18", LY_DO_VV="Sốt, ho; người nhà anh Lê Văn Nam", T_TONGCHI_BV="100000.00",
               MA_TTDV="0123456789")
    row.update(over, _batch_id="b1", _source_file="f.xml", _source_sha256="ab", _hoso_index="1")
    return row


def write_validated(workdir, batch_id, rows, table="xml1"):
    """Stage ``rows`` and record them as validated with no verdicts (every row passes)."""
    staged = workdir.staged_table(table) / f"{batch_id}.parquet"
    staged.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), staged)
    write_json_atomic(workdir.validated / batch_id / "index.json",
                      index_document(batch_id, {table: file_entries(workdir, [staged])}))
    pq.write_table(VERDICT_SCHEMA.empty_table(), verdicts_path(workdir, batch_id, table))


def test_pseudonyms_are_keyed_stable_and_domain_separated():
    a, b = Pseudonymizer(bytes.fromhex(KEY)), Pseudonymizer(bytes.fromhex(KEY))
    other = Pseudonymizer(bytes.fromhex("22" * 32))
    assert a.one("episode", "LK001") == b.one("episode", "LK001")
    assert a.one("episode", "LK001") != other.one("episode", "LK001")
    assert a.one("episode", "LK001") != a.one("patient", "LK001")
    joined = a.series("staff", pd.Series(["111111/BYT-CCHN;222222/BYT-CCHN", None]), separator=";")
    first, second = joined[0].split(";")
    assert first == a.one("staff", "111111/BYT-CCHN") and second == a.one("staff", "222222/BYT-CCHN")
    assert pd.isna(joined[1])


def test_age_band_month_and_province():
    ages = age_years(pd.Series(["198503150000", "195000000000", "202403010000"]),
                     pd.Series(["202403010830", "202403010830", "202403020830"]))
    assert list(ages) == [38, 73, 0]
    assert list(age_band(pd.Series([0, 4, 38, 95]), load_policy().age_bands)) == ["0", "1-4", "35-39", "90+"]
    assert month_of(pd.Series(["202403010830", "2024", None])).tolist() == ["202403", pd.NA, pd.NA]
    # legacy 74 (Bình Dương) maps to 79 before the reform; a post-reform code is read as new
    assert list(province_2025_of(pd.Series(["74", "79", "74"]), pd.Series(["20240101", "20251001", "20251001"]))) \
        == ["79", "79", pd.NA]


def test_batch_drops_direct_identifiers_and_free_text(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", KEY)
    write_validated(workdir, "b1", [xml1_row(), xml1_row(MA_LK="LK002", GIOI_TINH="2")])
    summary = deidentify_batch(workdir, "b1")
    safe = pq.read_table(workdir.safe / "b1" / "xml1.parquet").to_pandas()
    assert summary.rows == {"xml1": 2}
    for gone in ("HO_TEN", "SO_CCCD", "DIA_CHI", "DIEN_THOAI", "NGAY_SINH", "MATINH_CU_TRU",
                 "_source_file", "_source_sha256"):
        assert gone not in safe.columns
    # free text stays, with the PII in it replaced by typed placeholders
    assert list(safe["LY_DO_VV"]) == ["Sốt, ho; người nhà anh [HỌ_TÊN]"] * 2
    assert safe["MA_LK"].str.startswith("E").all() and safe["MA_BN"].str.startswith("P").all()
    assert list(safe["NGAY_VAO"]) == ["202403", "202403"]
    assert list(safe["NHOM_TUOI"]) == ["35-39", "35-39"] and list(safe["MATINH_2025"]) == ["79", "79"]
    text = safe.to_csv()
    for raw in ("Nguyễn", "Lê Văn Nam", "001085012345", "0912345678", "LK001", "BN42", "0123456789"):
        assert raw not in text
    # same key, same input: the same pseudonyms on a second run
    deidentify_batch(workdir, "b1")
    again = pq.read_table(workdir.safe / "b1" / "xml1.parquet").to_pandas()
    assert list(again["MA_LK"]) == list(safe["MA_LK"])


def test_generated_key_is_kept_in_the_vault(workdir):
    first = master_key(workdir)
    assert master_key(workdir) == first
    assert (workdir.vault / "pseudonym.key").stat().st_mode & 0o077 == 0


def test_missing_key_can_be_required(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_REQUIRE_KEY", "1")
    with pytest.raises(PseudonymKeyError):
        master_key(workdir)
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", "too-short")
    with pytest.raises(PseudonymKeyError):
        master_key(workdir)


@pytest.mark.parametrize("body, message", [
    ("defaults: {DIRECT-ID: keep, QUASI-ID: drop, FREE-TEXT: drop, SENSITIVE-HEALTH: keep, NON-ID: keep}\n"
     "fields: {NO_SUCH_FIELD: keep}\nage_bands: [0, 5]", "fields.NO_SUCH_FIELD"),
    ("defaults: {DIRECT-ID: pseudonymize}\nage_bands: [0, 5]", "defaults.DIRECT-ID"),
    ("defaults: {DIRECT-ID: drop, QUASI-ID: drop, FREE-TEXT: drop, SENSITIVE-HEALTH: keep, NON-ID: keep}\n"
     "fields: {MA_LK: {action: pseudonymize, domain: nobody}}\nage_bands: [0, 5]", "fields.MA_LK.domain"),
])
def test_policy_errors_name_the_file_and_key(tmp_path, body, message):
    path = tmp_path / "policy.yaml"
    path.write_text(body)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_a_staged_file_changed_after_validation_is_refused(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", KEY)
    write_validated(workdir, "b2", [xml1_row(), xml1_row(MA_LK="LK002")])
    staged = workdir.staged_table("xml1") / "b2.parquet"
    pq.write_table(pa.Table.from_pylist([xml1_row(), xml1_row(MA_LK="LK002"), xml1_row(MA_LK="LK003")]), staged)
    with pytest.raises(StagedDataChanged, match="run validate again"):
        deidentify_batch(workdir, "b2")
    staged.unlink()
    with pytest.raises(StagedDataChanged, match="gone"):
        deidentify_batch(workdir, "b2")
