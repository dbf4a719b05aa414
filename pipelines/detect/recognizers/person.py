from __future__ import annotations

from functools import lru_cache

import regex
from presidio_analyzer import Pattern

from ..lexicon import (
    COUNTRIES,
    HIGHLAND_CLANS,
    HIGHLAND_CLANS_FIRST,
    HONORIFICS,
    KINSHIP_WORDS,
    NON_NAME_PHRASES,
    PLACE_OR_FACILITY_WORDS,
    SURNAMES,
    alternation,
    case_variants,
    fold,
    folded_local_place_names,
    folded_province_names,
    folded_surnames,
    has_diacritics,
    is_name_syllable,
    lower_name_syllables,
    strip_accents,
)
from typing import List

from presidio_analyzer import EntityRecognizer, RecognizerResult

from .base import CAPITAL_AFTER_BOUNDARY, CASE_SENSITIVE, WORD, literal_words, WORD_BOUNDARY_AFTER, WORD_BOUNDARY_BEFORE, VietnamesePatternRecognizer

_TITLE_SURNAMES = alternation({v for v in case_variants(SURNAMES) if v[:1].isupper() and not v.isupper()})
_UPPER_SURNAMES = alternation({v for v in case_variants(SURNAMES) if v.isupper()})
_LOWER_SURNAMES = alternation({v for v in case_variants(SURNAMES) if v.islower()})
_HONORIFIC_ALT = alternation(case_variants(list(HONORIFICS)))
_WORD_RE = regex.compile(WORD)
_CAPITAL_NEXT = regex.compile(r"[ \t]+\p{Lu}")
_ENGLISH_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr"})
_SURNAME_FORMS = frozenset(case_variants(SURNAMES))  # as written: "Lăng" is not the listed "Lạng"

# "bà", "BS.", "người nhà:", "mẹ là" ... right before the name (compared on lower-case text).
_TRIGGER_BEFORE = regex.compile(
    r"(?:^|[^\w])(?:" + alternation({v for v in case_variants(list(HONORIFICS)) if v.islower()})
    + r")(?:\s+(?:bn|là|la))?\.?\s*[:,-]?\s*$"
)


def _place_before(words) -> regex.Pattern:
    return regex.compile(r"(?:^|[^\w])(?:" + alternation(words) + r")\.?\s*[:]?\s*$")


# Place words as written; their forms without diacritics ("trai" for "trại", "cho" for "chợ") are
# other common words, so they count only where the text around has no diacritics either.
_PLACE_BEFORE = _place_before({w.lower() for w in PLACE_OR_FACILITY_WORDS})
_PLACE_BEFORE_UNACCENTED = _place_before({strip_accents(w.lower()) for w in PLACE_OR_FACILITY_WORDS})
_KINSHIP_FORMS = frozenset(KINSHIP_WORDS) | frozenset(strip_accents(w) for w in KINSHIP_WORDS)
# Kinship words that, written without diacritics, are also other common words ("co" có/cô, "di" đi/dì).
_AMBIGUOUS_UNACCENTED = frozenset(strip_accents(w) for w in KINSHIP_WORDS) - frozenset(KINSHIP_WORDS)
_HIGHLAND_CLANS = frozenset(fold(c) for c in HIGHLAND_CLANS) | frozenset({"buon ya", "ro mah"})
_HONORIFIC_WORDS = frozenset(v for v in case_variants(list(HONORIFICS)) if v.islower())
_HONORIFIC_EXACT = frozenset(h.lower() for h in HONORIFICS)
_LOWER_SURNAMES_EXACT = frozenset(s.lower() for s in SURNAMES)
_COMMON_UNACCENTED_WORDS = frozenset("khong la tu ha lam van tang vi luc dau do da de co hoa ban lo cu mai to than".split())
# Common words that, typed without diacritics, follow "van"/"thi" without being a given name ("tu van thuoc").
_UNACCENTED_FUNCTION_WORDS = frozenset(
    "vao ra bi da dang se co la o tai tu den di ve len xuong kham nhap duoc khong ko chua va voi cua cho nay do sau "
    "truoc luc ngay gio tuoi giuong phong khoa benh vien thuoc uong tiem mo xet nghiem hoi goi noi bao nhe oi a".split())
# Two-word phrases that, typed without diacritics, start like a surname and a name syllable.
_UNACCENTED_PHRASES = frozenset({"cam on", "nhan tin", "tu van", "chi phi", "ha sot", "mai mot", "hoang mang", "trinh bay",
                                 "ton thuong", "kim tiem", "luu y", "vu viec", "tong dai", "ton tai"})
_COMMON_MIDDLE_NAMES = frozenset("van thi huu duc cong quang minh xuan ngoc thu kim thuy mai thanh hoang dinh ba duy gia".split())
_HOUSE_NUMBER_BEFORE = regex.compile(r"(?<![\w/])\d+[a-z]?(?:[/-]\d+[a-z]?)*\s*,?\s*$")
# The word right before a candidate, on the same line and separated by spaces only.
_PREVIOUS_WORD = regex.compile(r"(" + WORD + r")[ \t]+$")
# Between an honorific and the name: a space, or punctuation ("BS.Minh", "người nhà: Lan").
_AFTER_HONORIFIC = r"(?:[ \t]+(?:là|la|Là)[ \t]+|[ \t]*[.:,-][ \t]*|[ \t]+)"
_ROMAN = frozenset("IVX")
# A date or a case number right before a name is not a house number ("Ngày 15/2, Nguyễn Hồng Nhung",
# "bệnh nhân 188 L.T.H.").
_DATE_OR_CASE_BEFORE = regex.compile(
    r"(?:(?:ngày|hôm|sáng|chiều|tối|trưa|đêm|từ|đến)\s+\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?"
    r"|(?:bệnh nhân|ca bệnh|ca|bn|người bệnh)(?:\s+(?:số|thứ))?\s*\d{1,6}|covid\s*-?\s*19|sars-cov-2"
    r"|(?<![\w/])\d{1,3}\s*(?:t|tuổi|tuoi))\s*,?\s*$"  # "Cù Thị Lan Hương 45t, Cù Minh Nhật": an age
)
_STAY_BEFORE_VIEN = regex.compile(r"(?:^|[^\w])(?:ra|nhập|vào|xuất|nằm|chuyển)[ \t]+viện[ \t]*:?[ \t]*$")
_SURNAME_THI = regex.compile(r"(?:" + alternation({v for v in case_variants(SURNAMES) if v[:1].isupper()})
                             + r")[ \t]+(?:Thị|THỊ)[ \t]+\p{Lu}")
