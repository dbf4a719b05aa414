import phonenumbers
import regex
from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, DASH, VietnamesePatternRecognizer, preceding_text

# Between digit groups: a space, dot, dash (also a non-breaking or en dash, "0399 ‑ 018 ‑ 746") or middle dot,
# with a space either side ("0383 · 611 · 029", "0 3 8 8 . 5 0 2 . 7 1 9"), or nothing.
_SEP = r"(?:[ \t\u00a0\u202f]?(?:[.·]|" + DASH + r")[ \t\u00a0\u202f]?|\s)?"
# Mobile prefixes after the 2018 renumbering (identifiers.md §7.1).
# A separator may cut the prefix too ("09 12 34 56 78").
_MOBILE = rf"(?:3{_SEP}[2-9]|5{_SEP}[25689]|7{_SEP}[06-9]|8{_SEP}[1-9]|9{_SEP}\d)"
# Fixed-line national numbers (libphonenumber pattern quoted in identifiers.md §7.2).
_LANDLINE_AREA = r"2(?:0[3-9]|1[0-689]|2[0-25-9]|3[2-9]|4[2-8]|5[124-9]|6[0-39]|7[0-7]|8[2-7]|9[0-4679])"
_LANDLINE_NATIONAL = regex.compile(_LANDLINE_AREA + r"\d{7}")
# "+84", "84", "+84 (0)": the country code, with the trunk zero some writers keep in brackets.
# The trunk zero may also stay unbracketed after "+84" ("+84.0915.337.664").
_INTL = r"(?:\(\+?84\)[\s.-]?|00[\s.-]?84[\s.-]?|\+84[\s.-]?(?:\(0\)[\s.-]?|0(?=[35789]))?|84[\s.-]?(?:\(0\)[\s.-]?)?)"
_EXTENSION = r"(?:số máy lẻ|máy lẻ|may le|số nội bộ|so noi bo|nội bộ|noi bo|máy nhánh|nhánh|nhanh|số lẻ|ext\.?|extension|x)"
# An internal extension on its own, after its keyword ("ĐT nội bộ 2418", "máy lẻ 42", "ext. 15"): the digits only.
_EXTENSION_ALONE = (r"(?<![\w])(?:số máy lẻ|máy lẻ|may le|máy nhánh|may nhanh|ext\.?|extension"
                    r"|(?:số|so|đt|dt|điện thoại|dien thoai|gọi|goi)\s+(?:nội bộ|noi bo))[\s.:]*(?P<pii>\d{1,5})(?![\d]|[.,/]\d)")
# A number read out digit by digit in words ("không chín một hai ..."): nine digits or more.
_DIGIT_WORD = r"(?:không|một|hai|ba|bốn|tư|năm|lăm|sáu|bảy|bẩy|tám|chín)"
_SPELLED = rf"(?<![\w]){_DIGIT_WORD}(?:[ \t]*[,.\-]?[ \t]+{_DIGIT_WORD}){{8,11}}(?![\w])"
_PHONE_LABEL = r"(?:sđt|sdt|đt|dt|điện thoại|dien thoai|di động|di dong|liên hệ|lien he|hotline|zalo|tel|phone|gọi|goi)"
# A foreign number in international form ("+856 20 5512 3874", "+82 10 4471 2236"): "+", a country code other than
# 84 and digit groups; kept only if libphonenumber finds it a valid number of that country.
_FOREIGN = r"(?<![\w+])\+(?!84)[1-9]\d{0,2}(?:[\s.\-]?\(?\d{1,5}\)?){2,5}(?![\d]|[.\-]\d)"
# A phone label right before the number: it is a phone number whatever an ID label further back says
# ("CCCD 079072009135, ĐT 0977 51 23 84").
_LABEL_BEFORE = regex.compile(rf"(?<![\w]){_PHONE_LABEL}[\s:.]*$", regex.IGNORECASE)
_BHXH_CONTEXT = regex.compile(r"(?:bhxh|bảo hiểm xã hội|bao hiem xa hoi|mã số bhxh|cccd|cmnd|căn cước|can cuoc)\W{0,4}(?:\w+\W{1,3}){0,2}$", regex.IGNORECASE)


