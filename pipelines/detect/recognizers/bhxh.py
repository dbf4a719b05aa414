import regex
from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, DIGIT_SEPARATOR, OWNER_AFTER_LABEL, VietnamesePatternRecognizer

_LABEL = r"\b(?:bhxh|bảo hiểm xã hội|bao hiem xa hoi)"
_DIGIT_GROUPS = r"(?P<pii>\d{2,5}(?:[ .]\d{2,5}){1,4})(?![\d]|[.,]\d)"
_GROUPED_AFTER_LABEL = _LABEL + r"(?:\s+(?:số|so|là|la))?\s*[:#.]?\s*" + _DIGIT_GROUPS
# "mã BHXH của bố 0119 2830 46", "Mã số BHXH vợ ông Điệp: 7922 0441 39", "sổ BHXH 7 9 2 2 0 4 4 1 3 9": after
# "mã"/"số"/"sổ" and the label, whose number it is, then (on the same line or the next, a form's field) the
# digits in any grouping (a sum of money is not written after "mã số BHXH").
_OWNED_AFTER_LABEL = (r"\b(?:mã|ma|số|so|sổ)(?:\s+(?:số|so))?\s+" + _LABEL + OWNER_AFTER_LABEL
                      + r"(?:[ \t]+(?:số|so|là|la)\b)?[ \t]*[:#.]?[ \t]*(?:\n[ \t]*)?"
                      + rf"(?P<pii>\d(?:{DIGIT_SEPARATOR}\d){{9}})(?!{DIGIT_SEPARATOR}\d|[.,/]\d)")


class BhxhRecognizer(VietnamesePatternRecognizer):
    """Social-insurance numbers (mã số BHXH): 10 digits, reported only next to a BHXH context word.

    A bare 10-digit number is as likely to be a phone number (identifiers.md §5), so the pattern
    score is below the analyzer threshold and the context enhancer lifts it. Right after its label, and after
    "mã/số/sổ BHXH" with whose it is, the number needs no context word, in digit groups too.
    """

    ENTITY = "VN_BHXH"
    NEEDS = r"\d{10}|(?i:bhxh|bảo hiểm xã hội|bao hiem xa hoi)"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern("bhxh_10", r"(?<![\dA-Za-z.,/-])\d{10}(?![\d/]|[.,]\d)", 0.1),
        # Written in digit groups right after its label ("sổ BHXH số 7912 3345 06"): no context needed.
        Pattern("bhxh_grouped", _GROUPED_AFTER_LABEL, 0.85),
        Pattern("bhxh_owned", _OWNED_AFTER_LABEL, 0.85),
    ]
    CONTEXT = ["bhxh", "bảo hiểm xã hội", "bao hiem xa hoi", "sổ bảo hiểm", "so bao hiem", "xã hội", "xa hoi"]

    def invalidate_result(self, pattern_text: str) -> bool:
        return len(regex.sub(r"\D", "", pattern_text)) != 10