# "BHXH Quận 3 Võ Văn Tài": the number of a district or ward, not a house number, before a name.
_UNIT_NUMBER_BEFORE = regex.compile(r"(?:^|[^\w])(?:quận|quan|phường|phuong|q\.|p\.)[ \t]*\d{1,2}[ \t]+$")
# "Hoàng Việt, 23 tuổi": a name followed by an age is a person even if it is also a ward's name.
_AGE_AFTER = regex.compile(r"\s*[,(]\s*(?:\d{1,3}\s*(?:tuổi|tuoi)|sinh năm|nam|nữ)\b")
# Words after which a capitalised given name alone is a person ("của Nhung", "Theo Hương,", "đến nhà Phúc").
_PREPOSITION_BEFORE = regex.compile(
    r"(?:^|[^\w])(?i:của|với|cho|cùng|theo|gặp|thăm|nhà|ngoài|giống|như|tên|gọi là|tên là|lây cho|lây từ|tiếp xúc với)[ \t]+$"
)
# Verbs and adverbs that follow a person at the start of a clause ("Hiền kể", "Nhung được chuyển").
_PERSON_VERBS = (
    r"(?:kể|nói|cho biết|chia sẻ|thấy|bắt đầu|được|bị|đã|vẫn|cũng|lại|đi|về|đến|từng|có|không|chưa|sốt|ho|mệt|ở|làm"
    r"|sống|nhớ|nghĩ|đặt|xin|cảm thấy|kể lại|tâm sự|khai|lên|xuống|vào|ra|tiếp xúc|dương tính|âm tính|nhập viện|hiện"
    r"|xuất hiện|nghỉ|là|trở thành|nằm|khỏi|mắc|lây)(?!\w)"
)
_PERSON_VERB_AFTER = regex.compile(r"[ \t]+" + _PERSON_VERBS)
# Verbs a place or a company does not take ("New York đã ...", but not "New York kể").
_HUMAN_VERB_AFTER = regex.compile(
    r"[ \t]+(?:đi du lịch|đi làm|kể|nói|cho biết|khai|sốt|ho|mệt|nhập viện|nhập cảnh|tử vong|làm việc|sinh sống|lưu trú"
    r"|ngã|bị ngã|bị thương|bị bỏng|bị sốt|bị tai nạn)(?!\w)"
)
# Capitalised words that are name syllables but, alone, far more often something else
# (numbers, directions, countries, "Trung tâm", "Công ty" ...): never taken as a bare given name.
_AMBIGUOUS_GIVEN = frozenset(fold(w) for w in (
    "Hai Ba Bốn Năm Sáu Bảy Tám Chín Mười Tư Út Đông Tây Nam Bắc Việt Trung Tâm Thành Công Quốc Đức Anh Hà Thái "
    "Sơn An Hải Nhật Pháp Mỹ Tân Phú Vinh Long Gia Kim Phước Tiến Thiên Vũ Vương Hoàng Đình Nhân Dân Lê Bảo "
    "Bình Phương Quang Đồng Hòa Hoà Thanh Xuân Minh Hồng Hoa Thu Lâm Trường Châu Đào Sen Cầm Văn Thị Trần Tài Hội "
    "Nghĩa Lực Hậu Phát Định Thống Nhất Huy Du Tôn Lý Khoa Học Đạo Pháp Lợi Thể Mai Lan Kiều Giang Cao Khánh".split()
))
_PLACE_CUE_BEFORE = regex.compile(r"(?:^|[^\w])(?i:ở|tại|từ|đến|về|qua|sang|đi)[ \t]+$")
# "Tuổi Trẻ Online" is a newspaper: "Trẻ" there is not the kinship word "trẻ".
# Written as a title ("Người Lao Động") or after "báo": "người lao động Bế Thị Ly" is a worker and her name.
_NEWSPAPER_BEFORE = regex.compile(r"(?:(?-i:Tuổi Trẻ|Thanh Niên|Người Lao Động|Tiền Phong|Dân Trí|Lao Động)"
                                  r"|(?i:báo)[ \t]+(?i:tuổi trẻ|thanh niên|người lao động|tiền phong|dân trí|lao động))[ \t]+$")
_CLANS_FIRST = alternation({v for v in case_variants(list(HIGHLAND_CLANS_FIRST)) if v[:1].isupper()})
# Kinship and role words that, after a bare name, say it is a person ("Thu là em gái", "(Chi - con dâu)").
_KIN_AFTER = r"(?:em|con|chị|anh|vợ|chồng|mẹ|bố|cha|ông|bà|cháu|bạn|cô|chú|dì|cậu|hai|ba|người|hàng xóm)(?!\w)"
# An age right after a bare name: "Hiền (30 tuổi)", "Sáu, 46 tuổi".
_AGE_RIGHT_AFTER = regex.compile(
    r"[ \t]*(?:\([ \t]*\d{1,3}[ \t]*(?:tuổi|tuoi|t)(?!\w)|,[ \t]*\d{1,3}[ \t]*(?:tuổi|tuoi)(?!\w)"
    r"|[,(][ \t]*(?:SN|sn|sinh năm)[ \t]*\d{4}(?!\d))"
)
_KIN_RIGHT_AFTER = regex.compile(r"[ \t]+là[ \t]+" + _KIN_AFTER + r"|[ \t]*[-–][ \t]*" + _KIN_AFTER)
# Role words a nationality can follow as well as a name ("du khách Anh", "nạn nhân người Lào").
_ROLE_BEFORE = regex.compile(r"(?:^|[^\w])(?:du khách|khách|nạn nhân|chú rể|cô dâu|ca bệnh là|y tá|hộ lý)[ \t]+$")
# Words of a company or brand name, not of a person's ("Vietnam Airlines", "Lotte Mart").
_BRAND_WORDS = frozenset(
    "airlines airline airways air group company corp corporation inc ltd co bank mart plaza center centre tower city "
    "land hotel resort vietnam viet express pharma tech mall store".split()
)
# Two bare names joined ("Tiến và Quang là ...", "Hoàng Thị Thu và Bình là mẹ con").
_JOINED_AFTER = regex.compile(r"[ \t]+và[ \t]+\p{Lu}\p{Ll}+[ \t]+(?:là|đều|cùng|bị|được)(?!\w)")
_JOINED_BEFORE = regex.compile(r"\p{Lu}\p{Ll}+[ \t]+và[ \t]+$")
_JOINED_VERB_AFTER = regex.compile(r"[ \t]+(?:là|đều|cùng|bị|được)(?!\w)")
_PUNCT_AFTER = regex.compile(r"[ \t]*[,.;)]")
# Never a bare given name, whatever the context: numbers, directions, institutions (compared with
# their diacritics: "Thành" is "Trung tâm Thành phố" here, "Thanh" stays a name).
_NEVER_GIVEN_ALONE = frozenset(w.lower() for w in (
    "Hai Ba Bốn Năm Bảy Tám Chín Mười Đông Tây Nam Bắc Nữ Việt Trung Tâm Thành Công Quốc Nhân Dân Khoa Học Đạo "
    "Pháp Thể Nhất Thống Hội Tân Phú Mỹ Nhật Thái Đức Anh Tôn Lý".split()))
