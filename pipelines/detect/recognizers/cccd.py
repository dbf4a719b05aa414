from presidio_analyzer import Pattern

from pipelines.reference import provinces_63

from .base import CASE_SENSITIVE, DIGIT_SEPARATOR, OWNER_AFTER_LABEL, VietnamesePatternRecognizer

# The labels of a citizen or old ID card number: "CCCD", "căn cước (công dân)", "CMND", "CMT",
# "chứng minh (nhân dân/thư)", "(số) định danh (cá nhân)", with or without diacritics, any case.
_ID_LABEL = (r"(?i:cccd|cmnd|cmt|căn[ \t]+cước|can[ \t]+cuoc|chứng[ \t]+minh|chung[ \t]+minh|định[ \t]+danh|dinh[ \t]+danh)"
             r"(?:[ \t]+(?i:công[ \t]+dân|cong[ \t]+dan|nhân[ \t]+dân|nhan[ \t]+dan|thư|thu|cá[ \t]+nhân|ca[ \t]+nhan"
             r"|gắn[ \t]+chip|gan[ \t]+chip|điện[ \t]+tử|dien[ \t]+tu))*")
# After the label (or two, "CCCD/CMND"): whose card it is, then "số", "là", ":" ... and, on the same line or the
# next (a form's field), the number, its digits in any grouping with spaces, dots or dashes between them, one
# digit at a time too ("0 3 4 1 9 0 ...", "079-185-002-341").
_LABELLED = (rf"(?=[cCdDđĐ])(?<![^\W_]){_ID_LABEL}(?:[ \t]*/[ \t]*{_ID_LABEL})?{OWNER_AFTER_LABEL}(?:[ \t]*(?i:số|so|là|la)(?![^\W_]))?"
             r"[ \t]*[:#.]?[ \t]*(?:\n[ \t]*)?"
             rf"(?P<pii>\d(?:{DIGIT_SEPARATOR}\d){{11}}|\d(?:{DIGIT_SEPARATOR}\d){{8}})(?!{DIGIT_SEPARATOR}\d|[.,/]\d)")


def _cccd_prefixes() -> frozenset[str]:
    return frozenset(p["cccd_prefix"] for p in provinces_63())


class CccdRecognizer(VietnamesePatternRecognizer):
    """Citizen ID (CCCD/personal ID, 12 digits), old ID card (CMND, 9 digits), passport (letter + 7 digits).

    A CCCD with one of the 63 legacy province prefixes scores high on its own; an unknown prefix,
    a 9-digit CMND or a passport-shaped code needs a context word (Presidio's context enhancer adds
    the difference to reach the analyzer threshold). The e-ID account number is the same 12-digit
    personal ID number, so it is covered by the CCCD pattern. Right after its label ("CCCD", "căn cước",
    "CMND", "số định danh"), a number of 12 or 9 digits is the card's in any grouping, also spaced out
    digit by digit as OCR and hurried typing leave it.
    """

    ENTITY = "VN_CCCD"
    NEEDS = r"\d{3}|(?i:cccd|cmnd|cmt|cước|cuoc|minh|danh)"
    FLAGS = CASE_SENSITIVE
    PATTERNS = [
        Pattern("cccd_12", r"(?<![\d.,/-])0\d{2}(?:[ .]?\d{3}){3}(?![\d/]|[.,]\d)", 0.85),
        Pattern("cmnd_9", r"(?<![\d.,/-])\d{9}(?![\d/]|[.,]\d)", 0.1),
        Pattern("passport", r"(?<![A-Za-z0-9])[A-Z]\d{7}(?![\d])", 0.1),
        Pattern("labelled", _LABELLED, 0.85),
    ]
    CONTEXT = [
        "cccd", "căn cước", "can cuoc", "định danh", "dinh danh", "cmnd", "cmt", "chứng minh", "chung minh",
        "hộ chiếu", "ho chieu", "passport", "cước", "cuoc",
    ]

    def score_for(self, text, start, end, match, pattern) -> float:
        if pattern.name == "cccd_12":
            digits = "".join(ch for ch in text[start:end] if ch.isdigit())
            return pattern.score if digits[:3] in _cccd_prefixes_cached() else 0.1
        return pattern.score


_PREFIXES: frozenset[str] | None = None


def _cccd_prefixes_cached() -> frozenset[str]:
    global _PREFIXES
    if _PREFIXES is None:
        _PREFIXES = _cccd_prefixes()
    return _PREFIXES
