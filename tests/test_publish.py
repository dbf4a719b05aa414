"""The release step end to end on a small safe zone: what the catalog shows, checksums, idempotence,
and the audit that refuses a visible small cell."""
from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from pipelines.run import release
from pipelines.workdir import sha256_file
from release_fixtures import episode, write_datasets, write_safe

AS_OF = dt.date(2024, 7, 1)


@pytest.fixture
def released(workdir, tmp_path):
    config = write_datasets(tmp_path)
    rows = [episode(f"E{i}", THANG_VAO="2024-03") for i in range(12)] + \
        [episode(f"F{i}", THANG_VAO="2024-03", GIOI_TINH="2") for i in range(3)]
    write_safe(workdir, "b1", rows)
    # a resent episode in a later batch replaces its first version instead of counting twice
    write_safe(workdir, "b2", [episode("E0", THANG_VAO="2024-03", T_TONGCHI_BV="200.50")])
    [summary] = release(workdir, as_of=AS_OF, config=config)
    return config, summary


def test_catalog_counts_latest_version_and_suppresses_small_cells(released, workdir):
    _, s = released
    con = duckdb.connect(str(workdir.published / "andanh.duckdb"), read_only=True)
    rows = con.execute("SELECT sex, encounters, total_cost_vnd, suppressed FROM enc__national_quarter_sex "
                       "WHERE quarter = '2024-Q1' ORDER BY sex").fetchall()
    assert rows[0] == ("*", 15, pytest.approx(100.5 * 11 + 200.5 + 100.5 * 3), False)
    # 3 women: suppressed, nothing behind it; then 12 men too, or the total 15 would give the 3 away
    assert rows[1:] == [("1", None, None, True), ("2", None, None, True)]
    cost = con.execute("SELECT total_cost_vnd FROM enc__national_month_chapter WHERE quarter = '2024-Q1' "
                       "AND month = '2024-03' AND icd10_chapter = 'X'").fetchone()[0]
    assert cost == pytest.approx(100.5 * 14 + 200.5)  # E0 counted once, at its resent cost
    assert con.execute("SELECT count(*) FROM releases WHERE status = 'current' AND verified AND dataset = 'enc'"
                       ).fetchone()[0] == 1
    assert s.utility["rows"] == 15


def test_release_is_checksummed_and_idempotent(released, workdir):
    config, s = released
    manifest = json.loads((s.path / "manifest.json").read_text())
    assert manifest["files"] and manifest["metadata"]["periods"] == ["2024-Q1"]
    assert manifest["source_batches"] == ["b1", "b2"] and manifest["metadata"]["utility"]["rows"] == 15
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == sha256_file(s.path / name)
    [again] = release(workdir, as_of=AS_OF, config=config)
    assert again.version == s.version and again.already_published
    assert [p.name for p in (workdir.published / "enc").iterdir() if p.is_dir()] == [s.version]


def test_a_tampered_frozen_period_cannot_publish_a_small_cell(released, workdir):
    import pandas as pd

    from pipelines.publish import ReleaseAuditError
    config, s = released
    frozen = workdir.restricted / "releases" / "enc" / "2024-Q1" / "national_quarter_sex.parquet"
    t = pd.read_parquet(frozen)
    t.loc[t["sex"] == "2", ["encounters", "suppressed"]] = [3, False]
    t.to_parquet(frozen, index=False)
    for p in (workdir.published / "enc").iterdir():  # force a new publication of the same periods
        if p.is_dir():
            import shutil
            shutil.rmtree(p)
    with pytest.raises(ReleaseAuditError, match="1..7"):
        release(workdir, as_of=AS_OF, config=config)
