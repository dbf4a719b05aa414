"""Vietnamese personal names for the synthetic generator.

The names have the shape of Vietnamese names (surname, middle name depending on sex and birth
year, given name; a small share of H'Mông clan names and Ê Đê "Y"/"H'" names) but are drawn from
held-out syllables the detector's word lists do not hold (see the pools below), so that the
synthetic detection score measures the recognizers rather than the overlap of two word lists.
Everything is NFC.
"""
from __future__ import annotations

import unicodedata
from bisect import bisect
from itertools import accumulate
from random import Random


def _rr(rng: Random, a: int, b: int | None = None) -> int:
    """Like ``rng.randrange`` but much faster (one ``random()`` call; the tiny bias does not matter here)."""
    if b is None:
        return int(rng.random() * a)
    return a + int(rng.random() * (b - a))


def _ri(rng: Random, a: int, b: int) -> int:
    """Like ``rng.randint`` (both ends included), fast."""
    return a + int(rng.random() * (b - a + 1))


def _ch(rng: Random, seq):
    """Like ``rng.choice``, fast."""
    return seq[int(rng.random() * len(seq))]


def _nfc(words: list[str]) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", w) for w in words)


def _cumulative(weights) -> list[float]:
    return list(accumulate(weights))


class WeightedChoice:
    """Fast weighted sampling from a fixed list (precomputed cumulative weights)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        pairs = list(pairs)
        self.items = tuple(unicodedata.normalize("NFC", p[0]) if isinstance(p[0], str) else p[0] for p in pairs)
        self.cum = _cumulative(p[1] for p in pairs)
        self.total = self.cum[-1]

    def __call__(self, rng: Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


# Held-out name pools (issue 9). The detector's word lists (pipelines.detect.lexicon) hold the usual
# surnames and name syllables; if the generator drew from the same lists, the synthetic recall of
# PERSON would only measure the lists. So every surname, given name and minority clan or given
# syllable below is one the detector does NOT list (tests/test_synth_names_heldout.py checks this
# against the detector's lists at test time), real but rare Vietnamese syllables, many of them
# also common words (Thơm, Đẹp, Mừng, Xinh) as real names often are. The only exception is the
# closed class of middle markers Văn and Thị, which nearly every Kinh name of older cohorts carries.
# Shares are Zipf-like (a few surnames dominate, as Nguyễn, Trần, Lê do in real data) so that
# repeated surnames within a family and a ward still occur.
def _zipf(names: str, s: float = 1.1) -> list[tuple[str, float]]:
    return [(name, 100.0 / (rank + 1) ** s) for rank, name in enumerate(names.split())]


_SURNAMES = _zipf("Bế Nhâm Uông Bành Giản Khiếu Ngụy Trác Cổ Mễ Đới Sái Thôi Xa Cái Bồ Hàm Kiềng Xung")
SURNAMES_NORTH = WeightedChoice(_SURNAMES)
SURNAMES_SOUTH = WeightedChoice(_zipf("Uông Bế Giản Nhâm Bành Ngụy Khiếu Trác Cổ Thôi Mễ Xa Sái Đới Bồ Cái Hàm Xung Kiềng"))

MIDDLE_MALE = WeightedChoice([("Văn", 45), ("Tất", 8), ("Khắc", 8), ("Chương", 3), ("Nhuận", 3), ("Thiêm", 2),
                              ("Cảnh", 3), ("Chấn", 2), ("Thạc", 2)])
MIDDLE_MALE_YOUNG = WeightedChoice([("Văn", 10), ("Tất", 6), ("Khắc", 6), ("Chương", 5), ("Nhuận", 5),
                                    ("Cảnh", 5), ("Xán", 4), ("Khiết", 3), ("Thạc", 3), ("Uẩn", 2)])
MIDDLE_FEMALE = WeightedChoice([("Thị", 65), ("Nhiên", 4), ("Miên", 4), ("Khiết", 3), ("Bội", 3), ("Ý", 2),
                                ("Nhụy", 2), ("Thị Miên", 1.5), ("Thị Nhiên", 1.5)])
MIDDLE_FEMALE_YOUNG = WeightedChoice([("Thị", 15), ("Nhiên", 8), ("Miên", 8), ("Khiết", 6), ("Bội", 5), ("Ý", 5),
                                      ("Nhụy", 4), ("Xinh", 2), ("Rạng", 2)])
GIVEN_MALE = WeightedChoice(_zipf(
    "Cảnh Chấn Chương Cẩn Thoại Ước Hạc Hội Khâm Nghiêu Nhuận Siêu Tánh Thạc Thiêm Thiệp Chiêm Khoát Mưu Luật "
    "Nghiệp Toại Vệ Bân Cận Kế Lệnh Nhiếp Phác Thuyên Trạc Tuất Uẩn Xán Sửu Thìn Mão Hợi Canh Mậu Đài", 0.8))
GIVEN_FEMALE = WeightedChoice(_zipf(
    "Luyến Miên Nhiên Nhài Thơm Xinh Mừng Đẹp Vẹn Ý Êm Ni Rạng Sim Sa Khiết Châm Bội Nhụy Mùi Cốm Hến", 0.8))

# Ethnic-minority patterns (identifiers.md §12.6 for their shape), with clans and given syllables the
# detector does not list either.
HMONG_CLANS = _nfc(["Chá", "Phàng", "Sần"])
HMONG_GIVEN_MALE = _nfc(["A Páo", "Seo Páo", "Mí Sần", "A Mậu", "Seo Canh", "Mí Tuất"])
HMONG_GIVEN_FEMALE = _nfc(["Thị Sua", "Thị Chía", "Thị Pàng", "Thị Mùi", "Thị Hến"])
EDE_CLANS = _nfc(["Ktla", "Kđăm", "Mjâo", "Duôn", "Hlong", "Ktul", "Kmăn", "Hdruê", "Mkrông", "Kđoh", "Bdap", "Mdrăk"])
EDE_GIVEN_MALE = _nfc(["Y Khoát", "Y Thiệp", "Y Chiêm", "Y Tánh", "Y Phác"])
EDE_GIVEN_FEMALE = _nfc(["H'Nhài", "H'Luyến", "H'Miên", "H'Sim", "H'Êm"])
# Provinces (legacy codes) where the minority patterns are drawn for a share of patients.
HMONG_PROVINCES = frozenset({"02", "10", "11", "12", "14", "15", "04", "06", "08", "20"})
EDE_PROVINCES = frozenset({"66", "67", "64", "62", "68"})

HONORIFIC_BY_AGE_SEX = {
    # (min_age, male, female)
    "child": ("cháu", "cháu"),
    "baby": ("bé", "bé"),
    "young": ("anh", "chị"),
    "adult": ("ông", "bà"),
    "old": ("cụ", "cụ"),
}


class Name:
    """A person's name split into parts (title case, NFC)."""

    __slots__ = ("surname", "middle", "given", "full", "minority")

    def __init__(self, surname: str, middle: str, given: str, minority: bool = False):
        self.surname = surname
        self.middle = middle
        self.given = given
        self.minority = minority
        self.full = " ".join(p for p in (surname, middle, given) if p)

    def initials(self) -> str:
        """N.V.A as clinicians abbreviate; apostrophes are dropped (H'Hen -> H)."""
        return ".".join(w[0] for w in self.full.split())

    def short(self) -> str:
        """The given name alone (last syllable), as used after an honorific ("bà Hoa")."""
        return self.full.split()[-1]


