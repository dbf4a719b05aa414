"""Memory caps: every stage opens DuckDB through ``pipelines.duck.connect`` with the settings' cap and a
spill folder in ``tmp/``; a batch whose DuckDB work needs more than the cap completes by spilling.

Each stage test runs twice under a 32 MB cap: with spilling allowed it completes (and gives the same
result as without a cap), and with the spill forbidden (``ANDANH_DUCKDB_SPILL_MAX=0KB``) the same work
fails with DuckDB's out-of-memory error, which proves the batch was larger than the cap and that the
stage went through the capped connection."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deid_fixtures import KEY, write_validated, xml1_row

from pipelines import duck
from pipelines.deidentify import deidentify_batch
from pipelines.quality import validate_batch
from pipelines.quality.bench import write_synthetic_batch
from pipelines.quality.validated import read_validated

CAP = "32MB"  # DuckDB needs a few MB per thread; below ~20 MB some operators cannot run at all


@pytest.fixture
def capped(monkeypatch):
    monkeypatch.setenv("ANDANH_DUCKDB_MEMORY", CAP)
    monkeypatch.setenv("ANDANH_DUCKDB_THREADS", "2")
    return monkeypatch


def test_connect_applies_the_settings_cap_and_spills_under_tmp(workdir, capped):
    con = duck.connect(workdir=workdir)
    limit = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
    assert limit[0].endswith("MiB") and float(limit[0].split()[0]) <= 32
    assert limit[1].startswith(str(workdir.tmp))
    # a GROUP BY whose hash table is far above the cap completes, spilling under tmp/
    query = ("SELECT count(*) FROM (SELECT 'K' || i::VARCHAR || repeat('x', 40) AS k, count(*) "
             "FROM range(2000000) t(i) GROUP BY k)")
    assert con.execute(query).fetchone()[0] == 2_000_000
    con.close()
    strict = duck.connect(workdir=workdir, spill_max="0KB")
    with pytest.raises(duckdb.OutOfMemoryException):
        strict.execute(query).fetchone()
    strict.close()


def test_explicit_arguments_win_over_settings(workdir, capped):
    con = duck.connect("128MB", workdir.tmp / "mine", 1, workdir=workdir)
    got = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory'), "
                      "current_setting('threads')").fetchone()
    assert got[0].endswith("MiB") and 100 < float(got[0].split()[0]) <= 128
    assert got[1].endswith("mine") and got[2] == 1


def test_validate_completes_a_batch_larger_than_the_cap_by_spilling(workdir, capped):
    write_synthetic_batch(workdir, "bbig", 20_000)  # 420,000 staged rows over five tables
    summary = validate_batch(workdir, "bbig", error_threshold=1.0)
    assert summary.tables["xml1"].received == 20_000
    assert summary.tables["xml1"].quarantined == 200  # the 1% with a bad admission date
    assert read_validated(workdir, "bbig", "xml1", columns=["MA_LK"]).num_rows == 19_800
    capped.setenv("ANDANH_DUCKDB_SPILL_MAX", "0KB")
    with pytest.raises(duckdb.OutOfMemoryException):
        validate_batch(workdir, "bbig", error_threshold=1.0)


def _many_people(n: int) -> list[dict]:
    return [xml1_row(MA_LK=f"LK{i:07d}", MA_BN=f"BN{i:07d}", SO_CCCD=f"001085{i:06d}",
                     MA_THE_BHYT=f"DN40101{i:08d}", DIEN_THOAI=f"09{i:08d}", HO_TEN=f"Nguyễn Văn {i}",
                     DIA_CHI=f"Số {i} Phố Huế", LY_DO_VV="Sốt, ho") for i in range(n)]


def test_deidentify_completes_a_batch_larger_than_the_cap_by_spilling(workdir, capped):
    # 64 MB: the residual-PII gate runs one statement per form and per join so that each may spill; on
    # this batch it completes down to about 48 MB (60 MB before that split), and 64 MB leaves a margin
    capped.setenv("ANDANH_DUCKDB_MEMORY", "64MB")
    capped.setenv("ANDANH_PSEUDONYM_KEY", KEY)
    rows = _many_people(150_000)
    write_validated(workdir, "bdeid", rows)
    summary = deidentify_batch(workdir, "bdeid")
    assert summary.rows == {"xml1": 150_000}
    safe = pq.read_table(workdir.safe / "bdeid" / "xml1.parquet", columns=["MA_LK", "PERSON_ID"])
    assert pa.compute.count_distinct(safe.column("PERSON_ID")).as_py() == 150_000
    capped.setenv("ANDANH_DUCKDB_SPILL_MAX", "0KB")
    with pytest.raises(duckdb.OutOfMemoryException):
        deidentify_batch(workdir, "bdeid")
