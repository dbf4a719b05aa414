"""Parquet files are written whole or not at all: a 0600 scratch file whatever the umask, renamed onto the
target in one step; a writer that fails leaves no scratch behind and the target as it was."""
from __future__ import annotations

import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from umask_helper import umask

import pipelines.workdir as wd
from pipelines.workdir import AtomicParquetWriter, write_parquet_atomic


def table(values: list[str]) -> pa.Table:
    return pa.table({"MA_LK": pa.array(values, pa.string())}).replace_schema_metadata({"andanh": "v1"})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_the_file_is_0600_under_a_permissive_umask(tmp_path, mask):
    with umask(mask):
        beside = write_parquet_atomic(table(["a"]), tmp_path / "out" / "xml1.parquet")
        via_tmp = write_parquet_atomic(table(["b"]), tmp_path / "out" / "xml2.parquet",
                                       scratch_dir=tmp_path / "tmp", scratch_stem="safe-xml2")
        with AtomicParquetWriter(tmp_path / "out" / "xml3.parquet", table([]).schema) as writer:
            assert mode(writer.scratch) == 0o600  # from its creation on, not only once in place
            writer.write(table(["c"]))
    assert [mode(p) for p in (beside, via_tmp, writer.path)] == [0o600, 0o600, 0o600]
    assert pq.read_table(via_tmp).column("MA_LK").to_pylist() == ["b"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["xml1.parquet", "xml2.parquet", "xml3.parquet"]
    assert not any((tmp_path / "tmp").iterdir())


def test_the_file_is_the_one_pyarrow_writes_with_its_metadata(tmp_path):
    data = table(["a", "b", None])
    pq.write_table(data, tmp_path / "plain.parquet", compression="zstd", row_group_size=2)
    written = write_parquet_atomic(data, tmp_path / "atomic.parquet", row_group_size=2)
    assert written.read_bytes() == (tmp_path / "plain.parquet").read_bytes()
    assert pq.read_schema(written).metadata == {b"andanh": b"v1"}
    assert pq.ParquetFile(written).metadata.row_group(0).column(0).compression == "ZSTD"
    write_parquet_atomic(data, written, row_group_size=2)  # re-running changes nothing
    assert written.read_bytes() == (tmp_path / "plain.parquet").read_bytes()


def test_a_writer_that_raises_leaves_the_target_unchanged_and_no_scratch(tmp_path):
    target = write_parquet_atomic(table(["old"]), tmp_path / "xml1.parquet")
    before = target.read_bytes()
    with pytest.raises(Boom):
        with AtomicParquetWriter(target, table([]).schema, scratch_dir=tmp_path / "tmp") as writer:
            writer.write(table(["new"]))
            raise Boom("half-way")
    assert target.read_bytes() == before
    assert not writer.scratch.exists() and not any((tmp_path / "tmp").iterdir())
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["xml1.parquet"]


def test_a_failed_first_write_creates_no_target(tmp_path):
    with pytest.raises(ValueError, match="schema does not match"):
        with AtomicParquetWriter(tmp_path / "xml1.parquet", table([]).schema) as writer:
            writer.write(pa.table({"other": [1]}))  # not the file's schema
    assert not any(tmp_path.iterdir())


def test_a_failed_rename_keeps_the_target_and_removes_the_scratch(tmp_path, monkeypatch):
    target = write_parquet_atomic(table(["old"]), tmp_path / "xml1.parquet")
    before = target.read_bytes()

    def no_replace(src, dst):
        raise OSError("disk gone")
    monkeypatch.setattr(wd.os, "replace", no_replace)
    with pytest.raises(OSError, match="disk gone"):
        write_parquet_atomic(table(["new"]), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["xml1.parquet"]


def test_bad_writer_options_leave_no_scratch(tmp_path):
    with pytest.raises(pa.ArrowException, match="Unsupported compression"):
        AtomicParquetWriter(tmp_path / "xml1.parquet", table([]).schema, compression="no-such-codec")
    assert not any(tmp_path.iterdir())


def test_an_aborted_or_committed_writer_takes_no_more_rows(tmp_path):
    writer = AtomicParquetWriter(tmp_path / "xml1.parquet", table([]).schema)
    writer.write(table(["a"]))
    writer.abort()
    assert not any(tmp_path.iterdir())
    with pytest.raises(ValueError, match="already closed"):
        writer.write(table(["b"]))


def test_a_closed_scratch_may_be_rewritten_before_the_commit(tmp_path):
    """What ingest does when a source is dropped after some of its rows were flushed: the finished
    scratch file is rewritten in place (still 0600) and only then put at the target."""
    with umask(0o000):
        writer = AtomicParquetWriter(tmp_path / "part.parquet", table([]).schema, scratch_dir=tmp_path / "tmp")
        writer.write(table(["keep", "drop"]))
        writer.close()
        pq.write_table(pq.read_table(writer.scratch).slice(0, 1), writer.scratch, compression="zstd")
        writer.commit()
    assert pq.read_table(tmp_path / "part.parquet").column("MA_LK").to_pylist() == ["keep"]
    assert mode(tmp_path / "part.parquet") == 0o600