def person_name(rng: Random, male: bool, birth_year: int, province: str) -> Name:
    """Draw a name for someone born in ``birth_year`` whose family lives in ``province`` (legacy code)."""
    if province in HMONG_PROVINCES and rng.random() < 0.18:
        given = _ch(rng, HMONG_GIVEN_MALE if male else HMONG_GIVEN_FEMALE)
        middle, _, given = given.rpartition(" ")
        return Name(_ch(rng, HMONG_CLANS), middle, given, minority=True)
    if province in EDE_PROVINCES and rng.random() < 0.12:
        first = _ch(rng, EDE_GIVEN_MALE if male else EDE_GIVEN_FEMALE)
        return Name(first, "", _ch(rng, EDE_CLANS), minority=True)
    southern = province >= "44"
    surname = (SURNAMES_SOUTH if southern else SURNAMES_NORTH)(rng)
    young = birth_year >= 1995
    roll = rng.random()
    if male:
        middle = "" if roll < 0.04 else (MIDDLE_MALE_YOUNG if young else MIDDLE_MALE)(rng)
        given = GIVEN_MALE(rng)
        if young and roll > 0.9:  # two-syllable middle names are more common in recent cohorts
            middle = middle + " " + MIDDLE_MALE_YOUNG(rng) if middle != "Văn" else middle
    else:
        middle = "" if roll < 0.02 else (MIDDLE_FEMALE_YOUNG if young else MIDDLE_FEMALE)(rng)
        given = GIVEN_FEMALE(rng)
    # Avoid "Minh Minh" style repeats that real naming avoids.
    if middle.split()[-1:] == [given]:
        given = (GIVEN_MALE if male else GIVEN_FEMALE)(rng)
    return Name(surname, middle, given)
