"""Shared by the hand-written set tests (v2, v3): read a set, score it, re-score stored predictions."""
from __future__ import annotations

import json
from pathlib import Path

from pipelines.detect import detect_texts, evaluate, shared_analyzer


def spans(entities) -> list[tuple[int, int, str]]:
    return [(e["start"], e["end"], e["entity_type"]) for e in entities]


def read_set(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(records: list[dict], predicted: dict[str, list]) -> dict:
    """evaluate() of predicted spans (id -> [(start, end, type)]) against the set's annotations."""
    return evaluate({r["id"]: spans(r["entities"]) for r in records}, predicted, {r["id"]: r["text"] for r in records})


def predict(records: list[dict]) -> dict[str, list[tuple[int, int, str]]]:
    """The detector's spans of every record: id -> [(start, end, type)]."""
    predictions = detect_texts([r["text"] for r in records], analyzer=shared_analyzer(), n_process=1)
    return {r["id"]: spans(p) for r, p in zip(records, predictions)}


def score_detector(records: list[dict]) -> dict:
    return score(records, predict(records))


def rescore_stored(records: list[dict], stored: Path) -> tuple[dict, dict]:
    """(stored score document, the same levels recomputed from its stored predictions)."""
    blind = json.loads(stored.read_text(encoding="utf-8"))
    again = score(records, {p["id"]: spans(p["entities"]) for p in blind["predictions"]})
    return blind, again
