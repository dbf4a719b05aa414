"""Redaction with typed placeholders (used by the de-identify step) and the residual-PII gate."""
import unicodedata

import pytest

from pipelines.detect import DIRECT_IDENTIFIERS
from pipelines.detect.redact import PLACEHOLDERS, apply_placeholders, redact_texts, residual_pii

TEXTS = [
    "Bệnh nhân Nguyễn Văn Hùng, 56 tuổi, SĐT 0912 345 678, trú tại thôn 3, xã Yên Sở, huyện Hoài Đức, Hà Nội.",
    None,
    "",
    "Mạch 80 lần/phút, HA 120/80 mmHg.",
    "Thẻ BHYT DN4010123456789, CCCD 001090012345, email hung.nguyen75@gmail.com, vào viện ngày 12/3/2024.",
    "BS. Phạm Quang Minh (CCHN 001234/BYT-CCHN) khám BN1234.",
    unicodedata.normalize("NFD", "Bà Lê Thị Mai, mã số BHXH 0123456789."),
]


@pytest.fixture(scope="module")
def redacted():
    return redact_texts(TEXTS, n_process=1)


def test_placeholders_replace_pii(redacted):
    assert redacted[0] == ("Bệnh nhân [HỌ_TÊN], [TUỔI], SĐT [SĐT], trú tại [ĐỊA_CHỈ], Hà Nội.")
    assert redacted[1] is None and redacted[2] == ""
    assert redacted[3] == TEXTS[3]
    assert redacted[4] == "Thẻ BHYT [THẺ_BHYT], CCCD [CCCD], email [EMAIL], vào viện ngày [NGÀY]."
    assert redacted[5] == "BS. [HỌ_TÊN] (CCHN [MÃ_NV]) khám [MÃ_BN]."
    assert unicodedata.normalize("NFC", redacted[6]) == "Bà [HỌ_TÊN], mã số BHXH [MÃ_BHXH]."


def test_no_direct_identifier_survives_and_placeholders_are_not_pii(redacted):
    assert all(spans == [] for spans in residual_pii(redacted, n_process=1))
    everything = " ".join(PLACEHOLDERS.values())
    assert residual_pii([everything], entity_types=PLACEHOLDERS, n_process=1) == [[]]
    assert residual_pii(TEXTS, n_process=1)[0]  # the gate sees PII in unredacted text
    assert {e["entity_type"] for e in residual_pii(TEXTS, n_process=1)[0]} <= set(DIRECT_IDENTIFIERS)


def test_keep_is_a_parameter_and_output_is_deterministic(redacted):
    assert redact_texts(TEXTS, n_process=1) == redacted
    dropped = redact_texts([TEXTS[0]], keep=(), n_process=1)[0]
    assert dropped.endswith("[ĐỊA_CHỈ], [ĐỊA_DANH].")
    with pytest.raises(ValueError):
        redact_texts(["x"], keep=("NOT_A_TYPE",))
    with pytest.raises(TypeError):
        redact_texts([b"bytes"])


def test_apply_placeholders_ignores_overlapping_leftovers():
    text = "abc def"
    entities = [{"start": 0, "end": 3, "entity_type": "PERSON"}, {"start": 2, "end": 5, "entity_type": "AGE"}]
    assert apply_placeholders(text, entities) in ("[HỌ_TÊN] def", "ab[TUỔI]ef")
