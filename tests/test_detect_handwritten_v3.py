"""Quality on the third hand-written set (tests/data/detect_handwritten_v3.jsonl, issue 9).

Written by a separate author who read only the v2 annotation rules, never the recognizers, their word
lists, their tests or any detector output (tests/data/detect_handwritten_v3.md; the author's sources
and build script are in tests/data/detect_handwritten_v3_src/). Its first, blind score is stored
beside it (detect_handwritten_v3.blind_score.json, with the detector's spans of that run), and a second
blind score after the v2 tuning round (detect_handwritten_v3.after_v2_tuning.json). Its misses were then read
for the third tuning round (tests/test_detect_tuning_v3.py): the score after it
(detect_handwritten_v3.after_v3_tuning.json) is NOT blind, and neither is any later score on this set.
The blind measure of text the detector was not developed on is now the v4 set.

Matching rule: strict token level (every character of a true token covered by a prediction of its
type). The floors are the score after the v3 tuning minus a small margin: they stop regressions. The two
blind scores stay documented beside them.
"""
from pathlib import Path

import pytest

from handwritten_sets import read_set, rescore_stored, score_detector

from pipelines.detect import ENTITY_TYPES

DATA = Path(__file__).parent / "data" / "detect_handwritten_v3.jsonl"
BLIND = Path(__file__).parent / "data" / "detect_handwritten_v3.blind_score.json"
AFTER_V2_TUNING = Path(__file__).parent / "data" / "detect_handwritten_v3.after_v2_tuning.json"
AFTER_V3_TUNING = Path(__file__).parent / "data" / "detect_handwritten_v3.after_v3_tuning.json"
GENRES = {"clinical", "press", "hotline", "pharmacy", "admin", "referral", "discharge", "certificate"}
# token_strict recall floors: the score after the v3 tuning on this set's misses (not blind, stored in
# detect_handwritten_v3.after_v3_tuning.json) minus a margin; in brackets the blind scores
# [after the v2 tuning, first].
RECALL_MIN = {
    "PERSON": 0.95,              # 0.971 [0.953, 0.909]
    "VN_ADDRESS": 0.89,          # 0.914 [0.914, 0.914], finer than a province, points of interest included
    "VN_PATIENT_ID": 0.97,       # 1.000 [0.896, 0.812]
    "DATE_TIME": 0.97,           # 1.000 [0.899, 0.899]
    "AGE": 0.97,                 # 0.990 [0.990, 0.990]
    "LOCATION": 0.90,            # 0.929 [0.929, 0.929]
    "PHONE_NUMBER": 0.98,        # 1.000 [0.908, 0.908]
    "VN_STAFF_ID": 0.92,         # 1.000 [0.857, 0.857] (14 tokens: one token is 0.071)
    "DIRECT_IDENTIFIERS": 0.93,  # 0.947 [0.926, 0.907]
}
# 0.989, 0.980 [0.980, 0.970; 0.976, 0.966]
PRECISION_MIN = {"DIRECT_IDENTIFIERS": 0.97, "ALL": 0.96}


@pytest.fixture(scope="module")
def records():
    return read_set(DATA)


@pytest.fixture(scope="module")
def report(records):
    return score_detector(records)


def test_set_size_genres_and_offsets(records):
    assert len(records) >= 300
    assert len({r["text"] for r in records}) == len(records)
    assert sum(1 for r in records if not r["entities"]) >= 0.2 * len(records)
    assert {r["genre"] for r in records} == GENRES
    for record in records:
        for entity in record["entities"]:
            assert record["text"][entity["start"]:entity["end"]] == entity["text"] == entity["text"].strip()
            assert entity["entity_type"] in ENTITY_TYPES, entity


# The two blind scores, and the score after tuning on this set's misses (marked not blind).
@pytest.mark.parametrize("stored,blind", [(BLIND, True), (AFTER_V2_TUNING, True), (AFTER_V3_TUNING, False)],
                         ids=["first", "after-v2-tuning", "after-v3-tuning"])
def test_stored_scores_are_reproduced_from_their_stored_predictions(records, stored, blind):
    document, again = rescore_stored(records, stored)
    assert document["blind"] is blind
    for level, rows in document["levels"].items():
        assert again["levels"][level] == rows, level


@pytest.mark.parametrize("entity_type", sorted(RECALL_MIN))
def test_strict_token_recall_does_not_fall_below_the_score_after_tuning(report, entity_type):
    row = report["levels"]["token_strict"][entity_type]
    assert row["recall"] >= RECALL_MIN[entity_type], row


@pytest.mark.parametrize("group", sorted(PRECISION_MIN))
def test_token_precision_does_not_fall_below_the_score_after_tuning(report, group):
    row = report["levels"]["token_strict"][group]
    assert row["precision"] >= PRECISION_MIN[group], row
