import json
import unicodedata

import pytest

from pipelines.detect import detect_plain, detect_texts, resolve_overlaps
from presidio_analyzer import RecognizerResult

TEXTS = [
    "Bệnh nhân Nguyễn Văn Hùng, 56 tuổi, SĐT 0912 345 678.",
    "Mạch 80 lần/phút, HA 120/80 mmHg.",
    "Mạch 80 lần/phút, HA 120/80 mmHg.",
    "",
    "Thẻ BHYT HC4-01-1234567890, mã số BHXH 0123456789.",
    unicodedata.normalize("NFD", "Bà Lê Thị Mai ở thôn 3, xã Yên Sở."),
    "Tim đều, phổi không ran.",
    "Bệnh nhân Nguyễn Văn Hùng, 56 tuổi, SĐT 0912 345 678.",
]


def test_fast_path_equals_plain_loop(analyzer):
    plain = detect_plain(TEXTS, analyzer)
    assert list(detect_texts(TEXTS, analyzer=analyzer, n_process=1)) == plain
    assert list(detect_texts(iter(TEXTS), analyzer=analyzer, n_process=1, chunk_size=3)) == plain
    assert plain[1] == [] and plain[3] == []
    assert {e["entity_type"] for e in plain[0]} == {"PERSON", "AGE", "PHONE_NUMBER"}


def test_fast_path_with_worker_processes_equals_plain(analyzer, monkeypatch):
    import pipelines.detect.batch as batch

    monkeypatch.setattr(batch, "MIN_TEXTS_PER_PROCESS", 1)
    texts = TEXTS * 3
    assert list(detect_texts(texts, analyzer=analyzer, n_process=2, batch_size=2)) == detect_plain(texts, analyzer)


def test_worker_processes_take_later_small_chunks(analyzer, monkeypatch):
    import pipelines.detect.batch as batch

    # The first chunk starts the workers; the later ones (fewer new texts than would start them)
    # still go to the workers, and repeats across chunks come from the cache.
    monkeypatch.setattr(batch, "MIN_TEXTS_PER_PROCESS", 3)
    texts = TEXTS + [f"Gọi bà Trần Thị Lan số 09{n:08d}" for n in range(4)] + TEXTS[:3]
    found = list(detect_texts(texts, analyzer=analyzer, n_process=2, chunk_size=8))
    assert found == detect_plain(texts, analyzer)
    assert all("PHONE_NUMBER" in {e["entity_type"] for e in entities} for entities in found[8:12])


def _die_in_worker(texts):
    import os
    os._exit(1)  # as a worker killed by the OOM killer or a signal: no exception, no result


def test_a_worker_that_dies_does_not_hang_the_batch(analyzer, monkeypatch, caplog):
    """A dead worker used to leave multiprocessing.Pool waiting for ever (a DAG run that never ended);
    now the batch is finished in this process, with the same result."""
    import pipelines.detect.batch as batch

    monkeypatch.setattr(batch, "MIN_TEXTS_PER_PROCESS", 1)
    monkeypatch.setattr(batch, "_worker_analyze", _die_in_worker)
    texts = TEXTS * 3 + [f"Gọi bà Trần Thị Lan số 09{n:08d}" for n in range(4)]
    with caplog.at_level("WARNING", logger="pipelines.detect.batch"):
        found = list(detect_texts(texts, analyzer=analyzer, n_process=2, chunk_size=5))
    assert found == detect_plain(texts, analyzer)
    assert "worker process died" in caplog.text


def test_fast_path_equals_plain_on_handwritten_set(analyzer):
    from pathlib import Path

    path = Path(__file__).parent / "data" / "detect_handwritten.jsonl"
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert list(detect_texts(texts, analyzer=analyzer, n_process=1)) == detect_plain(texts, analyzer)


def test_overlaps_resolved_longest_then_score():
    results = [
        RecognizerResult("VN_BHXH", 7, 17, 0.9),
        RecognizerResult("VN_BHYT", 0, 17, 0.85),
        RecognizerResult("PERSON", 20, 25, 0.6),
        RecognizerResult("LOCATION", 20, 25, 0.7),
    ]
    assert [(r["entity_type"], r["start"]) for r in resolve_overlaps(results)] == [("VN_BHYT", 0), ("LOCATION", 20)]


def test_rejects_non_string_items(analyzer):
    with pytest.raises(TypeError):
        list(detect_texts(["ok", None], analyzer=analyzer, n_process=1))
