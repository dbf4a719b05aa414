"""Detection over many texts: the plain Presidio loop (baseline) and the fast path.

The fast path returns exactly what the plain loop returns (entities and scores), because it
skips only work whose result is known:
- identical texts are analysed once (within a chunk, and across chunks up to `CACHE_SIZE`);
- every recognizer result starts from a pattern match, and our recognizers do not read the NLP
  artifacts, so the recognizers are first run on their own (`find`, each pattern scanned once,
  after the recognizer's cheap `NEEDS` test): a text with no raw result gets no entities and
  skips spaCy and Presidio entirely;
- Presidio's context enhancer only raises the score of a result when one of its recognizer's
  context words is a substring of the lemma of a nearby word; lemmas are lower-cased tokens and
  tokens are substrings of the text, so if no context word occurs in the lower-cased text, the
  enhancer cannot change anything. Such texts skip word segmentation (pyvi, the costliest step)
  and get Presidio's remaining steps directly (score thresholds, `remove_duplicates`); only the
  others get `nlp.pipe` in batches (what `BatchAnalyzerEngine` does) and Presidio's `analyze`;
- inside Presidio only the recognizers with a raw result run (`entities=`), and they hand back
  the results already computed (`reuse_results`) instead of matching again;
- large inputs are split across worker processes (fork; the analyzer is shared, not rebuilt).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Iterable, Iterator

from presidio_analyzer import AnalyzerEngine, EntityRecognizer
from presidio_analyzer.nlp_engine import NlpArtifacts

from .analyzer import LANGUAGE, analyze_text, map_offsets, nfc_with_offsets, resolve_overlaps, shared_analyzer

log = logging.getLogger(__name__)

# Texts read per round; bounds memory and lets output stream.
CHUNK_SIZE = 20_000
# Distinct texts whose results are remembered across chunks (catalogue texts such as dosage
# instructions repeat all through a batch); oldest forgotten first.
CACHE_SIZE = 200_000
# Below this many distinct texts, worker start-up costs more than it saves.
MIN_TEXTS_PER_PROCESS = 1_000


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


def _raw_results(analyzer: AnalyzerEngine, texts: list[str]) -> list[list[tuple[object, list]]]:
    """Per text, (recognizer, results) for the recognizers that find something, before context and thresholds.

    Recognizer by recognizer over all the texts, not text by text: each recognizer's large compiled patterns
    then stay in the CPU caches (about a quarter faster), and each still sees the texts in their order.
    """
    found: list[list[tuple[object, list]]] = [[] for _ in texts]
    for recognizer in analyzer.registry.recognizers:
        for index, text in enumerate(texts):
            # `find` directly rather than `could_match` first: a search that fails costs as much as
            # the `finditer` that finds nothing, and one that succeeds would be repeated by `find`.
            if not recognizer.ruled_out(text):
                results = recognizer.find(text)
                if results:
                    found[index].append((recognizer, results))
    return found


def _context_possible(text: str, found) -> bool:
    """Could Presidio's context enhancer change any of these results? (see module docstring)

    The enhancer also reads the token holding the result, which may reach past its start, so the
    whole text is searched: conservative, and still exact.
    """
    lowered = text.lower()
    return any(word.lower() in lowered for recognizer, _ in found for word in (recognizer.context or ()))


def _presidio(analyzer: AnalyzerEngine, text: str, found, artifacts: NlpArtifacts) -> list[dict]:
    """Presidio's `analyze` with the recognizer results already computed, overlaps resolved."""
    for recognizer, results in found:
        recognizer.reuse_results(text, results)
    entities = sorted({recognizer.supported_entities[0] for recognizer, _ in found})
    return resolve_overlaps(analyzer.analyze(text, language=LANGUAGE, entities=entities, nlp_artifacts=artifacts))


def _without_context(analyzer: AnalyzerEngine, found) -> list[dict]:
    """What `analyze` returns when context cannot change a score: Presidio's own steps after the
    (here idle) context enhancer, i.e. per-recognizer score thresholds, then `remove_duplicates`."""
    kept = []
    for recognizer, results in found:
        thresholds = recognizer.score_thresholds
        for result in results:
            limit = thresholds.get(result.entity_type)
            if limit is None:
                limit = thresholds.get("default", analyzer.default_score_threshold)
            if result.score >= limit:
                kept.append(result)
    return resolve_overlaps(EntityRecognizer.remove_duplicates(kept))


