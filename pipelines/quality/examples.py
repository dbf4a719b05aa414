"""Rows that satisfy every rule of the suites, built from the registry (for tests and the speed check).

Values are obviously synthetic (no real names or IDs).
"""
from __future__ import annotations

from pipelines.schema import Schema, load_schema

EXAMPLE_DATETIME = "202407011230"
EXAMPLE_DATE = "20240701"
# Fields whose hand-written rules need a particular shape. Amounts are 0 (numbers default to 0),
# so the money identities and XML1 totals hold; MA_LOAI_KCB 01 needs SO_NGAY_DTRI 0.
SHAPED_VALUES = {"MA_BENH_CHINH": "J18.9", "MA_BENH_KT": "J18.9;K35.8", "MA_BENH": "J18.9",
                 "SO_CCCD": "001090000000", "NGAY_SINH": "199001010000", "MA_TTDV": "0000000000",
                 "MA_CSKCB": "01929", "MA_DKBD": "01929", "MA_NOI_DI": "01929", "MA_NOI_DEN": "01929",
                 "MATINH_CU_TRU": "01", "MAHUYEN_CU_TRU": "001", "DIEN_THOAI": "0912345678",
                 "MA_THE_BHYT": "DN4010000000001", "MA_LOAI_KCB": "01"}


def example_value(field, schema: Schema) -> str:
    if field.name in SHAPED_VALUES:
        return SHAPED_VALUES[field.name]
    if field.code_list:
        return sorted(schema.code_lists[field.code_list])[0]
    if field.format == "datetime12":
        return EXAMPLE_DATETIME
    if field.format == "date8":
        return EXAMPLE_DATE
    if field.type == "number":
        return "0"
    return "X" * min(field.max_length or 4, 4)


def example_row(table_id: str, ma_lk: str, schema: Schema | None = None, *, stt: int = 1) -> dict[str, str]:
    """A fully valid row of ``table_id`` for episode ``ma_lk``."""
    schema = schema or load_schema()
    row = {f.name: example_value(f, schema) for f in schema.table(table_id).fields}
    row["MA_LK"] = ma_lk
    if "STT" in row:
        row["STT"] = str(stt)
    return row
