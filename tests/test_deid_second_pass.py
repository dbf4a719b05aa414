"""De-identification checks its own output with the residual-PII gate's check: a name the detector sees
only once its neighbours are placeholders (found in the demo set: "Chị Ý 45 tuổi" became "Chị Ý [TUỔI]",
and the gate then blocked the batch) is replaced in a second pass, and the gate passes."""
from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from deid_fixtures import KEY, write_validated, xml1_row

from pipelines.deidentify import deidentify_batch
from pipelines.deidentify.gate import assert_batch_released
from pipelines.detect.redact import mask_placeholders, residual_in_redacted


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", KEY)


def test_masked_spans_map_back_to_the_redacted_text():
    text = "Bn [HỌ_TÊN] ở [ĐỊA_CHỈ] Lê Thị Riêng, khám"
    masked, starts, ends = mask_placeholders(text)
    assert masked == "Bn … ở … Lê Thị Riêng, khám"
    s = masked.index("Lê")
    assert text[starts[s]:ends[s + len("Lê Thị Riêng") - 1]] == "Lê Thị Riêng"
    assert text[starts[3]:ends[3]] == "[HỌ_TÊN]"


def test_the_gates_check_finds_the_name_only_in_the_redacted_form():
    found = residual_in_redacted(["Chị Ý [TUỔI], sốt, mệt mỏi 9 ngày"])[0]
    assert [(e["entity_type"], e["start"], e["end"]) for e in found] == [("PERSON", 4, 5)]


def test_a_name_revealed_by_redaction_is_redacted_and_the_gate_passes(workdir):
    notes = ["Chị Ý 45 tuổi, sốt, mệt mỏi 9 ngày", "Cháu Ý 7 tuổi, sưng đau vùng da 4 tuần nay"]
    write_validated(workdir, "b1", [xml1_row(MA_LK=f"LK{i}", LY_DO_VV=n) for i, n in enumerate(notes)])
    deidentify_batch(workdir, "b1")  # raises ResidualPIIError if the gate finds anything
    assert_batch_released(workdir, "b1")
    for row in pq.read_table(workdir.safe / "b1" / "xml1.parquet").to_pylist():
        assert " Ý " not in row["LY_DO_VV"] and "[HỌ_TÊN]" in row["LY_DO_VV"], row["LY_DO_VV"]
