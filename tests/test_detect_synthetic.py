"""Detection quality on a synthetic set generated with a seed the recognizers were not tuned on.

Matching rule: strict token level (`token_strict` of pipelines.detect.evaluate): a true token is
found only when every character of it that lies in an identifier is covered by a prediction of
the same type; precision is token precision. Since issue 9 the generator draws names, streets and
hamlets from pools the detector's word lists do not hold (tests/test_synth_names_heldout.py), so
this measures the recognizers on unseen names instead of the overlap of two lists. Measured after
that split with the detector of the same commit: direct identifiers token recall 0.340 (PERSON
0.114; every other direct type 1.000), token precision 0.973; before the split PERSON was 0.998.
The floors below are those figures minus a small margin; raise them when the recognizers improve.
"""
import json

import pytest

from pipelines.detect import DIRECT_IDENTIFIERS, detect_texts, evaluate, shared_analyzer
from pipelines.synth import generate

# Never used while tuning the recognizers (tuning used other seeds); do not tune on its output.
HELD_OUT_SEED = 20261127
ENCOUNTERS = 500
DIRECT_RECALL_MIN, PRECISION_MIN = 0.31, 0.95
PERSON_RECALL_MIN = 0.09  # names the word lists do not hold: what context and shape alone find
OTHER_DIRECT_RECALL_MIN = 0.97


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth_detect")
    generate(ENCOUNTERS, HELD_OUT_SEED, out, workers=1)
    with open(out / "truth" / "texts.jsonl", encoding="utf-8") as fh:
        texts = {r["id"]: r["text"] for r in map(json.loads, fh)}
    truth = {key: [] for key in texts}
    with open(out / "truth" / "pii_spans.jsonl", encoding="utf-8") as fh:
        for span in map(json.loads, fh):
            truth[span["id"]].append((span["start"], span["end"], span["entity_type"]))
    ids = list(texts)
    found = detect_texts([texts[key] for key in ids], analyzer=shared_analyzer(), n_process=1)
    pred = {key: [(e["start"], e["end"], e["entity_type"]) for e in entities] for key, entities in zip(ids, found)}
    return evaluate(truth, pred, texts)


def test_set_is_realistic(report):
    spans = report["levels"]["overlap"]
    assert report["texts"] > 5 * ENCOUNTERS  # every free-text field, most without PII
    assert spans["DIRECT_IDENTIFIERS"]["support"] > 400
    assert {"PERSON", "PHONE_NUMBER", "VN_ADDRESS", "VN_CCCD", "VN_BHYT", "EMAIL_ADDRESS"} <= set(spans)


def test_direct_identifier_strict_token_recall_and_precision(report):
    direct = report["levels"]["token_strict"]["DIRECT_IDENTIFIERS"]
    assert direct["recall"] >= DIRECT_RECALL_MIN, direct
    assert direct["precision"] >= PRECISION_MIN, direct


def test_each_direct_identifier_type_meets_strict_token_recall(report):
    rows = report["levels"]["token_strict"]
    assert rows["PERSON"]["recall"] >= PERSON_RECALL_MIN, rows["PERSON"]
    weak = {t: rows[t] for t in DIRECT_IDENTIFIERS if t in rows and t != "PERSON" and rows[t]["support"] >= 20
            and rows[t]["recall"] < OTHER_DIRECT_RECALL_MIN}
    assert not weak, weak