_GENDER_WORDS = frozenset({"nam", "nữ"})
# "dân tộc Thái, 40 tuổi", "người Hoa": an ethnic group or a nationality, not a given name.
_ETHNICITY_BEFORE = regex.compile(r"(?:^|[^\w])(?i:dân tộc|dan toc|người|nguoi|quốc tịch|quoc tich)[ \t]+$")
_GIVEN_ALONE = (
    r"(?:(?<=(?:^|[^\w])(?i:của|với|cho|cùng|theo|gặp|thăm|nhà|ngoài|giống|như|tên|gọi là|tên là|lây cho|lây từ|tiếp xúc với)[ \t]+)"
    r"(?P<pii>\p{Lu}\p{Ll}+)(?![\w'’-])(?!\.\w)(?![ \t]+\p{Lu})"
    r"|(?=\p{Lu})(?<![\w.])(?P<pii>\p{Lu}\p{Ll}+)(?=[ \t]+" + _PERSON_VERBS + r")"
    # ... or marked as a person by what follows: an age, "là em gái", "- con dâu", a closing bracket.
    r"|(?=\p{Lu})(?<![\w.])(?P<pii>\p{Lu}\p{Ll}+)(?=" + _AGE_RIGHT_AFTER.pattern + r"|" + _KIN_RIGHT_AFTER.pattern
    + r"|" + _JOINED_AFTER.pattern + r"|[ \t]*\)))"
)
_LETTER_NOUNS = frozenset(fold(w) for w in (
    "gan máu khu tầng toà tòa nhà phòng vitamin type typ nhóm loại hạng khoa lớp dãy khối block số mẫu ca cấp độ bảng "
    "điểm phương án kế hoạch mục phần hình cột hàng trục sơ đồ giai đoạn chủng virus cúm siêu vi kháng thể hệ lô cổng "
    "đợt thứ khoản điều chương phụ lục dạng kiểu mức tuyến ô ghế vùng bên cánh cửa xe tàu chuyến"
).split())
# "Quận Văn Lâm", "Chùa Văn Thánh": a unit or a building, then a place name with "Văn".
_PLACE_FIRST_WORDS = frozenset(fold(w.split()[0]) for w in PLACE_OR_FACILITY_WORDS) | frozenset(
    "quan huyen phuong xa tinh thanh thon xom ap ban lang chua den dinh mieu hoi van nha bao nghe".split())
# "Park Ji-hoon", "O'Brien", "D'Souza".
_FOREIGN_WORD = r"(?:\p{Lu}['’])?\p{Lu}[a-z]+(?:-[A-Za-z][a-z]+)?"

# A clan name of Ê Đê / Jrai shape: two consonants that no Kinh syllable starts with ("Ktla", "Bluang", "Mdrang").
_FOLDED_CLANS_FIRST = frozenset(fold(c) for c in HIGHLAND_CLANS_FIRST)
_CLUSTER_START = regex.compile(r"(?i)^(?!ch|gh|gi|kh|ng|nh|ph|qu|th|tr)[bcdđghklmnpqrstvx][bdhklmnprstwy]")
# A blood group after a kinship word ("mẹ O Rh+, con A Rh+", "bố AB+") is not an initial.
_BLOOD_GROUP = regex.compile(r"(?:AB|A|B|O)(?![\w'’.])")
_BLOOD_GROUP_AFTER = regex.compile(r"[ \t]*(?:Rh\b|[+-](?!\d))")
# A Vietnamese syllable written without diacritics; a lower-case Latin word of another shape after a capital and a dot
# is a species name ("E. coli", "P. falciparum"), not an initial and a word.
_VIETNAMESE_SYLLABLE = regex.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")
_LATIN_WORD_AFTER = regex.compile(r"[ \t]+([a-z]{3,})(?![\w])")
# A form label after a name in a form ("Họ tên: Bế Thị Nguyên   Năm sinh: 1990"): the name stops before it.
_FORM_LABEL = regex.compile(r"(?:Năm sinh|Ngày sinh|Giới tính|Giới|Tuổi|Địa chỉ|Nghề nghiệp|Dân tộc|Quốc tịch|Điện thoại|Số điện thoại)"
                            r"[ \t]*:", regex.IGNORECASE)
# Initials followed by a given name ("ĐD H.T. Loan").
_GIVEN_AFTER_INITIALS = regex.compile(r"[ \t]+(\p{Lu}\p{Ll}+)(?![\w'’-]|\.\w)")
_NOT_INITIALS = frozenset({"T.P", "T.T", "V.V", "P.S", "U.B", "T.W", "S.T", "B.V", "K.T", "T.S"})


_LETTER_VERB_AFTER = regex.compile(r"[ \t]+(?:" + _PERSON_VERBS + r"|đưa|nhiễm|lây|khỏi|có kết quả)")
_LETTER_WORD_BEFORE = regex.compile(r"(?:^|[^\w])(?i:là|và|rằng|giả sử|của|với|cho|cùng|theo|gặp|thăm|nhà|ngoài|giống|như|tên"
                                    r"|gọi là|tên là|lây cho|lây từ|tiếp xúc với)[ \t]+$")


# Letters standing for people in a list after "gồm"/"là" ("những người tiếp xúc gồm M, L, K").
_LETTER_LIST_BEFORE = regex.compile(r"(?:^|[^\w])(?i:gồm|bao gồm|là)[ \t]+(?:[A-Z][ \t]*(?:,|và)[ \t]*)*$")
_LETTER_LIST_AFTER = regex.compile(r"[ \t]*(?:,|và)[ \t]*[A-Z](?![\w.'’-])")
_PEOPLE_BEFORE = regex.compile(r"(?i:người|tiếp xúc|bệnh nhân|ca bệnh|f[0-3]|con|cháu|vợ|chồng|gia đình|bạn)")


def _letter_in_people_list(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 60):start]
    listed = _LETTER_LIST_BEFORE.search(before)
    if listed is None or _PEOPLE_BEFORE.search(before, 0, listed.start() + 1) is None:
        return False
    return _LETTER_LIST_AFTER.match(text, end) is not None or regex.search(r"[A-Z][ \t]*(?:,|và)[ \t]*$", before) is not None


def _letter_could_be_name(text: str, start: int, end: int) -> bool:
    return (_LETTER_VERB_AFTER.match(text, end) is not None or _LETTER_WORD_BEFORE.search(text, max(0, start - 20), start) is not None
            or _letter_in_people_list(text, start, end))


def _unlisted_given_after_middle(words, index: int) -> bool:
    """A lower-case word typed without diacritics right after "thi"/"van" that is not a listed syllable but has a
    Vietnamese syllable's shape and is no common word: a given name ("nguyen van beo", "ma thi dua")."""
    word = words[index][2]
    return (index == 2 and words[1][2] in ("thi", "van") and word.islower() and not has_diacritics(word)
            and word not in _UNACCENTED_FUNCTION_WORDS and _VIETNAMESE_SYLLABLE.fullmatch(word) is not None)


def _looks_like_clan(word: str) -> bool:
    """An unlisted Ê Đê / Jrai clan name: not a Kinh syllable and starting with a consonant cluster."""
    return len(word) >= 3 and not is_name_syllable(word) and _CLUSTER_START.match(word) is not None


def _marked_by_what_follows(text: str, end: int) -> bool:
    """An age, a kinship word ("là em gái", "- con dâu") or another bare name joined by "và" follows."""
    return (_AGE_RIGHT_AFTER.match(text, end) is not None or _KIN_RIGHT_AFTER.match(text, end) is not None
            or _JOINED_AFTER.match(text, end) is not None)


