"""Free-text redaction for the de-identify step: detected spans become typed placeholders.

`redact_texts` runs the fast detection path (`detect_texts`) once over all texts and replaces each
span, right to left, with the placeholder of its type ("[HỌ_TÊN]", "[SĐT]", ...). Types in `keep`
stay as written: by default LOCATION, because a province or country alone is allowed by the
release policy. None and "" pass through unchanged; the output depends only on the input.

`residual_pii` re-runs detection (typically on redacted text) and returns the direct identifiers
still found, for a fail-closed gate before publication. Placeholders are never detected as PII.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from .analyzer import DIRECT_IDENTIFIERS
from .batch import detect_texts

PLACEHOLDERS = {
    "PERSON": "[HỌ_TÊN]",
    "PHONE_NUMBER": "[SĐT]",
    "VN_ADDRESS": "[ĐỊA_CHỈ]",
    "LOCATION": "[ĐỊA_DANH]",
    "VN_CCCD": "[CCCD]",
    "VN_BHYT": "[THẺ_BHYT]",
    "VN_BHXH": "[MÃ_BHXH]",
    "EMAIL_ADDRESS": "[EMAIL]",
    "DATE_TIME": "[NGÀY]",
    "AGE": "[TUỔI]",
    "VN_PATIENT_ID": "[MÃ_BN]",
    "VN_STAFF_ID": "[MÃ_NV]",
}
DEFAULT_KEEP = ("LOCATION",)
PLACEHOLDER_MARK = "…"
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


def mask_placeholders(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` with each placeholder ("[HỌ_TÊN]") replaced by "…", and for every character of the masked
    text where it starts and ends in ``text``: a span (s, e) of the masked text is (starts[s], ends[e - 1])
    in the original. The words before a placeholder ("là anh [HỌ_TÊN]") otherwise look like a name."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for match in _PLACEHOLDER.finditer(text):
        pieces += [text[cursor:match.start()], PLACEHOLDER_MARK]
        starts += [*range(cursor, match.start()), match.start()]
        ends += [*range(cursor + 1, match.start() + 1), match.end()]
        cursor = match.end()
    pieces.append(text[cursor:])
    starts += range(cursor, len(text))
    ends += range(cursor + 1, len(text) + 1)
    return "".join(pieces), starts, ends


class CleanTexts:
    """Texts in which the residual check (:func:`residual_in_redacted`) is known to find nothing, learnt
    in this process from the detector's own results on those exact strings: memoisation of a pure
    function, so a later check of the same string (the residual-PII gate after de-identification) can
    skip it. Nothing is persisted; a string read back changed is a different key and is scanned."""

    def __init__(self) -> None:
        self._texts: set[str] = set()

    def __contains__(self, text: object) -> bool:
        return text in self._texts

    def __len__(self) -> int:
        return len(self._texts)

    def residual_free(self, text: str) -> None:
        """``residual_in_redacted([text])`` found nothing."""
        self._texts.add(text)

    def detector_free(self, text: str, entities: Iterable[dict]) -> None:
        """``detect_texts`` gave ``entities`` for ``text``: with no direct identifier among them and no
        placeholder to mask, the residual check would run the same detector on the same string."""
        if not any(e["entity_type"] in DIRECT_IDENTIFIERS for e in entities) and not _PLACEHOLDER.search(text):
            self._texts.add(text)


def residual_in_redacted(texts: Sequence[str], *, n_process: int | None = None,
                         clean: CleanTexts | None = None) -> list[list[dict]]:
    """Direct identifiers still found in already redacted texts, placeholders masked first (the
    residual-PII gate's check); spans are positions in the texts as given. With ``clean``, texts known
    to be clean are not scanned again, and texts found clean are added to it."""
    todo = [i for i, t in enumerate(texts) if clean is None or t not in clean]
    out: list[list[dict]] = [[] for _ in texts]
    masked = [mask_placeholders(texts[i]) for i in todo]
    found = residual_pii([m[0] for m in masked], n_process=n_process)
    for i, (_, starts, ends), entities in zip(todo, masked, found):
        out[i] = [e | {"start": starts[e["start"]], "end": ends[e["end"] - 1]} for e in entities
                  if e["end"] > e["start"]]
        if clean is not None and not out[i]:
            clean.residual_free(texts[i])
    return out


def _present(texts: Sequence[str | None]) -> list[int]:
    positions = []
    for index, text in enumerate(texts):
        if text is None or text == "":
            continue
        if not isinstance(text, str):
            raise TypeError(f"redact_texts expects str or None items; item {index} is {type(text).__name__}")
        positions.append(index)
    return positions


def apply_placeholders(text: str, entities: Iterable[dict], keep: Iterable[str] = DEFAULT_KEEP) -> str:
    """text with each entity span (not of a kept type) replaced by its type's placeholder."""
    kept = set(keep)
    pieces = []
    cursor = len(text)
    for entity in sorted(entities, key=lambda e: e["start"], reverse=True):
        if entity["entity_type"] in kept or entity["end"] > cursor:
            continue
        pieces.append(text[entity["end"]:cursor])
        pieces.append(PLACEHOLDERS.get(entity["entity_type"], "[" + entity["entity_type"] + "]"))
        cursor = entity["start"]
    pieces.append(text[:cursor])
    return "".join(reversed(pieces))


def redact_texts(texts: Sequence[str | None], *, keep: Iterable[str] = DEFAULT_KEEP,
                 n_process: int | None = None) -> list[str | None]:
    """Each text with detected PII replaced by typed placeholders; None and "" unchanged, order kept."""
    keep = tuple(keep)
    unknown = set(keep) - set(PLACEHOLDERS)
    if unknown:
        raise ValueError(f"keep names unknown entity types: {sorted(unknown)}")
    out: list[str | None] = list(texts)
    positions = _present(out)
    detected = detect_texts((out[i] for i in positions), n_process=n_process)
    for index, entities in zip(positions, detected):
        out[index] = apply_placeholders(out[index], entities, keep)
    return out


def residual_pii(texts: Sequence[str | None], *, entity_types: Iterable[str] = DIRECT_IDENTIFIERS,
                 n_process: int | None = None) -> list[list[dict]]:
    """Direct identifiers detected in each text ([] for None and ""), e.g. after `redact_texts`."""
    wanted = set(entity_types)
    out: list[list[dict]] = [[] for _ in texts]
    positions = _present(texts)
    detected = detect_texts((texts[i] for i in positions), n_process=n_process)
    for index, entities in zip(positions, detected):
        out[index] = [e for e in entities if e["entity_type"] in wanted]
    return out
