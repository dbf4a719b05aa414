"""Vietnamese personal names for the synthetic generator.

Surname shares follow the national estimates quoted in the project's identifiers reference
(§12.2 A: Nguyễn ≈ 38 %, Trần ≈ 11.5 %, Lê ≈ 9.5 % …) with the long tail ranked as in the
empirical sample (§12.2 B). Middle names depend on sex and birth year (Thị and Văn dominate for
older people, less so for children); given names are the frequent ones of §12.3 plus a wider
list. A small share of names follow ethnic-minority patterns (H'Mông clan names, Ê Đê "Y"/"H'"
names) that do not start with a Kinh surname. Everything is NFC.
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


# §12.2 A shares (Hoàng/Huỳnh and Vũ/Võ split by region at sampling time), tail from §12.2 B.
_SURNAMES_NORTH = [
    ("Nguyễn", 38.0), ("Trần", 11.5), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.3), ("Huỳnh", 0.8),
    ("Phan", 4.5), ("Vũ", 3.2), ("Võ", 0.7), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.45), ("Hồ", 1.3),
    ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Trương", 0.9), ("Đinh", 0.9), ("Đoàn", 0.7),
    ("Đào", 0.7), ("Trịnh", 0.7), ("Hà", 0.6), ("Mai", 0.55), ("Lương", 0.5), ("Cao", 0.5),
    ("Phùng", 0.5), ("Lưu", 0.45), ("Lâm", 0.4), ("Tạ", 0.3), ("Tô", 0.3), ("Kiều", 0.2),
    ("Khúc", 0.1), ("Chu", 0.3), ("Triệu", 0.25), ("Thái", 0.2), ("Lại", 0.2), ("Quách", 0.15),
    ("Vương", 0.15), ("Nghiêm", 0.1), ("Doãn", 0.1), ("Văn", 0.1), ("Hứa", 0.1), ("Giang", 0.1),
    ("Thân", 0.1), ("Mạc", 0.08), ("Âu", 0.05), ("La", 0.05), ("Tăng", 0.05),
]
_SURNAMES_SOUTH = [(n, w) for n, w in _SURNAMES_NORTH if n not in ("Hoàng", "Huỳnh", "Vũ", "Võ")] + [
    ("Huỳnh", 4.0), ("Hoàng", 1.1), ("Võ", 3.0), ("Vũ", 0.9),
]
SURNAMES_NORTH = WeightedChoice(_SURNAMES_NORTH)
SURNAMES_SOUTH = WeightedChoice(_SURNAMES_SOUTH)

MIDDLE_MALE = WeightedChoice([
    ("Văn", 40), ("Hữu", 6), ("Đức", 8), ("Công", 5), ("Quang", 6), ("Minh", 8), ("Xuân", 4),
    ("Thanh", 5), ("Hoàng", 3), ("Ngọc", 2), ("Đình", 5), ("Trọng", 3), ("Quốc", 4), ("Tiến", 2),
    ("Mạnh", 2), ("Duy", 3), ("Anh", 2), ("Thành", 2), ("Bá", 2), ("Viết", 1), ("Kim", 0.5),
])
MIDDLE_MALE_YOUNG = WeightedChoice([
    ("Văn", 12), ("Minh", 14), ("Đức", 10), ("Gia", 10), ("Quang", 6), ("Hoàng", 6), ("Bảo", 8),
    ("Anh", 5), ("Tuấn", 4), ("Duy", 5), ("Hữu", 3), ("Thanh", 3), ("Quốc", 4), ("Nhật", 4),
    ("Đăng", 3), ("Trung", 3), ("Khánh", 3), ("Thiên", 2), ("Phúc", 2),
])
MIDDLE_FEMALE = WeightedChoice([
    ("Thị", 62), ("Ngọc", 6), ("Thu", 5), ("Kim", 4), ("Thúy", 3), ("Mai", 2), ("Thanh", 4),
    ("Hoàng", 1), ("Phương", 3), ("Minh", 2), ("Bích", 2), ("Hồng", 3), ("Thị Thu", 1.5),
    ("Thị Ngọc", 1.5), ("Thị Kim", 1), ("Diệu", 1),
])
MIDDLE_FEMALE_YOUNG = WeightedChoice([
    ("Thị", 15), ("Ngọc", 12), ("Thu", 6), ("Khánh", 8), ("Bảo", 8), ("Minh", 6), ("Phương", 6),
    ("Thảo", 4), ("Hà", 4), ("Gia", 5), ("Quỳnh", 4), ("Hải", 3), ("Thanh", 4), ("Mai", 3),
    ("Ngọc Bảo", 2), ("Tuệ", 2), ("An", 2), ("Diệp", 1), ("Thùy", 3),
])

GIVEN_MALE = WeightedChoice([
    ("Anh", 2.5), ("Hùng", 3.0), ("Dũng", 3.0), ("Minh", 2.4), ("Huy", 2.8), ("Tiến", 2.6),
    ("Tuấn", 2.6), ("Nam", 2.4), ("An", 1.6), ("Hải", 2.0), ("Sơn", 2.0), ("Thắng", 1.8),
    ("Long", 2.0), ("Quân", 1.8), ("Đức", 1.6), ("Phong", 1.4), ("Trung", 1.6), ("Hiếu", 1.6),
    ("Cường", 1.6), ("Bình", 1.6), ("Thành", 1.6), ("Khoa", 1.2), ("Khánh", 1.2), ("Hưng", 1.4),
    ("Vinh", 1.2), ("Tùng", 1.2), ("Tâm", 1.0), ("Đạt", 1.4), ("Phúc", 1.2), ("Lâm", 1.0),
    ("Toàn", 1.0), ("Hòa", 1.0), ("Thái", 0.8), ("Lộc", 0.9), ("Hoàng", 1.0), ("Kiên", 0.9),
    ("Duy", 1.0), ("Quang", 0.8), ("Nghĩa", 0.9), ("Việt", 0.8), ("Bảo", 0.8), ("Khôi", 0.8),
    ("Thịnh", 0.8), ("Lợi", 0.6), ("Mạnh", 0.8), ("Chiến", 0.7), ("Tài", 0.7), ("Hậu", 0.6),
    ("Thọ", 0.6), ("Tú", 0.6), ("Nhân", 0.6), ("Sang", 0.5), ("Đông", 0.5), ("Tín", 0.5),
    ("Quý", 0.5), ("Kiệt", 0.5), ("Thuận", 0.5), ("Vũ", 0.5), ("Phát", 0.5), ("Định", 0.4),
    ("Thanh", 0.8), ("Hào", 0.4), ("Luân", 0.3), ("Nguyên", 0.5), ("Danh", 0.3), ("Đăng", 0.4),
])
GIVEN_FEMALE = WeightedChoice([
    ("Anh", 3.5), ("Linh", 3.2), ("Phương", 2.6), ("Nhi", 1.8), ("Trang", 2.4), ("Thủy", 2.0),
    ("Ngọc", 1.6), ("Vy", 1.5), ("Thảo", 2.0), ("Thu", 1.5), ("Hà", 1.8), ("Hương", 2.0),
    ("Hoa", 1.8), ("Lan", 1.8), ("Mai", 1.6), ("Hằng", 1.6), ("Huyền", 1.6), ("Nga", 1.4),
    ("Loan", 1.2), ("Yến", 1.4), ("Hạnh", 1.4), ("Dung", 1.4), ("Thanh", 1.2), ("Trinh", 0.8),
    ("Nhung", 1.2), ("Hồng", 1.2), ("Vân", 1.2), ("Oanh", 0.8), ("Quỳnh", 1.0), ("Tâm", 0.8),
    ("Liên", 1.0), ("Hiền", 1.2), ("Lệ", 0.6), ("Nguyệt", 0.6), ("Chi", 0.8), ("Giang", 0.8),
    ("Ly", 0.8), ("My", 0.7), ("Ánh", 0.6), ("Tuyết", 0.8), ("Xuân", 0.7), ("Hậu", 0.5),
    ("Diệp", 0.3), ("Châu", 0.5), ("Uyên", 0.6), ("Tú", 0.4), ("Thơ", 0.5), ("Bình", 0.4),
    ("Đào", 0.5), ("Nhàn", 0.5), ("Lụa", 0.3), ("Gấm", 0.3), ("Tươi", 0.3), ("Sen", 0.3),
    ("Hiên", 0.2), ("Thắm", 0.4), ("Khuyên", 0.3), ("An", 0.6), ("Ngân", 0.8), ("Diễm", 0.4),
])

# Ethnic-minority patterns (identifiers.md §12.6; unverified there, used here only for variety).
HMONG_CLANS = _nfc(["Giàng", "Thào", "Vàng", "Sùng", "Lầu", "Hầu", "Lý", "Mùa", "Hạng", "Cháng"])
HMONG_GIVEN_MALE = _nfc(["A Páo", "Seo Chứ", "A Dình", "Mí Sính", "Văn Chính", "A Lử", "Seo Lình", "Mí Vàng"])
HMONG_GIVEN_FEMALE = _nfc(["Thị Mỷ", "Thị Dợ", "Thị Sua", "Thị Pàng", "Thị Chía", "Thị Dính", "Thị Mai"])
EDE_CLANS = _nfc(["Niê", "Êban", "Mlô", "Ksơr", "Byă", "Adrơng", "Buôn Yă", "Hwing"])
EDE_GIVEN_MALE = _nfc(["Y Bhin", "Y Khu", "Y Ngọc", "Y Thuyên", "Y Sơn", "Y Blô"])
EDE_GIVEN_FEMALE = _nfc(["H'Hen", "H'Ngọc", "H'Bia", "H'Lan", "H'Xíu", "H'Mai"])
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