def _in_brackets_after_person(text: str, start: int, end: int, raw_before: str) -> bool:
    """"Bệnh nhân (Hòa)", "người nhà (Chi - con dâu)": a name alone in brackets right after a person noun."""
    if not raw_before.rstrip(" \t").endswith("("):
        return False
    if not regex.match(r"[ \t]*(?:\)|[-–,][ \t]*" + _KIN_AFTER + ")", text[end:end + 20]):
        return False
    outside = raw_before.rstrip(" \t")[:-1].lower()
    return _TRIGGER_BEFORE.search(outside) is not None


def _style(word: str) -> str:
    if len(word) > 2 and word[1] in "'’" and word[0].isupper():
        word = word[2:]  # "K'Nhung", "H'Hen": the style of the name after the prefix
    if len(word) == 1:
        return "letter" if word.isupper() else "lower"
    if word.isupper():
        return "upper"
    if word[0].isupper() and word[1:].islower():
        return "title"
    if word.islower():
        return "lower"
    return "mixed"


@lru_cache(maxsize=None)
def _folded_countries() -> frozenset[str]:
    return frozenset(fold(c) for c in COUNTRIES)


@lru_cache(maxsize=None)
def _nationalities() -> frozenset[str]:
    """Countries as a nationality after a role word ("du khách Anh"): the country list plus short forms
    that elsewhere are common words or names ("Anh")."""
    return _folded_countries() | frozenset(fold(c) for c in (
        "Anh", "Đan Mạch", "Thụy Điển", "Na Uy", "Phần Lan", "Hà Lan", "Bỉ", "Thụy Sĩ", "Áo", "Bồ Đào Nha",
        "Hy Lạp", "Ai Cập", "Thổ Nhĩ Kỳ", "Israel", "Iran", "Brazil", "Mexico", "Argentina", "New Zealand",
        "Ireland", "Scotland", "Châu Âu", "Tây", "Hungary", "Romania", "Nepal", "Bangladesh", "Pakistan"))


