from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer


class AgeRecognizer(VietnamesePatternRecognizer):
    """Ages: `47 tuổi`, `3 tháng tuổi`, `15 ngày tuổi`, `47t` (span includes the unit); birth years
    `sinh năm 1980`, `NS: 1980` (span is the year only, like dates without their "ngày");
    `, 16 tháng,` right after a name (an infant's age in months, between commas); ranges
    ("độ tuổi từ 26 đến 35", "tuổi 22-37", "33 đến 86 tuổi")."""

    ENTITY = "AGE"
    NEEDS = r"(?i:tuổi|tuoi|sinh|sn|ns|\d\s*(?:tháng|thang|t|y))"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern(
            "age_unit",
            # Not a rule's bound ("trẻ em dưới 6 tuổi", "từ 8 tháng đến 4 tuổi"); a second unit stays ("3 tuổi 2 tháng").
            r"(?<!(?:dưới|duoi|trên|tren|đến|den|tới|toi)\s+)(?<!\d\s*(?:-|–)\s*)(?<![\d.,])\d{1,3}(?:[.,]\d)?\s*(?:(?:tháng|thang|ngày|ngay|tuần|tuan|năm|nam)\s*)?"
            r"(?:tuổi|tuoi)(?:\s+\d{1,2}\s*(?:tháng|thang|ngày|ngay)(?!\s*(?:tuổi|tuoi)))?(?![\w])",
            0.85,
        ),
        Pattern("birth_year", r"\b(?:sinh năm|sinh nam|năm sinh|nam sinh|sn|sinh)\s*[:]?\s*(?P<pii>(?:19|20)\d{2})(?!\d)", 0.8),
        # English ages in translated summaries: "36 years", "58 years old", "7 yo".
        Pattern("age_english", r"(?<![\w.,])\d{1,3}[ \t]*(?-i:years old|years|year old|yrs|yo|y/o)(?![\w/])", 0.7),
        Pattern("age_t", r"(?<![\w.,/])\d{1,3}(?-i:t)(?![\w])", 0.6),
        Pattern(
            "age_months",
            r"(?<=\p{L}[ \t]*,[ \t]*)(?P<pii>\d{1,2}[ \t]*(?:tháng|thang))(?=[ \t]*[,.;)]|[ \t]*$)",
            0.5,
        ),
        Pattern("birth_year_label", r"(?<![\w])(?-i:NS|Ns)\s*[:.]?\s*(?P<pii>(?:19|20)\d{2})(?!\d)", 0.7),
        Pattern("age_label", r"\b(?:tuổi|tuoi)\s*:\s*(?P<pii>\d{1,3})(?![\d])", 0.7),
        # Age ranges: "độ tuổi từ 26 đến 35", "tuổi 22-37", "trong khoảng 33 đến 86 tuổi".
        Pattern(
            "age_range_after",
            r"\b(?:độ tuổi|do tuoi|tuổi|tuoi)\s*(?:từ|tu)?\s*(?P<pii>\d{1,3}\s*(?:-|–|đến|den|tới|toi)\s*\d{1,3}(?:\s*(?:tuổi|tuoi))?)(?![\d/])",
            0.8,
        ),
        Pattern(
            "age_range_unit",
            # Not a group in a campaign or a rule ("cho trẻ 1-5 tuổi", "người 18-60 tuổi").
            r"(?<!(?:trẻ|tre|trẻ em|tre em|người|nguoi|nhóm|nhom|em)\s+)(?<![\d.,/])\d{1,3}\s*(?:-|–|đến|den|tới|toi)\s*\d{1,3}\s*(?:tuổi|tuoi)(?![\w])",
            0.85,
        ),
    ]
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []
