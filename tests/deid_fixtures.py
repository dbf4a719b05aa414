"""Hand-made validated batches for the de-identification tests (rows staged, every row passing)."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.ledger import Ledger, LedgerEntry
from pipelines.quality.validated import VERDICT_SCHEMA, file_entries, index_document, verdicts_path, write_json_atomic
from pipelines.schema import load_schema

KEY = "5f1c8e2a9b7d4063a1e0c4b8d2f6e9a1370b5c8d4e2f6a9b1c3d5e7f9a0b2c4d"  # a fixed test key
OTHER_KEY = "9e4d2b7a1c6f0385e2d9b4a7c1f6e0839d5b2a8c7e1f4063b9d2e5a8c1f7b304"
LINEAGE = dict(_batch_id="b1", _source_file="f.xml", _source_sha256="ab", _hoso_index="1")


def xml1_row(**over) -> dict:
    row = {c: None for c in load_schema().table("xml1").columns}
    row.update(MA_LK="LK001", MA_BN="BN42", HO_TEN="Nguyễn Văn An", SO_CCCD="001085012345",
               NGAY_SINH="198503150000", GIOI_TINH="1", DIA_CHI="Số 1 Phố Huế", MATINH_CU_TRU="74",
               DIEN_THOAI="0912345678", NGAY_VAO="202403010830", NGAY_RA="202403051000", MA_CSKCB="01929",
               MA_BENH_CHINH="J18", LY_DO_VV="Sốt, ho; người nhà anh Lê Văn Nam", T_TONGCHI_BV="100000.00",
               MA_TTDV="0123456789", MA_THE_BHYT="DN4010123456789", NGAY_TTOAN="202403051100")
    row.update(LINEAGE)
    row.update(over)
    return row


def child_row(table: str, **over) -> dict:
    row = {c: None for c in load_schema().table(table).columns}
    row.update(MA_LK="LK001", STT="1")
    row.update(LINEAGE)
    row.update(over)
    return row


def write_validated(workdir, batch_id, rows, table="xml1", tables: dict | None = None):
    """Stage ``rows`` (or ``tables``: table -> rows) and record them as validated with no verdicts: the
    validated index, a validation report whose gate passed, and ingest/validate ledger counts that
    reconcile (what de-identify checks before it starts)."""
    tables = tables or {table: rows}
    entries = {}
    for table_id, table_rows in tables.items():
        staged = workdir.staged_table(table_id) / f"{batch_id}.parquet"
        staged.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(table_rows), staged)
        entries[table_id] = file_entries(workdir, [staged])
    write_json_atomic(workdir.validated / batch_id / "index.json", index_document(batch_id, entries))
    for table_id in tables:
        pq.write_table(VERDICT_SCHEMA.empty_table(), verdicts_path(workdir, batch_id, table_id))
    write_json_atomic(workdir.reports / batch_id / "validation.json", {"gate": {"passed": True, "reasons": []}})
    hoso = len(tables.get("xml1", []))
    entries = [LedgerEntry(batch_id, "ingest", "hoso", received=hoso, passed=hoso),
               LedgerEntry(batch_id, "validate", "hoso", received=hoso, passed=hoso)]
    for table_id, table_rows in tables.items():
        n = len(table_rows)
        entries += [LedgerEntry(batch_id, "ingest", table_id, received=n, passed=n),
                    LedgerEntry(batch_id, "validate", table_id, received=n, passed=n)]
    Ledger(workdir.ledger_url()).record(entries)
