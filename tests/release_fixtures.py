"""Safe-zone batches for the aggregate / release tests: written as de-identification leaves them and
released by the residual-PII gate (aggregation reads nothing else)."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TEST_DATASETS = """
datasets:
  enc:
    title_vi: Lượt KCB
    title_en: Encounters
    source: xml1
    population: null
    period: {from: THANG_VAO}
    dimensions:
      province: {from: MATINH_2025, hierarchy: geography, level: province, from_level: province}
      icd10_chapter: {from: MA_BENH_CHINH, hierarchy: icd10, level: chapter}
      sex: {from: GIOI_TINH, codes: {"1": Nam, "2": Nữ}}
    measures:
      encounters: {kind: count}
      total_cost_vnd: {kind: sum, sql: "TRY_CAST(T_TONGCHI_BV AS DECIMAL(18, 2))", money: true}
    tables:
      - {name: national_month_chapter, period: month, dimensions: [icd10_chapter]}
      - {name: national_quarter_sex, period: quarter, dimensions: [sex]}
      - {name: province_quarter, period: quarter, dimensions: [province]}
    disclosure: {method: sdc, min_count: 8, round_to: 5, dominance: {n: 2, k: 90, p: 10}, protection: 0.1}
    partition_by: [province]
"""


def write_datasets(tmp_path: Path, text: str = TEST_DATASETS) -> Path:
    path = tmp_path / "datasets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def episode(ma_lk: str, **over) -> dict:
    row = dict(MA_LK=ma_lk, STT="1", THANG_VAO="2025-01", NGAY_VAO="202501101000", NGAY_TTOAN="202501121500",
               MATINH_2025="01", MATINH_63="01", MA_BENH_CHINH="J18.0", GIOI_TINH="1", NHOM_TUOI="35-39",
               MA_LOAI_KCB="01", MA_CSKCB="01001", SO_NGAY_DTRI="0", KET_QUA_DTRI="1", TINH_NOI_DI=None,
               T_TONGCHI_BV="100.50", T_BHTT="80.00", T_BNCCT="20.50", T_BNTT="0")
    row.update(over)
    return row


def write_safe(workdir, batch_id: str, rows: list[dict], *, xml2: list[dict] | None = None,
               release: bool = True) -> None:
    """A batch in the safe zone; ``release`` runs the residual-PII gate's bookkeeping (no detector).
    The batch gets its ingest sequence number now, as ``record_ingest`` does."""
    from pipelines.deidentify.gate import run_gate
    from pipelines.ledger import Ledger
    from pipelines.quality.validated import index_document, write_json_atomic

    folder = workdir.safe / batch_id
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([r | {"_batch_id": batch_id} for r in rows]), folder / "xml1.parquet")
    if xml2 is not None:
        pq.write_table(pa.Table.from_pylist([r | {"_batch_id": batch_id} for r in xml2]), folder / "xml2.parquet")
    Ledger(workdir.ledger_url()).batch_sequences([batch_id])
    if release:
        write_json_atomic(workdir.validated / batch_id / "index.json", index_document(batch_id, {}))
        write_json_atomic(workdir.reports / batch_id / "validation.json", {"gate": {"passed": True, "reasons": []}})
        run_gate(workdir, batch_id, use_detector=False)
