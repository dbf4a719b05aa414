from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer


class BhxhRecognizer(VietnamesePatternRecognizer):
    """Social-insurance numbers (mã số BHXH): 10 digits, reported only next to a BHXH context word.

    A bare 10-digit number is as likely to be a phone number (identifiers.md §5), so the pattern
    score is below the analyzer threshold and the context enhancer lifts it.
    """

    ENTITY = "VN_BHXH"
    NEEDS = r"\d{10}"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [Pattern("bhxh_10", r"(?<![\dA-Za-z.,/-])\d{10}(?![\d/]|[.,]\d)", 0.1)]
    CONTEXT = ["bhxh", "bảo hiểm xã hội", "bao hiem xa hoi", "sổ bảo hiểm", "so bao hiem", "xã hội", "xa hoi"]
