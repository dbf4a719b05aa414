"""Quality on the first hand-written Vietnamese sentences (tests/data/detect_handwritten.jsonl).

Most of this set was in view while the recognizers were written, so it is a regression check, not
an estimate (the blind one is tests/test_detect_handwritten_v2.py). Matching rule: strict token
level (`token_strict` of pipelines.detect.evaluate: every character of a true token covered by a
prediction of its type; token precision), over the direct identifiers.
"""
import json
from pathlib import Path

import pytest

from pipelines.detect import DIRECT_IDENTIFIERS, detect_texts, evaluate, shared_analyzer

DATA = Path(__file__).parent / "data" / "detect_handwritten.jsonl"


@pytest.fixture(scope="module")
def records():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_gold_offsets_are_consistent(records):
    assert len(records) >= 150
    assert sum(1 for r in records if not r["entities"]) >= 40
    for record in records:
        for entity in record["entities"]:
            assert record["text"][entity["start"]:entity["end"]] == entity["text"]


def test_direct_identifier_strict_token_recall_and_precision(records):
    predictions = list(detect_texts([r["text"] for r in records], analyzer=shared_analyzer(), n_process=1))
    truth = {r["id"]: [(e["start"], e["end"], e["entity_type"]) for e in r["entities"]] for r in records}
    pred = {r["id"]: [(e["start"], e["end"], e["entity_type"]) for e in p] for r, p in zip(records, predictions)}
    report = evaluate(truth, pred, {r["id"]: r["text"] for r in records})
    direct = report["levels"]["token_strict"]["DIRECT_IDENTIFIERS"]
    assert direct["recall"] >= 0.97, direct
    assert direct["precision"] >= 0.95, direct
    assert report["levels"]["overlap"]["DIRECT_IDENTIFIERS"]["support"] >= 100
    present = {t for spans in truth.values() for _, _, t in spans}
    assert set(DIRECT_IDENTIFIERS) <= present
