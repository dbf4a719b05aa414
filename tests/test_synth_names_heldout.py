"""The synthetic generator's names and street/hamlet names are held out from the detector's word
lists (issue 9): otherwise the synthetic PERSON and VN_ADDRESS scores only measure the overlap of
two lists. Only the detector's public list accessors are read here, never its recognizers.
"""
import json
import re
from random import Random

import pytest

from pipelines.detect import lexicon
from pipelines.synth import generate, names, people

# Closed-class middle markers and the Ê Đê gender prefixes, shared on purpose (see names.py).
MARKERS = {"van", "thi", "y", "h'"}


@pytest.fixture(scope="module")
def detector_names() -> frozenset[str]:
    clans = {lexicon.fold(c) for c in lexicon.HIGHLAND_CLANS}
    return frozenset(lexicon.folded_name_syllables() | lexicon.folded_surnames() | clans)


def _syllables(text: str) -> list[str]:
    return [s for s in re.split(r"[\s.,()\-]+", lexicon.fold(text)) if s]


def _drawn_names(count: int = 4000) -> list[names.Name]:
    rng = Random(7)
    provinces = people.province_codes()
    return [names.person_name(rng, rng.random() < 0.5, rng.randint(1930, 2024), rng.choice(provinces))
            for _ in range(count)]


def test_no_generated_name_syllable_is_in_the_detector_lists(detector_names):
    drawn = _drawn_names()
    surnames = {lexicon.fold(n.surname) for n in drawn}
    given = {s for n in drawn for s in _syllables(n.given)}
    middle = {s for n in drawn for s in _syllables(n.middle)} - MARKERS
    assert len(surnames) >= 15 and len(given) >= 40  # variety is kept
    assert not surnames & detector_names, sorted(surnames & detector_names)
    assert not given & detector_names, sorted(given & detector_names)
    assert not middle & detector_names, sorted(middle & detector_names)
    assert any(n.minority for n in drawn)


def test_every_pool_is_held_out(detector_names):
    pools = {
        "surnames": [*names.SURNAMES_NORTH.items, *names.SURNAMES_SOUTH.items],
        "given": [*names.GIVEN_MALE.items, *names.GIVEN_FEMALE.items],
        "minority": [*names.HMONG_CLANS, *names.EDE_CLANS, *names.HMONG_GIVEN_MALE, *names.HMONG_GIVEN_FEMALE,
                     *names.EDE_GIVEN_MALE, *names.EDE_GIVEN_FEMALE],
        "middle": [*names.MIDDLE_MALE.items, *names.MIDDLE_FEMALE.items, *names.MIDDLE_MALE_YOUNG.items,
                   *names.MIDDLE_FEMALE_YOUNG.items],
    }
    for pool, words in pools.items():
        shared = {s for w in words for s in _syllables(w)} & detector_names - MARKERS
        assert not shared, (pool, sorted(shared))


def test_street_and_hamlet_names_are_not_in_the_detector_place_list():
    places = lexicon.folded_local_place_names()
    for pool in (people.STREETS, people.HAMLET_NAMES, people.MOUNTAIN_HAMLETS, people.HIGHLAND_HAMLETS):
        shared = [p for p in pool if lexicon.fold(p) in places]
        assert not shared, shared


def test_person_spans_of_generated_text_use_held_out_syllables(tmp_path, detector_names):
    generate(20, 4242, tmp_path, workers=1)
    texts = {r["id"]: r["text"] for r in map(json.loads, open(tmp_path / "truth" / "texts.jsonl", encoding="utf-8"))}
    persons = [texts[s["id"]][s["start"]:s["end"]]
               for s in map(json.loads, open(tmp_path / "truth" / "pii_spans.jsonl", encoding="utf-8"))
               if s["entity_type"] == "PERSON"]
    assert len(persons) >= 10
    syllables = {s for p in persons for s in _syllables(p) if len(s) > 1} - MARKERS
    assert not syllables & detector_names, sorted(syllables & detector_names)
