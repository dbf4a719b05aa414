"""Partitioned staging: one part per table per ingest chunk (not one per source file), per-row lineage,
re-ingesting a file replaces exactly its rows, small parts of many ingest calls are compacted, and the
contract ``read_parquet('DIR/staging/<table>/**/*.parquet')`` still reads every row once."""
from __future__ import annotations

import duckdb
import pytest
from xml_fixtures import make_hoso, write_envelope, xml1_row, xml2_row

from pipelines.ingest import compact_batch, ingest, read_manifest, staged_files
from pipelines.ingest.staging import staged_at
from pipelines.quality import validate_batch
from pipelines.quality.validated import read_validated
from pipelines.workdir import sha256_file


def _hoso(file_no: int):
    def build(i: int):
        key = f"F{file_no:02d}H{i:02d}"
        return make_hoso(key, {"xml1": [xml1_row(key)], "xml2": [xml2_row(key, 1), xml2_row(key, 2)]})
    return build


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in range(20):
        write_envelope(folder / f"f{f:02d}.xml", 3, _hoso(f))
    return folder


def _rows(workdir, table="xml1") -> list[tuple]:
    return duckdb.sql(f"SELECT MA_LK, _source_file, _source_sha256, _hoso_index FROM "
                      f"read_parquet('{workdir.staging}/{table}/**/*.parquet') ORDER BY MA_LK").fetchall()


def test_one_part_per_chunk_with_lineage_per_row(source, workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_INGEST_CHUNK_FILES", "8")
    summary = ingest(source, workdir, batch_id="b1", workers=1, record=False)  # record=True would compact
    assert summary.staged == {"xml1": 60, "xml2": 120}
    assert len(list((workdir.staging / "xml1").glob("*.parquet"))) == 3  # 20 files in chunks of at most 8
    assert len(list((workdir.staging / "xml2").glob("*.parquet"))) == 3
    rows = _rows(workdir)
    assert len(rows) == 60 and len({r[0] for r in rows}) == 60
    for ma_lk, source_file, sha, hoso in rows:  # every row names its own file and HOSO
        assert source_file == f"f{int(ma_lk[1:3]):02d}.xml"
        assert sha == sha256_file(source / source_file) and hoso == int(ma_lk[-2:]) + 1
    entry = {f["path"]: f for f in read_manifest(workdir, "b1")["files"]}[str(source / "f05.xml")]
    assert entry["staged"] == {"xml1": 3, "xml2": 6} and entry["staging_name"] == staged_at(workdir, entry["sha256"])


def test_reingesting_a_file_replaces_exactly_its_rows(source, workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_INGEST_CHUNK_FILES", "8")
    ingest(source, workdir, batch_id="b1", workers=1, record=False)
    before = {t: sorted(_rows(workdir, t)) for t in ("xml1", "xml2")}
    sha = sha256_file(source / "f03.xml")
    old_part = staged_at(workdir, sha)
    ingest(source, workdir, batch_id="b1", files=[source / "f03.xml"], workers=1, record=False)
    assert {t: sorted(_rows(workdir, t)) for t in ("xml1", "xml2")} == before  # nothing added, nothing lost
    new_part = staged_at(workdir, sha)
    assert new_part != old_part
    moved = duckdb.sql(f"SELECT DISTINCT _source_sha256 FROM read_parquet('{workdir.staging}/xml1/{new_part}.parquet')")
    assert moved.fetchall() == [(sha,)]
    left = duckdb.sql(f"SELECT count(*), count(*) FILTER (_source_sha256 = '{sha}') "
                      f"FROM read_parquet('{workdir.staging}/xml1/{old_part}.parquet')").fetchall()
    assert left == [(7 * 3 - 3, 0)]  # 20 files in chunks of 7, 7, 6: the old part kept its six other files
    # the same chunk again: same part, same rows
    ingest(source, workdir, batch_id="b1", workers=1, record=False)
    assert {t: sorted(_rows(workdir, t)) for t in ("xml1", "xml2")} == before


def test_a_file_that_breaks_half_way_leaves_no_rows_and_the_chunk_keeps_the_others(source, workdir, monkeypatch):
    broken = source / "f07.xml"
    text = broken.read_text()
    broken.write_text(text[: len(text) * 2 // 3])  # truncated inside its last HOSO
    summary = ingest(source, workdir, batch_id="b1", workers=1)
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in summary.files}
    assert by_name["f07.xml"].rejects >= 1 and by_name["f00.xml"].staged == {"xml1": 3, "xml2": 6}
    staged_keys = {r[0] for r in _rows(workdir)}
    assert {f"F00H{i:02d}" for i in range(3)} <= staged_keys
    assert sum(by_name[n].staged.get("xml1", 0) for n in by_name) == len(staged_keys)


def test_small_parts_of_many_ingest_calls_are_compacted_and_still_validate(source, workdir):
    files = sorted(source.glob("*.xml"))
    for i in range(0, 20, 4):  # five small ingest tasks of one batch, as mapped Airflow tasks do
        ingest(source, workdir, batch_id="b1", files=files[i:i + 4], record=False, workers=1)
    assert len(staged_files(workdir, "b1", "xml1")) == 5
    assert compact_batch(workdir, "b1") == 4
    parts = staged_files(workdir, "b1", "xml1")
    assert len(parts) == 1 and len(list((workdir.staging / "xml1").glob("*.parquet"))) == 1
    assert len(_rows(workdir)) == 60 and all(staged_at(workdir, sha256_file(f)) == parts[0].stem for f in files)
    summary = validate_batch(workdir, "b1", error_threshold=1.0)
    assert summary.tables["xml1"].received == 60 and summary.tables["xml2"].received == 120
    assert read_validated(workdir, "b1", "xml1", columns=["MA_LK"]).num_rows == summary.tables["xml1"].passed
    ingest(source, workdir, batch_id="b1", files=[files[0]], record=False, workers=1)  # moves out of the merged part
    assert len(_rows(workdir)) == 60
