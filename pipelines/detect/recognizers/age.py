from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer


class AgeRecognizer(VietnamesePatternRecognizer):
    """Ages: `47 tuổi`, `3 tháng tuổi`, `15 ngày tuổi` (span includes the unit), `sinh năm 1980`, `NS: 1980`."""

    ENTITY = "AGE"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern(
            "age_unit",
            r"(?<![\d.,])\d{1,3}(?:[.,]\d)?\s*(?:(?:tháng|thang|ngày|ngay|tuần|tuan|năm|nam)\s*)?(?:tuổi|tuoi)(?![\w])",
            0.85,
        ),
        Pattern("birth_year", r"\b(?:sinh năm|sinh nam|năm sinh|nam sinh|sn)\s*[:]?\s*(?:19|20)\d{2}(?!\d)", 0.8),
        Pattern("birth_year_label", r"(?<![\w])(?-i:NS|Ns)\s*[:.]?\s*(?P<pii>(?:19|20)\d{2})(?!\d)", 0.7),
        Pattern("age_label", r"\b(?:tuổi|tuoi)\s*:\s*(?P<pii>\d{1,3})(?![\d])", 0.7),
    ]
    CONTEXT = ["tuổi", "tuoi", "sinh", "năm sinh"]
