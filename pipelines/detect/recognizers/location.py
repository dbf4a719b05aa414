from __future__ import annotations

import regex
from presidio_analyzer import Pattern

from ..lexicon import CENTRAL_CITIES, COUNTRIES, KINSHIP_WORDS, WORLD_REGIONS, fold, alternation, capitalised_variants, case_variants, province_names
from .base import CASE_SENSITIVE, WORD_BOUNDARY_AFTER, WORD_BOUNDARY_BEFORE, VietnamesePatternRecognizer, literal_words

_PROVINCE_ANY_CASE_ALT = alternation(case_variants(list(province_names())))
# Cities below province level ("Nha Trang") are VN_ADDRESS (AddressRecognizer), not LOCATION.
_PROVINCE_ALT = alternation(capitalised_variants(province_names()))
_COUNTRY_ALT = alternation(capitalised_variants(COUNTRIES + WORLD_REGIONS))
_PROVINCE_PREFIX = r"(?i:tỉnh|tinh|thành phố|thanh pho|tp\.?)"
# Lower-case province names count after a place cue ("quê thái bình") or at the end of an address.
_LOWER_PROVINCE_ALT = alternation({v for v in case_variants(list(province_names())) if v.islower() and " " in v})
_PLACE_CUE = r"(?i:quê quán|que quan|quê|que|về|ve|ở|tại|tai|từ|đến|den|đi|di)"
_ADDRESS_UNIT_BEFORE = regex.compile(
    r"(?i:phường|phuong|xã|quận|quan|huyện|huyen|thị trấn|thi tran|thị xã|thi xa|thôn|thon|ấp|xóm|xom|bản|tổ)\s+\S+[^,;\n]{0,40},[ \t]*$"
)
_KINSHIP_BEFORE = regex.compile(
    r"(?:^|[^\w])(?i:" + alternation(case_variants(sorted(KINSHIP_WORDS))) + r")[ \t]+$"
)


# A facility or an authority named after its province ("Bệnh viện Đa khoa tỉnh Phú Thọ", "BV tỉnh Cao Bằng",
# "BHXH tỉnh Long An", "Sở Y tế Nghệ An"): the place name is part of the facility's name, which is not PII.
_FACILITY_BEFORE = regex.compile(
    r"(?i:bệnh viện|benh vien|bv|bvđk|bvdk|ttyt|trung tâm y tế|trung tam y te|cdc|sở y tế|so y te|bhxh"
    r"|bảo hiểm xã hội|bao hiem xa hoi)(?:[ \t]+(?i:đa khoa|da khoa|trung ương|trung uong|sản nhi|nhi|khu vực|khu vuc"
    r"|y học cổ truyền|phục hồi chức năng|phổi|lao|tâm thần|mắt|ung bướu|quân y|tỉnh|tinh|thành phố|tp\.?))*[ \t]+$"
)


def inside_proper_name(text: str, start: int) -> bool:
    """True if the word before start is capitalised and does not start a sentence ("Bệnh viện Việt Đức",
    "Đại học Nha Trang"): a name found there is part of a longer proper name."""
    before = text[max(0, start - 30):start]
    previous = regex.search(r"(\p{L}+)[ \t]+$", before)
    return bool(previous) and previous.group(1)[0].isupper() and not regex.search(
        r"[.!?:;\n]\s*\p{L}+[ \t]+$|^\p{L}+[ \t]+$", before)


def _title_or_upper(words: str) -> bool:
    letters = [w for w in words.replace("-", " ").replace(".", " ").split() if w]
    return all(w[0].isupper() for w in letters)


class LocationRecognizer(VietnamesePatternRecognizer):
    """A province or a country on its own (coarse geography that policy may keep).

    Kept apart from VN_ADDRESS so a release can keep the province while removing finer parts.
    Without a prefix ("tỉnh", "TP.") the name must be capitalised, so "hà nội" in lower-case prose
    needs the prefix; with the prefix any case and no diacritics are accepted.
    """

    ENTITY = "LOCATION"
    FLAGS = CASE_SENSITIVE
    PATTERNS = [
        Pattern(
            "province_prefixed",
            WORD_BOUNDARY_BEFORE + rf"{_PROVINCE_PREFIX}[ \t]*(?:{_PROVINCE_ANY_CASE_ALT})" + WORD_BOUNDARY_AFTER,
            0.85,
        ),
        Pattern("province", WORD_BOUNDARY_BEFORE + rf"(?:{_PROVINCE_ALT})" + WORD_BOUNDARY_AFTER, 0.7),
        Pattern("country", WORD_BOUNDARY_BEFORE + rf"(?:{_COUNTRY_ALT})" + WORD_BOUNDARY_AFTER, 0.6),
        Pattern(
            "province_lower_after_cue",
            WORD_BOUNDARY_BEFORE + rf"{_PLACE_CUE}[ \t]+(?P<pii>{_LOWER_PROVINCE_ALT})" + WORD_BOUNDARY_AFTER,
            0.6,
        ),
        Pattern(
            "province_lower_after_address",
            rf",[ \t]*(?P<pii>{_LOWER_PROVINCE_ALT})(?=[ \t]*(?:[.,;)\n]|$))",
            0.6,
        ),
    ]
    # Where the name lists occur: a province or country starts there; a lower-case province must occur.
    STARTS = {"province": literal_words(_PROVINCE_ALT), "country": literal_words(_COUNTRY_ALT)}
    GATES = dict.fromkeys(("province_lower_after_cue", "province_lower_after_address"), literal_words(_LOWER_PROVINCE_ALT))
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []

    def invalidate_span(self, text, start, end, match, pattern) -> bool:
        span = text[start:end]
        if _KINSHIP_BEFORE.search(text[max(0, start - 12):start]):
            return True  # "bà Nga", "anh Hải Phòng": a person's name
        if _FACILITY_BEFORE.search(text[max(0, start - 60):start]):
            return True
        if pattern.name == "province_lower_after_cue":
            return False
        if pattern.name == "province_lower_after_address":
            return not _ADDRESS_UNIT_BEFORE.search(text[max(0, start - 80):start])
        if pattern.name == "province_prefixed":
            # "thành phố Thanh Hóa" is the provincial capital (an address part), not the province.
            prefix = regex.match(r"(?i:thành phố|thanh pho|tp\.?)[ \t]*", span)
            return bool(prefix) and fold(span[prefix.end():]) not in CENTRAL_CITIES
        if inside_proper_name(text, start):
            return True  # "Bệnh viện Việt Đức"
        # Countries keep their listed inner lower-case words ("Liên bang Nga", "Vương quốc Anh").
        if not (_title_or_upper(span) or (pattern.name == "country" and span[:1].isupper())):
            return True
        # "HN" and "HCM" alone are too short to trust outside an address.
        return span in ("HN",) and text[max(0, start - 2):start].strip(" ") not in (",", "-")
