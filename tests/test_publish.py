from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines import aggregate, disclose, publish
from pipelines.publish import ReleaseAuditError


def write_safe(workdir, batch_id, rows):
    """Safe XML1 of a batch that passed validation and the residual-PII gate (aggregation reads no other)."""
    from pipelines.deidentify.gate import run_gate
    from pipelines.quality.validated import index_document, write_json_atomic

    folder = workdir.safe / batch_id
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "xml1.parquet")
    write_json_atomic(workdir.validated / batch_id / "index.json", index_document(batch_id, {}))
    write_json_atomic(workdir.reports / batch_id / "validation.json", {"gate": {"passed": True, "reasons": []}})
    run_gate(workdir, batch_id, use_detector=False)


def episode(ma_lk, **over):
    row = dict(MA_LK=ma_lk, NGAY_VAO="202403", NGAY_TTOAN="202403", MATINH_2025="01", MA_BENH_CHINH="J18.0",
               GIOI_TINH="1", NHOM_TUOI="35-39", T_TONGCHI_BV="100.50", T_BHTT="80.00", T_BNCCT="20.50",
               T_BNTT="0", _batch_id="b1")
    row.update(over)
    return row


@pytest.fixture
def released(workdir):
    rows = [episode(f"E{i}") for i in range(12)] + [episode(f"F{i}", GIOI_TINH="2") for i in range(3)]
    write_safe(workdir, "b1", rows)
    # a resent episode in a later batch replaces its first version instead of counting twice
    write_safe(workdir, "b2", [episode("E0", NGAY_TTOAN="202404", T_TONGCHI_BV="200.50", _batch_id="b2")])
    agg = aggregate.aggregate(workdir)
    disclosed = disclose.suppress_small_cells(workdir, 10)
    return agg, disclosed, publish.publish(workdir, min_cell=10, batches=agg.batches)


def test_aggregate_counts_latest_version_and_suppresses_small_cells(released, workdir):
    agg, disclosed, published = released
    assert agg.encounters == 15 and sorted(agg.batches) == ["b1", "b2"]
    assert disclosed.cells == 2 and disclosed.suppressed_cells == 1
    con = duckdb.connect(str(published.duckdb_path), read_only=True)
    rows = con.execute("SELECT sex, encounters, total_cost_vnd, suppressed, province_name, icd10_chapter, month "
                       "FROM encounter_costs_monthly ORDER BY sex").fetchall()
    assert rows[0][:4] == ("Nam", 10, pytest.approx(100.5 * 11 + 200.5), False)  # 12 rounded to the nearest 5
    assert rows[0][4:] == ("Thành phố Hà Nội", "X", "2024-03")
    assert rows[1][:4] == ("Nữ", None, None, True)
    assert con.execute("SELECT count(*) FROM releases WHERE status = 'current' AND verified").fetchone()[0] == 1


def test_release_is_content_addressed_checksummed_and_idempotent(released, workdir):
    _, _, published = released
    manifest = json.loads((published.path / "manifest.json").read_text())
    from pipelines.workdir import sha256_file
    data = next(published.path.rglob("*.parquet"))
    assert manifest["files"][data.relative_to(published.path).as_posix()]["sha256"] == sha256_file(data)
    again = publish.publish(workdir, min_cell=10, batches=["b1", "b2"])
    assert again.release_id == published.release_id and again.already_published
    assert len(list((workdir.published / "encounter_costs_monthly").glob("r*"))) == 1


def test_audit_refuses_a_release_with_a_visible_small_cell(released, workdir):
    # a threshold above the one the data was suppressed with must not publish
    with pytest.raises(ReleaseAuditError, match="no published count in 1..12"):
        publish.publish(workdir, min_cell=13)
    with pytest.raises(ReleaseAuditError, match="below the policy floor"):  # a minimum of 1 is refused outright
        publish.publish(workdir, min_cell=1)
