"""The batch's own identifiers, found again in its free text and redacted like detected ones.

A note often repeats what the record's structured fields hold: the patient's name, a card, phone or
record number. The detector finds such a mention only as well as its rules allow (names outside its
word lists are the hard case, see README "PII detection"), but the batch's own raw values are known
exactly. So before free text is anonymised, every mention of a raw direct identifier of the same batch
(the values the residual-PII gate matches against: :func:`pipelines.deidentify.gate.raw_values`) is
added to the detector's spans with its field's entity type, and the policy's operator for that type
replaces it. Matching uses the gate's normalisation (case, diacritics, ``đ``, punctuation, spacing), so
what this finds is exactly what the gate's exact match would have found: the gate stays an independent
check of everything else (the detector's misses of names the record does not hold, other columns).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache


from pipelines import duck
from pipelines.workdir import Workdir

ENTITY_OF_FIELD = {
    "HO_TEN": "PERSON", "SO_CCCD": "VN_CCCD", "DIA_CHI": "VN_ADDRESS", "DIEN_THOAI": "PHONE_NUMBER",
    "MA_THE_BHYT": "VN_BHYT", "MA_BN": "VN_PATIENT_ID", "MA_LK": "VN_PATIENT_ID", "MA_HSBA": "VN_PATIENT_ID",
    "GIAY_CHUYEN_TUYEN": "VN_PATIENT_ID", "MA_TTDV": "VN_STAFF_ID", "MA_BAC_SI": "VN_STAFF_ID",
    "NGUOI_THUC_HIEN": "VN_STAFF_ID", "MA_BS_DOC_KQ": "VN_STAFF_ID",
}
MIN_ID_CHARS, MIN_DIGITS, MAX_WORDS = 6, 9, 16
_WORD = re.compile(r"[^\W_]+")
_DIGIT_RUN = re.compile(r"[0-9](?:[0-9 .-]*[0-9])?")


def normalise(text: str) -> str:
    """The gate's ``gate_text``: lower case, đ -> d, no diacritics, runs of other characters -> one space."""
    folded = unicodedata.normalize("NFD", text.replace("Đ", "d").replace("đ", "d").lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


_normalise_word = lru_cache(maxsize=1 << 16)(normalise)  # words repeat all through a batch's notes


@dataclass
class KnownIdentifiers:
    """Normalised raw identifiers of one batch: word sequences, digit strings and compact codes."""

    words: dict[tuple[str, ...], str] = field(default_factory=dict)  # ("nguyen", "van", "an") -> PERSON
    digits: dict[str, str] = field(default_factory=dict)  # "0912345678" -> PHONE_NUMBER
    codes: dict[str, str] = field(default_factory=dict)  # "bn2024001" -> VN_PATIENT_ID
    longest: int = 0
    lengths_by_first: dict[str, set[int]] = field(default_factory=dict)  # "nguyen" -> {3, 4}: where to look

    @classmethod
    def of_batch(cls, workdir: Workdir, batch_id: str) -> KnownIdentifiers:
        from pipelines.deidentify.gate import place_names, raw_values, sql_macros

        known = cls()
        con = duck.connect(workdir=workdir)
        try:
            sql_macros(con, "known")
            raw_values(con, workdir, batch_id)
            place_names(con)
            places = {r[0] for r in con.execute("SELECT name FROM places").fetchall()}
            # each (field, value) once, in a fixed order (a value two fields hold gets the same entity on
            # every run), streamed so the batch's values are never all in a Python list at once
            result = con.execute("SELECT DISTINCT field, v FROM raw_v WHERE v IS NOT NULL AND trim(v) <> '' "
                                 "ORDER BY field, v")
            while rows := result.fetchmany(100_000):
                for name, value in rows:
                    known.add(ENTITY_OF_FIELD.get(name, "VN_PATIENT_ID"), value, places)
        finally:
            con.close()
        return known

    def add(self, entity: str, value: str, places: set[str] = frozenset()) -> None:
        text = normalise(value)
        words = tuple(text.split())
        digits = re.sub(r"[^0-9]", "", value)
        if 2 <= len(words) <= MAX_WORDS and len(text) >= 5 and text not in places:
            self.words[words] = entity
            self.longest = max(self.longest, len(words))
            self.lengths_by_first.setdefault(words[0], set()).add(len(words))
        if len(digits) >= MIN_DIGITS:
            self.digits[digits] = entity
            self.digits.setdefault(digits.lstrip("0"), entity)
            if entity == "PHONE_NUMBER" and digits.startswith("0"):
                self.digits["84" + digits[1:]] = entity
        if entity == "VN_BHYT" and re.fullmatch(r"[0-9]{10}", (compact := text.replace(" ", ""))[-10:]):
            self.digits[compact[-10:]] = "VN_BHXH"  # the social-insurance number inside the card
        compact = text.replace(" ", "")
        if len(compact) >= MIN_ID_CHARS and re.search(r"[0-9]", compact):
            self.codes[compact] = entity

    def __bool__(self) -> bool:
        return bool(self.words or self.digits or self.codes)

    def spans(self, text: str) -> list[dict]:
        """Non-overlapping spans of known identifiers in ``text`` (longest word sequence first)."""
        tokens = [(m.start(), m.end(), _normalise_word(m.group())) for m in _WORD.finditer(text)]
        tokens = [t for t in tokens if t[2]]
        taken = [False] * len(tokens)
        found = self._word_spans(tokens, taken)
        for i, (start, end, norm) in enumerate(tokens):
            entity = self.codes.get(norm.replace(" ", ""))
            if entity and not taken[i]:
                found.append(_span(start, end, entity))
                taken[i] = True
        for m in _DIGIT_RUN.finditer(text):
            digits = re.sub(r"[^0-9]", "", m.group())
            entity = self.digits.get(digits) if len(digits) >= MIN_DIGITS else None
            if entity and not any(s["start"] < m.end() and m.start() < s["end"] for s in found):
                found.append(_span(m.start(), m.end(), entity))
        return sorted(found, key=lambda s: s["start"])

    def _word_spans(self, tokens: list[tuple[int, int, str]], taken: list[bool]) -> list[dict]:
        """Known word sequences, longest first, left to right; only where a known sequence starts."""
        starts = [(i, self.lengths_by_first[t[2]]) for i, t in enumerate(tokens) if t[2] in self.lengths_by_first]
        found: list[dict] = []
        for n in range(min(self.longest, len(tokens)), 1, -1):
            for i, lengths in starts:
                if n not in lengths or i + n > len(tokens) or any(taken[i:i + n]):
                    continue
                entity = self.words.get(tuple(t[2] for t in tokens[i:i + n]))
                if entity:
                    found.append(_span(tokens[i][0], tokens[i + n - 1][1], entity))
                    taken[i:i + n] = [True] * n
        return found


def _span(start: int, end: int, entity: str) -> dict:
    return {"entity_type": entity, "start": start, "end": end, "score": 1.0, "source": "known"}


def merge_spans(detected: list[dict], known: list[dict]) -> list[dict]:
    """Known identifiers win where they overlap a detected span; a detected span reaching past a known
    one is widened over it (so no part of either is left)."""
    if not known:
        return detected
    out = list(known)
    for e in detected:
        overlapping = [k for k in known if k["start"] < e["end"] and e["start"] < k["end"]]
        if not overlapping:
            out.append(e)
            continue
        for k in overlapping:  # widen the known span to cover the detected one too
            k["start"], k["end"] = min(k["start"], e["start"]), max(k["end"], e["end"])
    return _dedupe(sorted(out, key=lambda s: (s["start"], -s["end"])))


def _dedupe(spans: list[dict]) -> list[dict]:
    out: list[dict] = []
    for s in spans:
        if out and s["start"] < out[-1]["end"]:
            out[-1]["end"] = max(out[-1]["end"], s["end"])
            continue
        out.append(s)
    return out
