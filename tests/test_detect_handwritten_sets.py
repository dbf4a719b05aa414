"""Quality on the hand-written detection sets v2 to v7 (tests/data/detect_handwritten_v*.jsonl, issue 9).

Matching rule: strict token level (`token_strict`: every character of a true token covered by a
prediction of its type; precision is token precision). Each set's scores are stored beside it with the
detector's spans of that run (re-scored here from those spans, so a stored score can always be
reproduced); `blind` in a stored score says whether anybody had read the set's misses before it.

- v2 (`detect_handwritten_v2.md`): written by us without reading the recognizers; first score blind;
  its misses were read for the issue-9 tuning round (tests/test_detect_tuning_issue9.py), so the floors
  are the score after that round minus a margin.
- v3 (`detect_handwritten_v3.md`, sources in `detect_handwritten_v3_src/`): a separate author who read
  only v2's annotation rules; two blind scores (first, after the v2 round); its misses were then read for
  the v3 round (tests/test_detect_tuning_v3.py): the score after it is not blind; floors from it.
- v4 (`detect_handwritten_v4.md`, sources in `detect_handwritten_v4_src/`): another separate author,
  same rules; first score blind; its misses were then read for the v4 round
  (tests/test_detect_tuning_v4.py): the score after it is not blind; floors from it.
- v5 (`detect_handwritten_v5.md`, sources in `detect_handwritten_v5_src/`): a third separate author, same
  rules and v4's decisions, a ninth genre (SMS/Zalo messages); scored blind before
  and after the v4 round; its misses were then read for the v5 rounds (tests/test_detect_tuning_v5_ids.py,
  tests/test_detect_tuning_v5_text.py): the score after them is not blind; floors from it.
- v6 (`detect_handwritten_v6.md`, sources in `detect_handwritten_v6_src/`): a fourth separate author, same
  rules and v4's/v5's decisions, a tenth genre (OCR text of scanned forms); written so that v5's misses may
  be read in the v5 rounds while v6 stays blind. Nobody has read its misses (blind before and after the v5
  rounds); the next round may read them while v7 stays blind.
- v7 (`detect_handwritten_v7.md`, sources in `detect_handwritten_v7_src/`): a fifth separate author, same
  rules and the later sets' decisions, two new genres (shift handover notes, families' social-media posts);
  first scored blind before the v5 round; it stays blind when a round reads v6's misses.

The floors only stop regressions; the comments give the scores they come from.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from handwritten_sets import read_set, rescore_stored, score_detector

from pipelines.detect import ENTITY_TYPES

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class HandwrittenSet:
    name: str
    genres: frozenset[str]
    stored: dict[str, bool]  # stored score file -> blind
    recall_min: dict[str, float]
    precision_min: dict[str, float]
    every_type_present: bool = False

    @property
    def path(self) -> Path:
        return DATA / f"detect_handwritten_{self.name}.jsonl"


V2 = HandwrittenSet(
    "v2", frozenset({"clinical", "press", "pharmacy", "hotline", "discharge", "referral", "death"}),
    {"detect_handwritten_v2.blind_score.json": True},
    # after the issue-9 round minus a margin; in comments: blind, after
    {"PERSON": 0.97,              # 0.747, 0.991
     "VN_ADDRESS": 0.84,          # 0.417, 0.859 (0.931 after the location round)
     "VN_PATIENT_ID": 0.97,       # 0.414, 1.000
     "DATE_TIME": 0.93,           # 0.687, 0.950 (0.995 after the v3 round)
     "AGE": 0.97,                 # 0.993, 0.993
     "LOCATION": 0.96,            # 0.981, 0.981
     "PHONE_NUMBER": 0.97,        # 0.743, 1.000
     "VN_STAFF_ID": 0.92,         # 0.714, 1.000 (14 tokens: one miss is 0.929)
     "DIRECT_IDENTIFIERS": 0.90},  # 0.559, 0.920
    {"DIRECT_IDENTIFIERS": 0.98, "ALL": 0.95},  # blind 0.969, 0.951; after 0.997, 0.973
    every_type_present=True)

V3 = HandwrittenSet(
    "v3", frozenset({"clinical", "press", "hotline", "pharmacy", "admin", "referral", "discharge", "certificate"}),
    {"detect_handwritten_v3.blind_score.json": True, "detect_handwritten_v3.after_v2_tuning.json": True,
     "detect_handwritten_v3.after_v3_tuning.json": False},
    # after the v3 round (not blind) minus a margin; in brackets the blind scores [after the v2 round, first]
    {"PERSON": 0.95,              # 0.971 [0.953, 0.909]
     "VN_ADDRESS": 0.89,          # 0.914 [0.914, 0.914]
     "VN_PATIENT_ID": 0.97,       # 1.000 [0.896, 0.812]
     "DATE_TIME": 0.97,           # 1.000 [0.899, 0.899]
     "AGE": 0.97,                 # 0.990 [0.990, 0.990]
     "LOCATION": 0.90,            # 0.929 [0.929, 0.929]
     "PHONE_NUMBER": 0.98,        # 1.000 [0.908, 0.908]
     "VN_STAFF_ID": 0.92,         # 1.000 [0.857, 0.857] (14 tokens: one token is 0.071)
     "DIRECT_IDENTIFIERS": 0.93},  # 0.947 [0.926, 0.907]
    {"DIRECT_IDENTIFIERS": 0.97, "ALL": 0.96})  # 0.989, 0.980 [0.980, 0.970; 0.976, 0.966]

V4 = HandwrittenSet(
    "v4", frozenset({"clinical", "press", "hotline", "insurance", "pharmacy", "discharge", "referral", "death"}),
    {"detect_handwritten_v4.blind_score.json": True, "detect_handwritten_v4.after_v4_tuning.json": False},
    # after the v5 rounds (not blind) minus a margin; in brackets after the v4 round, and the first, blind score
    {"PERSON": 0.96,              # 0.985 [0.949, 0.920]
     "VN_ADDRESS": 0.93,          # 0.957 [0.925, 0.925]
     "VN_PATIENT_ID": 0.95,       # 0.981 [0.972, 0.811] (106 tokens)
     "DATE_TIME": 0.97,           # 1.000 [0.984, 0.819]
     "AGE": 0.96,                 # 0.993 [0.978, 0.978]
     "LOCATION": 0.90,            # 0.943 [0.943, 0.943] (53 tokens)
     "PHONE_NUMBER": 0.98,        # 1.000 [1.000, 0.639] (255 tokens)
     "VN_STAFF_ID": 0.95,         # 1.000 [1.000, 0.652] (46 tokens)
     "DIRECT_IDENTIFIERS": 0.95},  # 0.978 [0.953, 0.859]
    {"DIRECT_IDENTIFIERS": 0.97, "ALL": 0.97})  # 0.992, 0.992 [0.977, 0.977; 0.960, 0.954]

V5 = HandwrittenSet(
    "v5", frozenset({"clinical", "sms", "press", "hotline", "insurance", "referral", "discharge", "pharmacy",
                     "death"}),
    {"detect_handwritten_v5.blind_score.json": True, "detect_handwritten_v5.after_v4_tuning.json": True,
     "detect_handwritten_v5.after_v5_tuning.json": False},
    # after the v5 rounds, which read v5's misses (not blind), minus a margin; in brackets the two blind
    # scores [after the v4 round, first]
    {"PERSON": 0.96,              # 0.986 [0.902, 0.895]
     "VN_ADDRESS": 0.96,          # 0.991 [0.948, 0.948]
     "VN_PATIENT_ID": 0.97,       # 1.000 [0.853, 0.813] (75 tokens)
     "DATE_TIME": 0.97,           # 1.000 [0.921, 0.785]
     "AGE": 0.97,                 # 1.000 [0.942, 0.942]
     "LOCATION": 0.95,            # 1.000 [1.000, 1.000] (40 tokens)
     "PHONE_NUMBER": 0.98,        # 1.000 [0.921, 0.707] (242 tokens)
     "VN_STAFF_ID": 0.97,         # 1.000 [0.925, 0.550] (40 tokens)
     "VN_CCCD": 0.96,             # 1.000 [0.556, 0.556] (27 tokens)
     "VN_BHXH": 0.96,             # 1.000 [0.786, 0.357] (28 tokens)
     "DIRECT_IDENTIFIERS": 0.97},  # 0.992 [0.915, 0.862]
    {"DIRECT_IDENTIFIERS": 0.97, "ALL": 0.97})  # 0.995, 0.994 [0.958, 0.957; 0.950, 0.943]

V6 = HandwrittenSet(
    "v6", frozenset({"clinical", "ocr_form", "press", "sms", "discharge", "hotline", "referral", "pharmacy", "death",
                     "insurance"}),
    {"detect_handwritten_v6.blind_score.json": True, "detect_handwritten_v6.after_v5_tuning.json": True},
    # the latest blind score (after the v5 rounds) minus a margin; in brackets the first (after the v4 round)
    {"PERSON": 0.91,              # 0.941 [0.907]
     "VN_ADDRESS": 0.88,          # 0.913 [0.892]
     "VN_PATIENT_ID": 0.86,       # 0.892 [0.868] (83 tokens)
     "DATE_TIME": 0.83,           # 0.859 [0.829]
     "AGE": 0.95,                 # 0.988 [0.868] (83 tokens)
     "LOCATION": 0.85,            # 0.905 [0.905] (21 tokens)
     "PHONE_NUMBER": 0.97,        # 0.995 [0.995] (188 tokens)
     "VN_STAFF_ID": 0.82,         # 0.875 [0.875] (40 tokens)
     "VN_CCCD": 0.78,             # 0.818 [0.606] (33 tokens)
     "VN_BHXH": 0.95,             # 1.000 [0.914] (35 tokens)
     "DIRECT_IDENTIFIERS": 0.91},  # 0.936 [0.909]
    {"DIRECT_IDENTIFIERS": 0.95, "ALL": 0.95})  # 0.979, 0.979 [0.973, 0.971]

V7 = HandwrittenSet(
    "v7", frozenset({"clinical", "discharge", "referral", "death", "press", "pharmacy", "hotline", "insurance",
                     "sms", "ocr_form", "handover", "social"}),
    {"detect_handwritten_v7.blind_score.json": True, "detect_handwritten_v7.after_v5_tuning.json": True},
    # the latest blind score (after the v5 rounds) minus a margin; in brackets the first (after the v4 round)
    {"PERSON": 0.91,              # 0.937 [0.895]
     "VN_ADDRESS": 0.87,          # 0.903 [0.896]
     "VN_PATIENT_ID": 0.79,       # 0.824 [0.750] (68 tokens)
     "DATE_TIME": 0.80,           # 0.825 [0.787]
     "AGE": 0.93,                 # 0.963 [0.889]
     "LOCATION": 0.92,            # 0.952 [0.952] (62 tokens)
     "PHONE_NUMBER": 0.96,        # 0.984 [0.947] (189 tokens)
     "VN_STAFF_ID": 0.95,         # 1.000 [1.000] (25 tokens)
     "VN_CCCD": 0.75,             # 0.779 [0.265] (68 tokens)
     "VN_BHXH": 0.95,             # 1.000 [0.432] (44 tokens)
     "VN_BHYT": 0.75,             # 0.786 [0.786] (70 tokens)
     "DIRECT_IDENTIFIERS": 0.89},  # 0.916 [0.852]
    {"DIRECT_IDENTIFIERS": 0.95, "ALL": 0.95})  # 0.984, 0.983 [0.975, 0.974]

SETS = [V2, V3, V4, V5, V6, V7]
BY_NAME = {s.name: s for s in SETS}


@cache
def records(name: str) -> list[dict]:
    return read_set(BY_NAME[name].path)


@cache
def strict_report(name: str) -> dict:
    return score_detector(records(name))["levels"]["token_strict"]


@pytest.mark.parametrize("name", [s.name for s in SETS])
def test_set_size_genres_and_offsets(name):
    spec, rows = BY_NAME[name], records(name)
    assert len(rows) >= 300
    assert len({r["text"] for r in rows}) == len(rows)
    assert sum(1 for r in rows if not r["entities"]) >= 0.2 * len(rows)
    assert {r["genre"] for r in rows} == spec.genres
    present = set()
    for record in rows:
        for entity in record["entities"]:
            assert record["text"][entity["start"]:entity["end"]] == entity["text"] == entity["text"].strip()
            assert entity["entity_type"] in ENTITY_TYPES, entity
            present.add(entity["entity_type"])
    if spec.every_type_present:
        assert present == set(ENTITY_TYPES)


@pytest.mark.parametrize("name,stored,blind", [(s.name, f, b) for s in SETS for f, b in s.stored.items()])
def test_stored_scores_are_reproduced_from_their_stored_predictions(name, stored, blind):
    document, again = rescore_stored(records(name), DATA / stored)
    assert document["blind"] is blind
    for level, rows in document["levels"].items():
        assert again["levels"][level] == rows, level


@pytest.mark.parametrize("name,entity_type", [(s.name, t) for s in SETS for t in sorted(s.recall_min)])
def test_strict_token_recall_does_not_fall_below_the_floor(name, entity_type):
    row = strict_report(name)[entity_type]
    assert row["recall"] >= BY_NAME[name].recall_min[entity_type], row


@pytest.mark.parametrize("name,group", [(s.name, g) for s in SETS for g in sorted(s.precision_min)])
def test_token_precision_does_not_fall_below_the_floor(name, group):
    row = strict_report(name)[group]
    assert row["precision"] >= BY_NAME[name].precision_min[group], row
