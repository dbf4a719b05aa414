"""Analyzer construction and the single-text analysis step shared by the plain and fast paths."""
from __future__ import annotations

import threading
import unicodedata
from pathlib import Path

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

from .entities import DIRECT_IDENTIFIERS, ENTITY_TYPES  # noqa: F401  (re-exported: callers import them from here)
from .lexicon import load_word_lists
from .nlp import LANGUAGE, VietnameseNlpEngine, ensure_model
from .recognizers import ALL_RECOGNIZERS

# Results below this score are dropped; context-dependent patterns start below it and need a
# context word (Presidio adds CONTEXT_BOOST) to pass.
SCORE_THRESHOLD = 0.4
CONTEXT_BOOST = 0.35


def build_analyzer(model_path: Path | str | None = None) -> AnalyzerEngine:
    """A Presidio AnalyzerEngine for language "vi" with only our recognizers (no English defaults)."""
    nlp_engine = VietnameseNlpEngine(ensure_model(model_path))
    nlp_engine.load()
    load_word_lists()
    registry = RecognizerRegistry(
        recognizers=[recognizer() for recognizer in ALL_RECOGNIZERS], supported_languages=[LANGUAGE]
    )
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        default_score_threshold=SCORE_THRESHOLD,
        context_aware_enhancer=LemmaContextAwareEnhancer(
            context_similarity_factor=CONTEXT_BOOST,
            min_score_with_context_similarity=SCORE_THRESHOLD,
            context_prefix_count=5,
            context_suffix_count=0,
            context_matching_mode="substring",
        ),
    )


_shared: AnalyzerEngine | None = None
_shared_lock = threading.Lock()


def shared_analyzer() -> AnalyzerEngine:
    """One analyzer per process (building it loads pyvi and compiles the name regexes)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = build_analyzer()
        return _shared


def nfc_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """NFC form of text and, if it differs, a map from NFC offsets back to offsets in text."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    pieces = []
    index, length = 0, len(text)
    while index < length:
        nxt = index + 1
        while nxt < length and unicodedata.combining(text[nxt]):
            nxt += 1
        pieces.append((index, unicodedata.normalize("NFC", text[index:nxt])))
        index = nxt
    offsets: list[int] = []
    for start, piece in pieces:
        offsets.extend([start] * len(piece))
    offsets.append(length)
    return "".join(piece for _, piece in pieces), offsets


def _ends_with_a_phone_number(result, phone_ends: dict[int, int]) -> bool:
    """An address span that ends with a phone number ("công ty 0935 118 247", "di động 0 9 0 2 ..."): the
    address recognizer took the number for a place's number."""
    return result.entity_type == "VN_ADDRESS" and phone_ends.get(result.end, result.start) > result.start


def resolve_overlaps(results) -> list[dict]:
    """Deterministic overlap resolution: the longest span wins, then the higher score, then the
    earlier start, then the entity name; an address that ends with a phone number gives way to it.
    Returns dicts sorted by position."""
    phone_ends = {r.end: r.start for r in results if r.entity_type == "PHONE_NUMBER"}
    candidates = sorted(
        ({"start": r.start, "end": r.end, "entity_type": r.entity_type, "score": round(float(r.score), 4)} for r in results
         if not _ends_with_a_phone_number(r, phone_ends)),
        key=lambda r: (-(r["end"] - r["start"]), -r["score"], r["start"], r["entity_type"]),
    )
    kept: list[dict] = []
    for candidate in candidates:
        if all(candidate["end"] <= other["start"] or candidate["start"] >= other["end"] for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda r: (r["start"], r["end"], r["entity_type"]))


def map_offsets(entities: list[dict], offsets: list[int] | None) -> list[dict]:
    if offsets is None:
        return entities
    return [dict(e, start=offsets[e["start"]], end=offsets[e["end"]]) for e in entities]


def analyze_text(analyzer: AnalyzerEngine, text: str) -> list[dict]:
    """Presidio `analyze` on one text (NFC-normalised for matching), overlaps resolved,
    offsets into the text as given."""
    normalized, offsets = nfc_with_offsets(text)
    results = analyzer.analyze(normalized, language=LANGUAGE)
    return map_offsets(resolve_overlaps(results), offsets)
