"""Detection over many texts: the plain Presidio loop (baseline) and the fast path.

The fast path returns exactly what the plain loop returns, because it skips only work whose
result is known:
- identical texts are analysed once;
- a text on which no recognizer pattern matches gets no entities (every recognizer result starts
  from a pattern match, see `VietnamesePatternRecognizer.could_match`), so it skips spaCy and
  Presidio entirely; on the others only the recognizers with a match run (`entities=`);
- the remaining texts go through `nlp.pipe` in batches and Presidio's `analyze` with those
  NlpArtifacts (what `BatchAnalyzerEngine` does), in worker processes for large inputs.
"""
from __future__ import annotations

import multiprocessing
import os
from itertools import islice
from typing import Iterable, Iterator

from presidio_analyzer import AnalyzerEngine

from .analyzer import LANGUAGE, analyze_text, map_offsets, nfc_with_offsets, resolve_overlaps, shared_analyzer

# Texts read per round; bounds memory and lets output stream.
CHUNK_SIZE = 20_000
# Below this many texts needing analysis, worker start-up costs more than it saves.
MIN_TEXTS_PER_PROCESS = 500


def detect_plain(texts: Iterable[str], analyzer: AnalyzerEngine | None = None) -> list[list[dict]]:
    """Baseline: `analyzer.analyze(text, language="vi")` per text, overlaps resolved."""
    analyzer = analyzer or shared_analyzer()
    return [analyze_text(analyzer, text) for text in texts]


def matching_entities(analyzer: AnalyzerEngine, text: str) -> list[str]:
    """Entity types whose recognizer has a pattern match in text (the others cannot report anything)."""
    return [
        recognizer.supported_entities[0]
        for recognizer in analyzer.registry.recognizers
        if recognizer.could_match(text)
    ]


def _analyze_normalized(analyzer: AnalyzerEngine, items: list[tuple[str, list[str]]], batch_size: int) -> list[list[dict]]:
    """Presidio analysis of (NFC text, candidate entity types) with spaCy batching.

    Only the recognizers with a pattern match run: the others return nothing, so the result
    equals a full `analyze`. Overlaps resolved; offsets in the NFC text.
    """
    nlp_engine = analyzer.nlp_engine
    texts = [text for text, _ in items]
    out = []
    batches = nlp_engine.process_batch(texts, language=LANGUAGE, batch_size=batch_size)
    for (text, artifacts), (_, entities) in zip(batches, items):
        out.append(resolve_overlaps(analyzer.analyze(text, language=LANGUAGE, entities=entities, nlp_artifacts=artifacts)))
    return out


# Set in the parent right before forking, so workers reuse its analyzer instead of building one.
_fork_analyzer: AnalyzerEngine | None = None
_worker_batch_size = 64


def _worker_analyze(items: list[tuple[str, list[str]]]) -> list[list[dict]]:
    return _analyze_normalized(_fork_analyzer or shared_analyzer(), items, _worker_batch_size)


def _slices(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def detect_texts(
    texts: Iterable[str],
    *,
    batch_size: int = 64,
    n_process: int | None = None,
    analyzer: AnalyzerEngine | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list[dict]]:
    """Entities per text, in input order: lists of {"start","end","entity_type","score"}.

    Same output as `detect_plain`. n_process=None uses up to all CPUs when a chunk has enough
    texts to analyse; 1 stays in this process.
    """
    if analyzer is None:
        analyzer = shared_analyzer()
    max_processes = n_process if n_process is not None else (os.cpu_count() or 1)
    pool = None
    try:
        iterator = iter(texts)
        while True:
            chunk = list(islice(iterator, chunk_size))
            if not chunk:
                break
            unique: dict[str, list[dict] | None] = {}
            for text in chunk:
                if not isinstance(text, str):
                    raise TypeError("detect_texts expects str items")
                unique.setdefault(text, None)
            pending: list[tuple[str, str, list[int] | None]] = []
            work: list[tuple[str, list[str]]] = []
            for text in unique:
                normalized, offsets = nfc_with_offsets(text)
                entities = matching_entities(analyzer, normalized)
                if entities:
                    pending.append((text, normalized, offsets))
                    work.append((normalized, entities))
                else:
                    unique[text] = []
            processes = min(max_processes, len(work) // MIN_TEXTS_PER_PROCESS)
            if processes > 1:
                if pool is None:
                    global _fork_analyzer, _worker_batch_size
                    _fork_analyzer, _worker_batch_size = analyzer, batch_size
                    pool = multiprocessing.get_context("fork").Pool(max_processes)
                slice_size = max(batch_size, len(work) // (processes * 4) + 1)
                analysed = [r for part in pool.imap(_worker_analyze, _slices(work, slice_size)) for r in part]
            else:
                analysed = _analyze_normalized(analyzer, work, batch_size)
            for (text, _, offsets), entities in zip(pending, analysed):
                unique[text] = map_offsets(entities, offsets)
            for text in chunk:
                yield [dict(entity) for entity in unique[text]]
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
