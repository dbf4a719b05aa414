from presidio_analyzer import Pattern

from pipelines.reference import provinces_63

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer

# Beneficiary-group codes (identifiers.md §4), plus LH from 2026.
GROUP_CODES = frozenset(
    "DN HX CH NN TK HC XK HT TB NO CT XB TN CS QN CA CY XN MS CC CK CB KC HD TE BT HN DT DK XD TS TC "
    "TQ TA TY HG LS PV CN HS SV GB GD LH".split()
)


class BhytRecognizer(VietnamesePatternRecognizer):
    """Health-insurance card numbers: 2 letters + level 1-5 + 2-digit province + 10-digit BHXH number.

    Spaces or dashes between the parts are accepted (`HC4-01-1234567890`, `HC 4 01 12345 67890`).
    A group or province code outside the lists lowers the score below the threshold unless a
    context word ("thẻ BHYT", "mã thẻ") is near. The 10-digit printed card code (since 2021)
    is reported only next to a card context word.
    """

    ENTITY = "VN_BHYT"
    NEEDS = r"\d\d"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern(
            "card_15",
            r"(?<![A-Za-z0-9])[A-Z]{2}[\s-]?[1-5][\s-]?\d{2}[\s-]?\d(?:[\s-]?\d){9}(?![\d])",
            0.85,
        ),
        Pattern("card_10", r"(?<![\dA-Za-z.,/-])\d{10}(?![\d/]|[.,]\d)", 0.05),
    ]
    CONTEXT = ["bhyt", "thẻ bảo hiểm", "the bao hiem", "mã thẻ", "ma the", "số thẻ", "so the", "bảo hiểm y tế", "bao hiem y te"]

    def score_for(self, text, start, end, match, pattern) -> float:
        if pattern.name != "card_15":
            return pattern.score
        compact = "".join(ch for ch in text[start:end] if ch.isalnum()).upper()
        province = compact[3:5]
        legacy_codes = {p["old_code"] for p in provinces_63()}
        if compact[:2] in GROUP_CODES and province in legacy_codes:
            return pattern.score
        return 0.1