class PhoneRecognizer(VietnamesePatternRecognizer):
    """Vietnamese mobile and landline numbers, national or +84 form (also "+84 (0) 912 …", "(+84)", "0084"), with
    spaces/dots/dashes (any dash: non-breaking, en, em) or one space between every digit; foreign numbers in "+" form that libphonenumber
    finds valid ("+856 20 5512 3874"); a landline's extension ("máy lẻ 212",
    "ext. 15", "số nội bộ 105") is a PHONE_NUMBER span of its own, the keyword left out."""

    ENTITY = "PHONE_NUMBER"
    NEEDS = rf"\d|(?i:{_DIGIT_WORD}[ \t,.\-]+{_DIGIT_WORD}[ \t,.\-]+{_DIGIT_WORD})"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern("mobile", rf"(?<![\d+])(?:{_INTL}|0){_SEP}\(?{_MOBILE}\)?(?:{_SEP}\d){{7}}(?!\d)", 0.7),
        Pattern("landline", rf"(?<![\d+])(?:{_INTL}\(?|\(?0{_SEP})2{_SEP}\d\)?(?:[\s.\-)·]{{0,3}}\d){{8}}(?!\d)", 0.5),
        # Eleven digits grouped 4-3-4, the layout of the old 11-digit mobiles ("0909 284 5617").
        Pattern("mobile_434", r"(?<![\d+.,])0[1-9]\d{2}(?P<s>[ .\-])\d{3}(?P=s)\d{4}(?![\d]|[.,]\d)", 0.5),
        # A mobile number written digit by digit ("0 9 7 6 1 2 3 4 5 8"): one space between all ten digits.
        Pattern("mobile_spaced", r"(?<![\d+][ ]?)0 (?:[35789]) (?:\d )(?:\d ){6}\d(?![ ]?\d)", 0.6),
        # Pre-2018 11-digit mobile numbers still appear in old notes: only after a phone label.
        # A landline's extension: "028.3927.4418 máy lẻ 212", "(024) 3869 3731 ext. 15" (the extension alone).
        Pattern(
            "landline_extension",
            rf"(?<![\d+])(?:{_INTL}\(?|\(?0)2\d\)?(?:[\s.\-)]{{0,2}}\d){{8}}"
            rf"[\s,\-–]*{_EXTENSION}[\s.:]*(?P<pii>\d{{1,5}})(?!\d)",
            0.55,
        ),
        Pattern("foreign", _FOREIGN, 0.6),
        Pattern("extension", _EXTENSION_ALONE, 0.55),
        Pattern("spelled", _SPELLED, 0.55),
        Pattern("mobile_old", rf"{_PHONE_LABEL}[\s:.]*(?P<pii>(?:\+?84|0){_SEP}1[2-9]\d(?:{_SEP}\d){{7}})(?!\d)", 0.6),
    ]
    # What these patterns cannot match without: an extension keyword, "1[2-9]" and a digit.
    GATES = {
        "extension": r"máy lẻ|may le|máy nhánh|may nhanh|ext|nội bộ|noi bo",
        "mobile_old": r"1[2-9]\d",
    }
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []

    def invalidate_result(self, pattern_text: str) -> bool:
        if pattern_text.startswith("+") and not pattern_text.startswith("+84"):
            return not _valid_foreign(pattern_text)
        digits = "".join(ch for ch in pattern_text.replace("(0)", "") if ch.isdigit())
        if len(digits) <= 5:
            return False  # an extension (its landline was checked by the "landline_extension" pattern)
        international = regex.match(r"[(\s]*(?:\+|00[\s.-]?)?84", pattern_text) is not None and not pattern_text.lstrip("(").startswith("0 ")
        if digits.startswith("0084"):
            digits = digits[2:]
        national = digits[2:] if international and digits.startswith("84") else digits[1:]
        if national.startswith("2"):
            return not _LANDLINE_NATIONAL.fullmatch(national)
        return False

    def invalidate_span(self, text: str, start: int, end: int, match, pattern) -> bool:
        if pattern.name == "landline_extension":
            landline = regex.match(r"\D*(\d[\d\s.()\-]*\d)", match.group())
            if landline is None or self.invalidate_result(landline.group(1)):
                return True
        # A 10-digit number labelled as a social-insurance or ID number is not a phone number,
        # unless a phone label stands between that label and the number.
        before = preceding_text(text, match.start(), 30)
        return bool(_BHXH_CONTEXT.search(before)) and not _LABEL_BEFORE.search(before)


def _valid_foreign(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False
