from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer

_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"
_TIME = r"(?:[01]?\d|2[0-3])\s?(?::|h|giờ|gio|g)\s?[0-5]\d(?:\s?(?:p|phút|phut)(?![\w]))?"


class DateTimeRecognizer(VietnamesePatternRecognizer):
    """Dates and times as written in Vietnamese notes and in XML 130 (`yyyymmddHHMM`, `yyyymmdd`)."""

    ENTITY = "DATE_TIME"
    NEEDS = r"(?i:\d\s?(?:[/.:hg-]|giờ|gio)|\d\s+(?:tháng|thang)|\d\s*(?:/|năm|nam)|\d{8})"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern("dmy", rf"(?<![\d/.-]){_DAY}(?P<sep>[/.-]){_MONTH}(?P=sep)(?:{_YEAR}|\d{{2}})(?![\d]|[/.-]\d)", 0.85),
        Pattern("iso", rf"(?<![\d/-]){_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?)?(?![\d])", 0.85),
        Pattern("compact_datetime", rf"(?<!\d){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d(?!\d)", 0.75),
        Pattern("compact_date", rf"(?<!\d){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)", 0.6),
        Pattern("month_year", rf"(?<![\d/.-]){_MONTH}[/.-]{_YEAR}(?![\d]|[/.-]\d)", 0.7),
        Pattern(
            "words",
            rf"\b(?:ngày|ngay)\s+(?P<pii>{_DAY}\s+(?:tháng|thang)\s+{_MONTH}(?:\s*(?:,\s*)?(?:năm|nam)\s+{_YEAR})?)(?!\d)",
            0.85,
        ),
        Pattern("month_words", rf"\b(?:tháng|thang)\s+{_MONTH}\s*(?:/|năm|nam)\s*{_YEAR}(?!\d)", 0.8),
        # Day-month without year is only a date after a date word ("ngày 12-3", "từ 5/6").
        Pattern(
            "day_month",
            rf"\b(?:ngày|ngay|hôm|hom|từ|tu|đến|den|lúc|luc|sáng|sang|chiều|chieu|tối|toi|trưa|trua|đêm|dem|vào|vao|nay|mai)"
            rf"\s+(?:{_TIME}\s+(?:ngày\s+|ngay\s+)?)?(?P<pii>{_DAY}[/-]{_MONTH})(?![\d]|[/.-]\d)",
            0.7,
        ),
        Pattern("time", rf"(?<![\d:.,]){_TIME}(?![\d])", 0.6),
        # A whole hour is a clock time only after "lúc"/"vào"... or before a part of the day;
        # otherwise it is a duration or an interval ("trước ăn 1 giờ", "3 giờ/lần").
        Pattern(
            "hour",
            r"(?:\b(?:lúc|luc|vào|vao|từ|tu|đến|den|tới|toi|khoảng|khoang)\s+(?P<pii>(?:[01]?\d|2[0-3])\s?(?:giờ|gio|h))(?![\w/])"
            r"|(?<![\d:.,])(?P<pii>(?:[01]?\d|2[0-3])\s?(?:giờ|gio|h))\s+(?=(?:sáng|sang|chiều|chieu|tối|toi|trưa|trua|đêm|dem|hôm|hom|ngày|ngay)\b))",
            0.5,
        ),
    ]
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []
