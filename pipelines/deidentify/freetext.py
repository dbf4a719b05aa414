"""Free-text columns of one table: one detector pass, then Presidio's anonymizer per distinct text.

The detector's spans are completed with the batch's own raw identifiers found in the text
(``known.py``): a name the detector cannot recognise is still replaced when the record holds it.

Texts are deduplicated across all free-text columns of the table before detection (catalogue
texts such as dosage instructions repeat all through a batch). The anonymizer then runs once per
distinct (text, profile) or, when the profile shifts dates, per distinct (text, person offset).
Counts for the ledger are per value (each distinct text weighted by how often it occurs).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
from presidio_anonymizer.entities import RecognizerResult

from pipelines.deidentify.known import KnownIdentifiers, merge_spans
from pipelines.deidentify.operators import anonymizer_engine, operator_configs
from pipelines.deidentify.policy import EntityRule, FieldRule
from pipelines.deidentify.transforms import Pseudonymiser, Surrogates

if TYPE_CHECKING:
    from pipelines.detect.redact import CleanTexts


class FreeTextAnonymizer:
    def __init__(self, profiles: dict[str, dict[str, EntityRule]], pseudonymiser: Pseudonymiser,
                 surrogates: Surrogates, n_process: int | None = None, clean: CleanTexts | None = None):
        self.profiles = profiles
        self.pseudonymiser = pseudonymiser
        self.surrogates = surrogates
        self.engine = anonymizer_engine()
        self.n_process = n_process
        self._configs: dict[tuple, dict] = {}
        self.found: dict[str, list[dict]] = {}
        self.known: KnownIdentifiers | None = None
        self.clean = clean  # texts the residual check is known to pass (shared with the gate)

    def detect(self, texts) -> None:
        """Run the detector once over every distinct text not seen yet (all tables at once: one pool)."""
        from pipelines.detect.batch import detect_texts

        todo = sorted({t for t in texts if t and t not in self.found})
        if todo:
            found = detect_texts(todo, n_process=self.n_process)
            if self.known:  # the batch's own identifiers repeated in a note go too (pipelines.deidentify.known)
                found = [merge_spans(entities, self.known.spans(text)) for text, entities in zip(todo, found)]
            self.found.update(zip(todo, found))
            if self.clean is not None:
                for text, entities in zip(todo, found):
                    self.clean.detector_free(text, entities)

    def needs_person(self, profile: str) -> bool:
        return any(r.operator == "date_shift" for r in self.profiles[profile].values())

    def run(self, jobs: list[tuple[FieldRule, str, pa.Array]], days: pa.Array, years: pa.Array
            ) -> tuple[dict[str, pa.Array], dict[str, dict]]:
        """jobs: (rule, profile, values) per free-text column -> output columns and per-column counts."""
        keyed = []
        distinct_texts: set[str] = set()
        for rule, profile, values in jobs:
            values = values.cast(pa.string())
            if self.needs_person(profile):
                key = pc.binary_join_element_wise(values, days.cast(pa.string()), years.cast(pa.string()), "\x1f")
            else:
                key = values
            counts = pc.value_counts(key)
            pairs = [(k, int(n)) for k, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())
                     if k]
            keyed.append((rule, profile, values, key, pairs))
            distinct_texts.update(k.split("\x1f", 1)[0] for k, _ in pairs)
        self.detect(distinct_texts)
        found = self.found
        outputs, stats = {}, {}
        for rule, profile, values, key, pairs in keyed:
            entity_counts: Counter = Counter()
            mapped = {}
            for k, n in pairs:
                text, *person = k.split("\x1f")
                day = int(person[0]) if person and person[0] else None
                year = int(person[1]) if len(person) > 1 and person[1] else None
                entities = found.get(text) or []
                if not entities:
                    mapped[k] = text
                    continue
                mapped[k] = self.anonymize(text, entities, profile, day, year)
                for e in entities:
                    entity_counts[f"{e['entity_type']}:{self.profiles[profile][e['entity_type']].operator}"] += n
            self.redact_residuals(mapped, profile)
            distinct = pa.array(list(mapped), pa.string())
            results = pa.array(list(mapped.values()), pa.string())
            out = pc.take(results, pc.index_in(key, value_set=distinct))
            out = pc.if_else(pc.is_null(values), None, pc.if_else(pc.equal(values, ""), "", out))
            outputs[rule.output] = out
            changed = sum(n for k, n in pairs if mapped.get(k) != k.split("\x1f", 1)[0])
            stats[rule.output] = {"values": sum(n for _, n in pairs), "values_changed": changed,
                                  "entities": dict(sorted(entity_counts.items()))}
        return outputs, stats

    def redact_residuals(self, mapped: dict[str, str], profile: str) -> None:
        """Second pass over the changed outputs, with the residual-PII gate's own check: a name the
        detector sees only once its neighbours are placeholders ("Chị Ý [TUỔI]") is replaced too, so
        the gate finds in the safe zone nothing de-identification could have removed."""
        from pipelines.detect.redact import residual_in_redacted

        changed = [k for k, out in mapped.items() if out != k.split("\x1f", 1)[0]]
        if not changed:
            return
        for k, entities in zip(changed, residual_in_redacted([mapped[k] for k in changed],
                                                              n_process=self.n_process, clean=self.clean)):
            # a surrogate looks like a name by design (the gate does not block surrogate columns)
            entities = [e for e in entities if e["entity_type"] in self.profiles[profile]
                        and self.profiles[profile][e["entity_type"]].operator not in ("surrogate", "keep")]
            if entities:
                _, *person = k.split("\x1f")
                day = int(person[0]) if person and person[0] else None
                year = int(person[1]) if len(person) > 1 and person[1] else None
                mapped[k] = self.anonymize(mapped[k], entities, profile, day, year)

    def anonymize(self, text: str, entities: list[dict], profile: str, days: int | None, year: int | None) -> str:
        entities = widen_person_spans(text, entities)
        config_key = (profile, days, year)
        configs = self._configs.get(config_key)
        if configs is None:
            configs = operator_configs(self.profiles[profile], self.pseudonymiser, self.surrogates, days, year)
            if len(self._configs) < 100_000:
                self._configs[config_key] = configs
        results = [RecognizerResult(e["entity_type"], e["start"], e["end"], e.get("score", 1.0)) for e in entities]
        return self.engine.anonymize(text, results, operators=configs).text


_WORD_BEFORE = re.compile(r"(\S+) $")
_INITIALS_TAIL = re.compile(r"(?:\.?[A-ZĐ])+\.?(?![^\W\d_])")  # the rest of "S.T" when only "S." was found


def widen_person_spans(text: str, entities: list[dict]) -> list[dict]:
    """A capitalised surname right before a detected name belongs to it ("Chu" in "Chu Van Tien" when
    only "Van Tien" was found), and so do the initials glued right after it ("T" in "S.T" when only
    "S." was found): replacing the name but leaving a part would leave part of it."""
    from pipelines.detect.lexicon import fold, folded_surnames

    surnames = folded_surnames()
    out = []
    for e in entities:
        if e["entity_type"] == "PERSON" and e["end"] and not text[e["end"] - 1].isspace():
            tail = _INITIALS_TAIL.match(text, e["end"])
            if tail and tail.end() > e["end"] and not any(
                    o is not e and e["end"] <= o["start"] < tail.end() for o in entities):
                e = dict(e, end=tail.end())
        if e["entity_type"] == "PERSON":
            m = _WORD_BEFORE.search(text, 0, e["start"])
            word = m.group(1) if m else ""
            if word[:1].isupper() and fold(word) in surnames and not any(
                    o is not e and o["start"] <= m.start(1) < o["end"] for o in entities):
                e = dict(e, start=m.start(1))
        out.append(e)
    return out