class PersonRecognizer(VietnamesePatternRecognizer):
    """Vietnamese personal names (identifiers.md §12).

    Candidates: a surname followed by 1-3 words; a capitalised word after an honorific, kinship
    word or title (span excludes the honorific); dotted initials (`N.V.A`, `bà T.`).
    Accepted when the capitalisation is consistent (Title Case, or ALL CAPS / lower case with
    every syllable a known name syllable; lower case also needs an honorific before it).
    Rejected when the candidate follows a place or facility word (đường, phường, bệnh viện ...),
    follows a house number, or is itself a province, country or (without honorific) a ward or
    district name.
    """

    ENTITY = "PERSON"
    FLAGS = CASE_SENSITIVE
    PATTERNS = [
        Pattern(
            "surname_title",
            WORD_BOUNDARY_BEFORE + rf"(?P<pii>(?:{_TITLE_SURNAMES})(?:[ \t]+\p{{Lu}}\p{{Ll}}*){{1,3}})" + WORD_BOUNDARY_AFTER,
            0.85,
        ),
        # A middle name written as an initial: "Lê V. Thành", "Nguyễn T. Hoa".
        Pattern(
            "surname_initial",
            WORD_BOUNDARY_BEFORE + rf"(?P<pii>(?:{_TITLE_SURNAMES})[ \t]+\p{{Lu}}\.[ \t]*\p{{Lu}}\p{{Ll}}+)" + WORD_BOUNDARY_AFTER,
            0.8,
        ),
        Pattern(
            "surname_upper",
            WORD_BOUNDARY_BEFORE + rf"(?P<pii>(?:{_UPPER_SURNAMES})(?:[ \t]+\p{{Lu}}+){{1,3}})" + WORD_BOUNDARY_AFTER,
            0.8,
        ),
        # Lower-case names only right after an honorific or label ("bệnh nhân nguyễn văn an").
        Pattern(
            "surname_lower",
            WORD_BOUNDARY_BEFORE + rf"(?:{_HONORIFIC_ALT}){_AFTER_HONORIFIC}"
            rf"(?P<pii>(?:{_LOWER_SURNAMES})(?:[ \t]+\p{{Ll}}+){{1,3}})" + WORD_BOUNDARY_AFTER,
            0.7,
        ),
        Pattern(
            "honorific_name",
            WORD_BOUNDARY_BEFORE + rf"(?:{_HONORIFIC_ALT}){_AFTER_HONORIFIC}"
            rf"(?P<pii>\p{{Lu}}(?:\p{{L}}*)(?:['’]\p{{L}}+)?(?:[ \t]+{WORD}){{0,3}})" + WORD_BOUNDARY_AFTER,
            0.75,
        ),
        Pattern(
            "initials",
            r"(?<![\w.])(?P<pii>\p{Lu}\.(?:[ ]?\p{Lu}\p{Ll}?\.){1,4}(?:\p{Lu}\p{Ll}?(?![\w.]))?|\p{Lu}\.\p{Lu}\.?\p{Lu}(?![\w.]))",
            0.6,
        ),
        # Two initials without a final dot ("con trai là N.T"): only after a title or kinship word.
        Pattern("initials_two", r"(?<![\w.])(?P<pii>\p{Lu}\.\p{Lu})(?![\w.])", 0.6),
        # A given name alone after a preposition, or starting a clause before a verb ("của Nhung",
        # "Theo Hương,", "Hiền kể"); the word must be a known name syllable and not a place.
        Pattern("given_alone", _GIVEN_ALONE, 0.7),
        # An initial before a verb or a comma ("T. có đi chơi", "Ngoài K., ..."), "NH." after a kinship word.
        Pattern("initial_alone", r"(?<![\w./])(?P<pii>\p{Lu}{1,2}\.)(?=[ \t]*[,)]|[ \t]+[-–]|[ \t]+\p{Ll})", 0.6),
        # A single capital standing for a person in a case report ("bệnh nhân 243 là A, vợ là B, A đưa B đi khám").
        Pattern("letter_alone", r"(?<![\w.'’-])(?P<pii>[A-Z])(?![\w.'’-])", 0.6),
        # Messages typed without diacritics: "a"/"e"/"c" (anh, em, chị) before a name ("a Khai oi", "c vu thi ngoan hoi").
        Pattern(
            "chat_kinship",
            rf"(?=[aec][ \t])(?<![\w.'’-])(?:a|e|c)[ \t]+(?P<pii>\p{{Lu}}[a-z]+|(?:{_LOWER_SURNAMES})(?:[ \t]+[a-z]+){{1,3}})(?![\w'’.-])",
            0.6,
        ),
        # Foreign names (two or more Latin words without diacritics) after a title: "Bệnh nhân Peter James Walker".
        Pattern(
            "foreign_after_title",
            rf"(?=[A-Z])(?<![\w.])(?P<pii>{_FOREIGN_WORD}(?:[ \t]+{_FOREIGN_WORD}){{1,3}})" + WORD_BOUNDARY_AFTER,
            0.7,
        ),
        # "Cáp Thị Yến", "Mùi Văn Tới": a surname not in the list, then the middle name Thị or Văn.
        Pattern(
            "middle_thi_van",
            r"(?=\p{Lu})(?<![\w.])(?P<pii>\p{Lu}\p{Ll}+[ \t]+(?:Thị|Văn|THỊ|VĂN)[ \t]+\p{Lu}\p{L}+(?:[ \t]+\p{Lu}\p{L}+)?)(?![\w])",
            0.7,
        ),
        # Ê Đê / Jrai names (identifiers.md §12.6): "H'Hen Niê" (women), "Y Thuyên Mlô" (men).
        Pattern(
            "highland_h",
            WORD_BOUNDARY_BEFORE + r"(?P<pii>H['’]\p{Lu}\p{L}+(?:[ \t]+\p{Lu}\p{L}*){0,2})" + WORD_BOUNDARY_AFTER,
            0.75,
        ),
        Pattern(
            "highland_y",
            WORD_BOUNDARY_BEFORE + r"(?P<pii>Y[ \t]+\p{Lu}\p{L}+(?:[ \t]+\p{Lu}\p{L}*){0,2})" + WORD_BOUNDARY_AFTER,
            0.75,
        ),
        # Jrai / Bahnar names, clan first: "Ksor Nhiên", "Rơ Châm Hiu", "KSOR H'PHI".
        Pattern(
            "highland_clan_first",
            WORD_BOUNDARY_BEFORE + rf"(?P<pii>(?:{_CLANS_FIRST})(?:[ \t]+(?:H['’])?\p{{Lu}}\p{{L}}*){{1,2}})" + WORD_BOUNDARY_AFTER,
            0.75,
        ),
    ]
    # Where matches can start, for the patterns where trying only there is cheaper than a scan (measured):
    # an honorific, a surname or a clan name (the word lists), a capital after a word boundary.
    STARTS = {
        "surname_lower": literal_words(_HONORIFIC_ALT),
        "honorific_name": literal_words(_HONORIFIC_ALT),
        "surname_title": literal_words(_TITLE_SURNAMES),
        "surname_initial": literal_words(_TITLE_SURNAMES),
        "surname_upper": literal_words(_UPPER_SURNAMES),
        "highland_clan_first": literal_words(_CLANS_FIRST),
        "foreign_after_title": CAPITAL_AFTER_BOUNDARY,
    }
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []

    def __init__(self, supported_language: str = "vi"):
        super().__init__(supported_language)
        self._scores: dict[tuple[int, int, str], float] = {}

    # The span and the score are decided together in `adjust_span`; `score_for` reads them back.
    def adjust_span(self, text, start, end, match, pattern):
        # Lone capitals are frequent (codes, classes): the cheap test on what follows or precedes first.
        if pattern.name == "letter_alone" and not _letter_could_be_name(text, start, end):
            return None
        group = _BLOOD_GROUP.match(text, start)
        if group is not None and _BLOOD_GROUP_AFTER.match(text, group.end()):
            return None
        raw_before = text[max(0, start - 40):start]
        if _NEWSPAPER_BEFORE.search(raw_before):
            return None
        before = raw_before.lower()
        trigger = _TRIGGER_BEFORE.search(before)
        place = _PLACE_BEFORE.search(before)
        if place is None and not has_diacritics(before[-25:] + text[start:end]):
            place = _PLACE_BEFORE_UNACCENTED.search(before)
        # "điều dưỡng Lan", "con trai Nam": a longer title or kinship word beats the place word in it.
        if place is not None and trigger is not None and trigger.start() < place.start():
            place = None
        # "giấy ra viện: Cung Văn Hạnh" is a discharge, not an institute; "huyện Lò Thị Phương" is an office's
        # district then a woman's name ("Thị" is no place's middle word).
        if place is not None and (_STAY_BEFORE_VIEN.search(before) or _SURNAME_THI.match(text, start)):
            place = None
        has_trigger = trigger is not None
        if place is not None or (_HOUSE_NUMBER_BEFORE.search(before) and not _DATE_OR_CASE_BEFORE.search(before)
                                 and not _UNIT_NUMBER_BEFORE.search(before)):
            return None
        previous = _PREVIOUS_WORD.search(raw_before)
        if previous is not None and not has_trigger:
            word = previous.group(1)
            # Inside a longer capitalised name ("Bệnh viện Lê Văn Thịnh" -> not "Văn Thịnh"):
            # the longer name is its own candidate.
            if _style(word) in ("title", "upper") and word.lower() not in _HONORIFIC_WORDS and is_name_syllable(word):
                return None
        if pattern.name == "chat_kinship":
            return self._chat_kinship(text, start, end)
        if pattern.name in ("highland_h", "highland_y"):
            return self._highland(text, start, end, pattern, has_trigger, previous)
        if pattern.name == "highland_clan_first":
            return self._clan_first(text, start, end, pattern)
        if pattern.name == "given_alone":
            return self._given_alone(text, start, end, raw_before, has_trigger)
        if pattern.name == "letter_alone":
            return self._letter_alone(text, start, end, raw_before, has_trigger)
        if pattern.name == "middle_thi_van":
            words = text[start:end].split()
            # After "Thị" (a woman's middle name, never a place's second word) an unlisted given name of syllable
            # shape is taken ("Pờ Thị Sú", "Lăng Thị Xuyên"); after "Văn" the given names must be known.
            thi = fold(words[1]) == "thi"
            if words[0] in _SURNAME_FORMS or not all(
                    is_name_syllable(w) or (thi and _VIETNAMESE_SYLLABLE.fullmatch(fold(w))) for w in words[2:]):
                return None  # a listed surname is the other patterns' case
            if (fold(words[0]) in _HONORIFIC_WORDS or (fold(words[0]) in _PLACE_FIRST_WORDS and not thi)
                    or fold(" ".join(words)) in folded_local_place_names() or fold(" ".join(words[1:])) in folded_local_place_names()):
                return None
            self._scores[(start, end, pattern.name)] = 0.75 if has_trigger else 0.7
            return start, end
        if pattern.name == "initial_alone":
            return self._initial_alone(text, start, end, raw_before, has_trigger)
        if pattern.name == "foreign_after_title":
            if not (has_trigger or _AGE_RIGHT_AFTER.match(text, end) or self._starts_clause_before_verb(text, start, end, raw_before)):
                return None
            folded = fold(text[start:end])
            if folded in _folded_countries() or folded in folded_province_names() or folded.split()[0] in ("covid", "sars"):
                return None
            if any(w in _BRAND_WORDS for w in folded.split()):
                return None
            self._scores[(start, end, pattern.name)] = 0.75
            return start, end
        if pattern.name in ("initials", "initials_two"):
            span_text = text[start:end]
            if span_text.rstrip(".").replace(" ", "") in _NOT_INITIALS:
                return None
            if pattern.name == "initials_two" and not has_trigger and not _AGE_AFTER.match(text, end):
                return None
            given = _GIVEN_AFTER_INITIALS.match(text, end) if span_text.endswith(".") else None
            if given is not None and is_name_syllable(given.group(1)) and given.group(1).lower() not in _NEVER_GIVEN_ALONE:
                end = given.end(1)
            self._scores[(start, end, pattern.name)] = 0.8 if has_trigger else pattern.score
            return start, end
        words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text, start, end)]
        words = [w for i, w in enumerate(words) if not any(_FORM_LABEL.match(text, x[0]) for x in words[1:i + 1])]
        if not words:
            return None
        first = words[0][2]
        # Text written with diacritics: a word without them is taken as written ("than" is not "Thân").
        accented_context = has_diacritics(text[max(0, start - 40):end + 40])
        first_is_honorific = first.lower() in (_HONORIFIC_EXACT if accented_context else _HONORIFIC_WORDS)
        if (first_is_honorific and len(words) > 1 and _style(words[1][2]) in ("title", "upper")
                and fold(words[1][2]) in folded_surnames()):
            return None  # "Ông Bùi Văn Tư": the name starts at the next word (its own match)
        if (first_is_honorific and pattern.name == "surname_title"
                and (len(words) == 2 or not all(is_name_syllable(w) for _, _, w in words[1:]))):
            return None  # "Ông Bảy", "Ông Wang Jianguo": a title before a given or foreign name, not the surname Ông
        honorific = text[match.start():start].strip(" \t.:,-").lower() if pattern.name in ("honorific_name", "surname_lower") else ""
        if honorific.endswith((" là", " la", "\tlà", "\tla")):
            honorific = honorific[:-2].rstrip(" \t")  # "tên cháu là Bi": the kinship word is "cháu"
        if honorific.startswith("chi") and regex.search(r"(?i)(?:^|[^\w])(?:dia|địa)[ \t]+$", text[:match.start()]):
            return None  # "dia chi: Dong Hung" is "địa chỉ", not "chị"
        if pattern.name == "surname_lower" and honorific in _AMBIGUOUS_UNACCENTED and (
                len(words) < 3 or fold(words[1][2]) not in _COMMON_MIDDLE_NAMES):
            return None  # "khong co bien chung": "co" is "có" here, not "cô"
        accepted = None
        if fold(first) in folded_surnames():
            accepted = self._accept_full_name(
                words, has_trigger or pattern.name in ("honorific_name", "surname_lower"), accented_context
            )
            if pattern.name == "surname_lower" and accented_context:
                unaccented = self._accept_unaccented_name(words)
                if unaccented is not None and (accepted is None or unaccented[0] > accepted[0]):
                    accepted = unaccented
        if accepted is None and pattern.name == "honorific_name":
            separator = text[match.start() + len(honorific):start] if honorific else " "
            if honorific in _KINSHIP_FORMS and separator.strip(" \t") not in ("", "là", "la"):
                return None  # "bà: Lan" is not how a name follows a kinship word
            accepted = self._accept_given_name(text, words, honorific)
            run = self._accept_capitalised_run(words)
            # "ông Sơn Ngọc Thành": a longer run of name syllables beats the two-word given name.
            if run is not None and (accepted is None or accepted[0] == 1 or (
                    run[0] > accepted[0] and all(is_name_syllable(w) for _, _, w in words[:run[0]]))):
                accepted = run
        if accepted is None:
            return None
        count, score = accepted
        name_start, name_end = words[0][0], words[count - 1][1]
        if pattern.name == "honorific_name" or has_trigger:
            score = max(score, 0.75)
        # "bà T." / "Nguyễn Văn A." : keep the dot of a single-letter final initial.
        if len(words[count - 1][2]) == 1 and text[name_end:name_end + 1] == ".":
            name_end += 1
        folded_name = fold(text[name_start:name_end]).rstrip(".")
        # Right after an honorific a single word is a given name even if it is a place ("bà Nga").
        # ... but not after a role word, which a nationality also follows ("du khách Pháp", "du khách Nhật Bản").
        after_honorific = pattern.name == "honorific_name" and count == 1 and not _ROLE_BEFORE.search(before)
        if _ROLE_BEFORE.search(before) and (fold(first) in _nationalities() or fold(" ".join(w for _, _, w in words[:2])) in _nationalities()):
            return None
        if not after_honorific and (folded_name in folded_province_names() or folded_name in _folded_countries()):
            return None
        if (not (has_trigger or pattern.name == "honorific_name") and folded_name in folded_local_place_names()
                and not _AGE_AFTER.match(text, name_end)):
            return None
        first_two = " ".join(fold(w) for _, _, w in words[:2])
        first_three = " ".join(fold(w) for _, _, w in words[:3])
        if first_two in NON_NAME_PHRASES or first_three in NON_NAME_PHRASES:
            return None
        self._scores[(name_start, name_end, pattern.name)] = score
        return name_start, name_end

    def _highland(self, text, start, end, pattern, has_trigger, previous):
        """Ê Đê / Jrai names: accepted with a clan name at the end or a title / kinship word before."""
        words = [(m.start(), m.end(), m.group()) for m in regex.finditer(r"[^\W\d_]+(?:['’][^\W\d_]+)?", text[:end], pos=start)]
        if not words or fold(words[0][2]).replace("’", "'").startswith(("h'mong", "h'mông")):
            return None
        if previous is not None and _style(previous.group(1)) in ("title", "upper") and previous.group(1).lower() not in _HONORIFIC_WORDS:
            return None  # part of a place name ("Ea H'Leo")
        for count in range(len(words), 1, -1):
            last_one = fold(words[count - 1][2])
            last_two = fold(words[count - 2][2]) + " " + last_one
            if last_one in _HIGHLAND_CLANS or (count >= 3 and last_two in _HIGHLAND_CLANS) or _looks_like_clan(words[count - 1][2]):
                break
        else:
            count = len(words)
            if not has_trigger or (pattern.name == "highland_y" and count < 2):
                return None
        name_start, name_end = words[0][0], words[count - 1][1]
        self._scores[(name_start, name_end, pattern.name)] = 0.85 if has_trigger else pattern.score
        return name_start, name_end

    def _given_alone(self, text, start, end, raw_before, has_trigger):
        """A known given name alone: after a preposition, or at the start of a clause before a verb.
        A name that is also a common word or a surname needs more: an age, a kinship word or another
        name right after it, brackets after a person noun, or a preposition and a punctuation mark."""
        word = text[start:end]
        folded = fold(word)
        if has_trigger or not is_name_syllable(word) or folded in folded_province_names() or folded in _folded_countries():
            return None  # after an honorific the other patterns decide
        after_preposition = _PREPOSITION_BEFORE.search(raw_before) is not None
        bracketed = _in_brackets_after_person(text, start, end, raw_before)
        marked = (bracketed or _marked_by_what_follows(text, end)
                  or (after_preposition and _PUNCT_AFTER.match(text, end) is not None)
                  or (_JOINED_BEFORE.search(raw_before) is not None and _JOINED_VERB_AFTER.match(text, end) is not None))
        lower = word.lower()
        if lower in _GENDER_WORDS or (lower in _HONORIFIC_WORDS and not bracketed) or (
                lower in _NEVER_GIVEN_ALONE and not (bracketed or _AGE_RIGHT_AFTER.match(text, end))):
            return None
        if (folded in _AMBIGUOUS_GIVEN or folded in folded_surnames()) and not marked:
            return None
        if (raw_before.rstrip(" \t").endswith("(") and not bracketed) or _ETHNICITY_BEFORE.search(raw_before):
            return None
        # Many given names are also ward names ("Hương", "Phúc"): after a preposition the person
        # reading wins, before a verb the place does.
        if folded in folded_local_place_names() and not (after_preposition or marked):
            return None
        previous = _PREVIOUS_WORD.search(raw_before)
        if previous is not None and ((previous.group(1)[:1].isupper() and not after_preposition)
                                     or _PLACE_CUE_BEFORE.search(raw_before)):
            return None  # "Gò Vấp", "Hóc Môn", "ở Yên Hòa": part of a place name
        if not (after_preposition or marked or _PERSON_VERB_AFTER.match(text, end)):
            return None
        self._scores[(start, end, "given_alone")] = 0.6
        return start, end

    def _chat_kinship(self, text, start, end):
        """A name after "a"/"e"/"c" in a message without diacritics: a listed given name (Title Case, not a place,
        not followed by more capitals) or a lower-case full name."""
        if has_diacritics(text[max(0, start - 40):end + 40]):
            return None
        words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text, start, end)]
        if len(words) == 1:
            word = words[0][2]
            if not is_name_syllable(word) or not self._repeatable_given(word) or _CAPITAL_NEXT.match(text, end):
                return None
            self._scores[(start, end, "chat_kinship")] = 0.6
            return start, end
        if len(words) < 3 or words[1][2] not in _COMMON_MIDDLE_NAMES:
            return None  # "e cam on": a lower-case full name has a middle name
        accepted = self._accept_full_name(words, True, accented_context=False)
        if accepted is None:
            return None
        name_end = words[accepted[0] - 1][1]
        self._scores[(start, name_end, "chat_kinship")] = 0.6
        return start, name_end

    def _clan_first(self, text, start, end, pattern):
        """Jrai / Bahnar names with the clan first; the given names must not be a place ("Nay Hà Nội")."""
        words = text[start:end].split()
        rest = fold(" ".join(words[2 if fold(" ".join(words[:2])) in _FOLDED_CLANS_FIRST else 1:]))
        place = rest in folded_province_names() or rest in _folded_countries()
        if not rest or (place and not _AGE_RIGHT_AFTER.match(text, end)) or fold(words[-1]) in _PLACE_FIRST_WORDS:
            return None
        self._scores[(start, end, pattern.name)] = pattern.score
        return start, end

    @staticmethod
    def _starts_clause_before_verb(text, start, end, raw_before) -> bool:
        """At the start of a sentence and followed by a verb only people do ("Somchai Wongsawat đi du lịch")."""
        return (not raw_before.strip() or raw_before.rstrip(" \t")[-1:] in ".;:") and _HUMAN_VERB_AFTER.match(text, end) is not None

    def _letter_alone(self, text, start, end, raw_before, has_trigger):
        """A lone capital letter as a name: after "là"/a preposition or before a verb, never after a noun
        that takes a letter ("viêm gan B", "nhóm máu A", "khu C", "tầng B")."""
        if has_trigger or text[start:end] in _ROMAN:
            return None  # after an honorific the given-name rule decides
        previous = _PREVIOUS_WORD.search(raw_before)
        if previous is not None and fold(previous.group(1)) in _LETTER_NOUNS:
            return None
        listed = regex.search(r"(\p{L}+)[ \t]+[A-Z](?:[ \t]*(?:,|và|hoặc)[ \t]*[A-Z])*[ \t]*(?:,|và|hoặc)[ \t]*$", raw_before)
        if listed is not None and fold(listed.group(1)) in _LETTER_NOUNS:
            return None  # "vitamin A và D", "khu A, B"
        after = (_PREPOSITION_BEFORE.search(raw_before) is not None or regex.search(r"(?:^|[^\w])(?i:là|và|rằng|giả sử)[ \t]+$", raw_before)
                 or _letter_in_people_list(text, start, end))
        if not (after or _PERSON_VERB_AFTER.match(text, end) or regex.match(r"[ \t]+(?:đưa|nhiễm|lây|khỏi|có kết quả)(?!\w)", text[end:end + 16])):
            return None
        if regex.match(r"[ \t]*[/+-]?\d", text[end:end + 3]) or regex.search(r"\d[ \t]*$", raw_before):
            return None
        self._scores[(start, end, "letter_alone")] = 0.6
        return start, end

    def _initial_alone(self, text, start, end, raw_before, has_trigger):
        """"T. có đi chơi", "chị NH. - bệnh nhân": one or two capitals and a dot standing for a name."""
        letters = text[start:end - 1]
        latin = _LATIN_WORD_AFTER.match(text, end)
        if latin is not None and _VIETNAMESE_SYLLABLE.fullmatch(latin.group(1)) is None:
            return None  # "E. coli", "P. falciparum"
        if len(letters) == 2 and not has_trigger:
            return None  # "TP.", "BS." are abbreviations
        if letters in ("TP", "TX", "TT", "BS", "TS", "GS", "CN", "KS") and not has_trigger:
            return None
        self._scores[(start, end, "initial_alone")] = 0.7 if has_trigger else 0.6
        return start, end

    def find(self, text: str) -> List[RecognizerResult]:
        """Pattern results, then a second pass over the same text: a name found once makes its later
        bare mentions detectable (the given name of "Nguyễn Hồng Nhung" in "... Nhung được chuyển")."""
        results = super().find(text)
        if not results:
            return results
        covered = [(r.start, r.end) for r in results]
        forms: set[str] = set()
        for result in results:
            name = text[result.start:result.end]
            words = name.split()
            if len(words) >= 2 and _style(words[-1]) == "title" and fold(words[-1]) not in _AMBIGUOUS_GIVEN:
                forms.add(words[-1])
                forms.add(" ".join(words[-2:]))
            elif len(words) == 1 and ("." in name and len(name) >= 4):
                forms.add(name.rstrip("."))
            elif len(words) == 1 and self._repeatable_given(name):
                forms.add(name)  # "chi hoi dd Ngan nhe, so Ngan la …": the bare name again
        if not forms:
            return results
        extra = []
        for start, end in self._mentions(text, forms):
            if any(start < e and end > s for s, e in covered):
                continue
            before = text[max(0, start - 40):start]
            if _PLACE_BEFORE.search(before.lower()) or _PLACE_CUE_BEFORE.search(before):
                continue
            previous = _PREVIOUS_WORD.search(before)
            if previous is not None and previous.group(1)[:1].isupper() and previous.group(1).lower() not in _HONORIFIC_WORDS:
                continue
            if end < len(text) and regex.match(r"[ \t]+\p{Lu}", text[end:end + 2]):
                continue  # the start of a longer capitalised name
            explanation = self.build_regex_explanation(self.name, "later_mention", "", 0.7, None, self.FLAGS)
            extra.append(RecognizerResult(
                entity_type=self.ENTITY, start=start, end=end, score=0.7, analysis_explanation=explanation,
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
            ))
        return EntityRecognizer.remove_duplicates(results + extra) if extra else results

    @staticmethod
    def _repeatable_given(name: str) -> bool:
        """A one-word given name found after a title, whose later bare mentions are the same person: Title Case,
        three letters or more, and never a number, a direction or a place name alone."""
        folded = fold(name)
        return (len(name) >= 3 and _style(name) == "title" and folded not in _AMBIGUOUS_GIVEN
                and name.lower() not in _NEVER_GIVEN_ALONE and folded not in folded_local_place_names()
                and folded not in folded_province_names() and folded not in _folded_countries())

    @staticmethod
    def _mentions(text: str, forms: set[str]):
        """(start, end) of each whole-word occurrence of the forms (plain string search: no regex to
        compile per text), longest form first, a trailing dot kept."""
        seen: list[tuple[int, int]] = []
        for form in sorted(forms, key=len, reverse=True):
            position = text.find(form)
            while position >= 0:
                end = position + len(form)
                before_ok = position == 0 or not (text[position - 1].isalnum() or text[position - 1] in "._")
                after_ok = end == len(text) or not (text[end].isalnum() or text[end] == "_")
                if before_ok and after_ok and not any(position < e and end > s for s, e in seen):
                    if "." in form and end < len(text) and text[end] == "." and (end + 1 == len(text) or not text[end + 1].isalnum()):
                        end += 1  # initials keep their final dot ("L.T.H.")
                    seen.append((position, end))
                position = text.find(form, position + 1)
        return sorted(seen)

    def score_for(self, text, start, end, match, pattern) -> float:
        return self._scores.pop((start, end, pattern.name), pattern.score)

    @staticmethod
    def _accept_full_name(words, has_trigger: bool, accented_context: bool = True):
        """Number of words (surname + following) that form a name, and its score; None if not a name."""
        style = _style(words[0][2])
        if style == "letter" or style == "mixed":
            return None
        if style == "lower":
            first = words[0][2]
            if accented_context and first not in _LOWER_SURNAMES_EXACT:
                return None
            if not accented_context and first in _COMMON_UNACCENTED_WORDS and not (len(words) > 2 and words[1][2] == "thi"):
                return None  # "la anh" is "là anh"; "ha thi ngoc" is a name
            if not accented_context and len(words) > 1 and f"{first} {words[1][2]}" in _UNACCENTED_PHRASES:
                return None  # "em cam on chi" is "em cảm ơn chị"
        count = 1
        all_known = True
        for index, (_, _, word) in enumerate(words[1:4], 1):
            word_style = _style(word)
            if style == "lower" and accented_context:
                known = word in lower_name_syllables() or word.replace("oà", "òa").replace("uý", "úy") in lower_name_syllables()
            else:
                known = is_name_syllable(word) or (style == "lower" and _unlisted_given_after_middle(words, index))
            if style == "title" and (word_style == "title" or word_style == "letter"):
                all_known = all_known and (known or word_style == "letter")
            elif style == "upper" and (word_style in ("upper", "letter")):
                # Unknown syllables in capitals only after a title or kinship word ("con trai là GIÀNG MÍ VÀNG").
                if not (known or word_style == "letter" or has_trigger):
                    break
                all_known = all_known and (known or word_style == "letter")
            elif style == "lower" and word_style == "lower" and known:
                pass
            else:
                break
            count += 1
        if count < 2:
            return None
        if count == 2 and _style(words[1][2]) == "letter" and (words[1][2] in _ROMAN or not has_trigger):
            return None  # "Hạng I", "Hạng A" are ranks and classes, not "Nguyễn Văn A"
        if style == "lower" and not has_trigger:
            return None
        if style == "title":
            if not all_known and count < 3 and not has_trigger:
                return None
            return count, 0.85 if all_known else 0.6
        if style == "upper":
            if not all_known and count < 3:
                return None
            return count, 0.8 if all_known else 0.7
        return count, 0.7

    @staticmethod
    def _accept_unaccented_name(words):
        """A name typed without diacritics in a note that has them, after a patient label ("bệnh nhân
        le thi thanh"): a surname, a common middle name (thi, van, huu …), then name syllables."""
        if len(words) < 3 or has_diacritics(words[0][2] + words[1][2]) or fold(words[1][2]) not in _COMMON_MIDDLE_NAMES:
            return None
        count = 2
        for index, (_, _, word) in enumerate(words[2:4], 2):
            if has_diacritics(word) or not (word.islower() and (is_name_syllable(word) or _unlisted_given_after_middle(words, index))):
                break
            count += 1
        return (count, 0.7) if count >= 3 else None

    @staticmethod
    def _accept_capitalised_run(words):
        """Two to four capitalised words of one style right after a title, kinship word or patient label
        are a full name even when the surname is not listed ("BN Bành Chương Cảnh", "anh UÔNG TẤT ƯỚC"):
        rare surnames are real surnames. Places and non-name phrases are refused by the caller."""
        style = _style(words[0][2])
        if style not in ("title", "upper"):
            return None
        count = 1
        for _, _, word in words[1:4]:
            one_letter_syllable = len(word) == 1 and word.isupper() and not word.isascii()  # "Ý", "Ư"
            if not (_style(word) == style or one_letter_syllable) or not word.isalpha():
                break
            count += 1
        if count < 2 or not words[0][2].isalpha():
            return None
        name = fold(" ".join(w for _, _, w in words[:count]))
        if name in folded_local_place_names() or name in folded_province_names():
            return None
        return count, 0.7

    @staticmethod
    def _accept_given_name(text, words, honorific: str = ""):
        """A given name alone after an honorific ("chị Hoa", "anh Tuấn Anh", "bà T.", "ông Ksơr")."""
        first = words[0][2]
        if _style(first) == "letter":
            if text[words[0][1]:words[0][1] + 1] == ".":
                return 1, 0.75
            # "bệnh nhân B", "bà M, ông L": a letter standing for a name (not a ward number "P" or a rank "I").
            if first in _ROMAN or regex.match(r"[ \t]*(?:\d|[A-Z]\b)", text[words[0][1]:words[0][1] + 3]):
                return None
            return 1, 0.6
        if _style(first) not in ("title", "upper"):
            return None
        if not is_name_syllable(first) and _style(first) == "title" and _AGE_RIGHT_AFTER.match(text, words[0][1]):
            return 1, 0.7  # "Bệnh nhân Lựu (58 tuổi)": an unlisted given name, an age right after it
        if honorific in _ENGLISH_TITLES and _style(first) == "title":
            return 1, 0.75  # "Mr. Okafor": an English title is followed by a surname, any surname
        if not is_name_syllable(first):
            # An unlisted capitalised word right after a kinship word is a name ("ông Chứ"), unless
            # the two make a place ("Bà Rịa", "Bà Điểm") or the capitals continue (a longer proper name).
            if honorific not in _KINSHIP_FORMS or honorific in _AMBIGUOUS_UNACCENTED or _style(first) != "title":
                return None
            place = fold(honorific + " " + first)
            if place in folded_local_place_names() or place in folded_province_names():
                return None
            if len(words) > 1 and _style(words[1][2]) in ("title", "upper"):
                return None
            return 1, 0.6
        count = 1
        for _, _, word in words[1:2]:
            if _style(word) == _style(first) and is_name_syllable(word):
                count += 1
        return count, 0.75