def _analyze_normalized(analyzer: AnalyzerEngine, texts: list[str], batch_size: int) -> list[list[dict]]:
    """Entities of NFC texts, equal to `analyzer.analyze` per text with overlaps resolved."""
    out: list[list[dict]] = [[] for _ in texts]
    with_context: list[tuple[int, list]] = []
    for index, (text, found) in enumerate(zip(texts, _raw_results(analyzer, texts))):
        if not found:
            continue
        if _context_possible(text, found):
            with_context.append((index, found))
        else:
            out[index] = _without_context(analyzer, found)
    if with_context:
        batches = analyzer.nlp_engine.process_batch([texts[i] for i, _ in with_context], language=LANGUAGE,
                                                    batch_size=batch_size)
        for (text, artifacts), (index, found) in zip(batches, with_context):
            out[index] = _presidio(analyzer, text, found, artifacts)
    return out


# Set in the parent right before forking, so workers reuse its analyzer instead of building one.
_fork_analyzer: AnalyzerEngine | None = None
_worker_batch_size = 64


def _worker_analyze(texts: list[str]) -> list[list[dict]]:
    return _analyze_normalized(_fork_analyzer or shared_analyzer(), texts, _worker_batch_size)


def _slices(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def detect_texts(
    texts: Iterable[str],
    *,
    batch_size: int = 64,
    n_process: int | None = None,
    analyzer: AnalyzerEngine | None = None,
    chunk_size: int = CHUNK_SIZE,
    cache_size: int = CACHE_SIZE,
) -> Iterator[list[dict]]:
    """Entities per text, in input order: lists of {"start","end","entity_type","score"}.

    Same output as `detect_plain`. n_process=None uses up to all CPUs when a chunk has enough
    distinct texts; 1 stays in this process.
    """
    if analyzer is None:
        analyzer = shared_analyzer()
    max_processes = n_process if n_process is not None else (os.cpu_count() or 1)
    pool: ProcessPoolExecutor | None = None
    cache: dict[str, list[dict]] = {}
    try:
        for chunk in _chunks(texts, chunk_size):
            originals = _fresh_texts(chunk, cache)
            normalized, offsets = _normalize_all(originals)
            if pool is None and max_processes > 1 and _worth_a_pool(len(normalized), max_processes):
                pool = _start_pool(analyzer, batch_size, max_processes)
            # Once started, the workers take every later chunk too (later chunks hold fewer new texts,
            # and leaving them to this process would leave the other cores idle).
            if pool is not None and len(normalized) >= max_processes:
                try:
                    analysed = _analyze_in_pool(pool, normalized, max_processes)
                except BrokenProcessPool:  # a worker died (killed, out of memory): finish here, never hang
                    log.warning("a detection worker process died; analysing the rest in this process")
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool, max_processes = None, 1
                    analysed = _analyze_normalized(analyzer, normalized, batch_size)
            else:
                analysed = _analyze_normalized(analyzer, normalized, batch_size)
            for text, mapping, entities in zip(originals, offsets, analysed):
                cache[text] = map_offsets(entities, mapping)
            results = [cache[text] for text in chunk]
            for text in islice(list(cache), max(0, len(cache) - max(cache_size, len(originals)))):
                del cache[text]
            for entities in results:
                yield list(map(dict, entities)) if entities else []
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(texts)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _fresh_texts(chunk: list, cache: dict) -> list[str]:
    """The distinct texts of a chunk not in the cache, in first-seen order."""
    fresh: dict[str, None] = {}
    for text in chunk:
        if not isinstance(text, str):
            raise TypeError("detect_texts expects str items")
        if text not in cache:
            fresh.setdefault(text, None)
    return list(fresh)


def _normalize_all(texts: list[str]) -> tuple[list[str], list[list[int] | None]]:
    pairs = [nfc_with_offsets(text) for text in texts]
    return [nfc for nfc, _ in pairs], [mapping for _, mapping in pairs]


def _worth_a_pool(distinct: int, max_processes: int) -> bool:
    """Enough new texts for several processes, and allowed to have children (a daemonic process, such as
    a Celery prefork worker's task, may not)."""
    return min(max_processes, distinct // MIN_TEXTS_PER_PROCESS) > 1 and not multiprocessing.current_process().daemon


def _start_pool(analyzer: AnalyzerEngine, batch_size: int, max_processes: int) -> ProcessPoolExecutor:
    """Forked workers that reuse this process's analyzer. ``concurrent.futures`` notices a worker that
    dies (``BrokenProcessPool``) where ``multiprocessing.Pool`` would wait for it for ever."""
    global _fork_analyzer, _worker_batch_size
    _fork_analyzer, _worker_batch_size = analyzer, batch_size
    return ProcessPoolExecutor(max_processes, mp_context=multiprocessing.get_context("fork"))


def _analyze_in_pool(pool: ProcessPoolExecutor, normalized: list[str], max_processes: int) -> list[list[dict]]:
    # A few slices per worker, so one slow slice does not leave the others idle.
    slice_size = len(normalized) // (max_processes * 4) + 1
    return [r for part in pool.map(_worker_analyze, _slices(normalized, slice_size)) for r in part]
