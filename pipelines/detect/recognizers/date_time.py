from typing import List

import regex
from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer, preceding_text

_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"
_RANGE_SEP = r"\s*(?:,|;|và|va|-|–|đến|den|tới|toi|hoặc|hoac)\s*(?:(?:ngày|ngay)\s+)?"
_DAY_MONTH = rf"{_DAY}[/-]{_MONTH}(?:[/-](?:{_YEAR}|\d{{2}}))?"
_DATE_WORD = (r"(?:ngày|ngay|hôm|hom|từ|tu|đến|den|lúc|luc|sáng|sang|chiều|chieu|tối|toi|trưa|trua|đêm|dem|vào|vao"
              r"|nay|mai|sau|trước|truoc|khoảng|khoang)")
# Before a bare "2-3" these make it a count or a dose ("uống 2-3 viên", "có 3-4 kết quả"), after it a unit does.
_NOT_DATE_BEFORE = (r"(?:tuổi|tuoi|số|so|lần|lan|tỷ lệ|apgar|mục tiêu|muc tieu|[<>≤≥=]|uống|uong|tiêm|tiem|dùng|dung|nhỏ|xịt|truyền|thở|có|co|hơn|được"
                    r"|khoảng|khoang|mỗi|moi|x|cấp|độ|giai đoạn|grade|type|nhóm|lớp|phục hồi được|lực|luc|cơ lực|sức cơ"
                    r"|điểm|diem|glasgow|gcs|vas|mức|muc|thang|tỉ lệ|tỷ số|ti le|para|pare|lần thứ|thứ|thu"
                    r"|hoạt động|hoat dong|phục vụ|phuc vu|mở cửa|mo cua|hỗ trợ|ho tro|trực|truc|duy trì|duy tri)")
_UNIT_AFTER = (r"(?:ngày|ngay|tuần|tuan|tháng|thang|năm|nam|giờ|gio|h|lần|lan|người|nguoi|ca|bệnh nhân|trường hợp|tuổi|tuoi"
               r"|%|mẫu|km|kg|độ|viên|vien|ống|ong|gói|goi|lọ|chai|ml|mg|g|giọt|lít|cái|miếng|liều|đợt|cm|mm|nhát|bữa"
               r"|cữ|nhịp|kết quả|ket qua|bệnh nền|phút|phut|tiếng|tieng|điểm|x|bát|bat|chén|chen|cốc|coc|ly|thìa|thia"
               r"|muỗng|muong|suất|suat|phần|phan|v|mmol|mmhg|mg/dl)")
# After "ngày 2-3" these make it a dose or a frequency ("ngày 2-3 lần", "uống ngày 1-2 viên").
_DOSE_UNIT = r"(?:lần|lan|viên|vien|ống|ong|gói|goi|lọ|chai|ml|mg|giọt|liều|nhát|bữa|cữ|tuần|tuan|giờ|gio|phút|phut|ngày|ngay)"
# A pain score out of ten a few words after "đau" ("đau vết mổ 3/10", "đau > 6/10") is not a date.
# ("đau 4/10, giảm còn 2/10": a later score of the same pain too).
_PAIN_SCORE_BEFORE = regex.compile(r"\b(?:đau|dau|vas|nrs)(?:\s+[^\W\d_]+|\s*\d{1,2}/10\s*[,;]?){0,4}\s*[<>≤≥=]?\s*$",
                                   regex.IGNORECASE)
# A word between two days of a list ("ngày 20 và 21/4", "từ ngày 2 đến 8/10") separates two dates (the hand-written
# sets' rule); a comma or a dash keeps one ("9, 10, 12/11", "3-6/9").
_WORD_JOINER = regex.compile(r"\s+(?:và|va|đến|den|tới|toi|hoặc|hoac)\s+(?:(?:ngày|ngay)\s+)?(?=\d)", regex.IGNORECASE)
_DURATION_AGO = regex.compile(r"\s+(?:trước|truoc|sau|nữa|nua)(?![\w])", regex.IGNORECASE)
_ABOUT_BEFORE = regex.compile(r"(?:khoảng|khoang)\s+$", regex.IGNORECASE)
# Lunar months by name ("tháng Giêng", "tháng Chạp") and days 1-10 of a lunar month ("mùng 6", "mồng 10").
_LUNAR_MONTH = r"(?:tháng|thang)\s+(?:giêng|gieng|chạp|chap|{m})(?:\s+(?:âm lịch|am lich|âl))?".format(m=r"(?:0?[1-9]|1[0-2])")
_LUNAR_DAY = r"(?:mùng|mồng|mung)\s+(?:0?[1-9]|10)(?!\d|[/.-]\d)"  # "mùng 9-3" is the day-month "9-3"
_TIME = (r"(?:(?:[01]?\d|2[0-3])\s?(?::|h|giờ|gio|g)\s?[0-5]\d(?:\s?(?:p|phút|phut)(?![\w]))?"
         r"|(?:[01]?\d|2[0-3])\s?(?:giờ|gio)\s+(?:kém|kem)\s+[0-5]?\d(?:\s?(?:phút|phut))?)")  # "7 giờ kém 15"
_EN_MONTH = (r"(?-i:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|June|July|August"
             r"|September|October|November|December)")

# Days of the week: "thứ Hai" ... "thứ Bảy", "thứ 2" ... "thứ 7", "Chủ nhật", "CN".
_WEEKDAY_ANY = r"(?:(?:thứ|thu)\s+(?:hai|ba|tư|tu|năm|nam|sáu|sau|bảy|bay|[2-7])|chủ nhật|chu nhat|cn)(?![\w])"
_PART_OF_DAY = r"(?:sáng|sang|chiều|chieu|tối|toi|trưa|trua|đêm|dem|hôm|hom|ca sáng|ca chiều|ca tối|ca đêm|ca chieu|ca sang)"
_HOUR_MARK = r"(?:[01]?\d|2[0-3])\s?(?:h|giờ|gio)(?:\s?[0-5]\d)?"


class DateTimeRecognizer(VietnamesePatternRecognizer):
    """Dates and times as written in Vietnamese notes and in XML 130 (`yyyymmddHHMM`, `yyyymmdd`);
    ranges and lists of days ("từ ngày 3-6/9", "các ngày 9, 10, 12/11"), months ("đầu tháng 5")."""

    ENTITY = "DATE_TIME"
    NEEDS = (r"(?i:\d\s?(?:[/.:hg-]|giờ|gio)|\d\s+(?:tháng|thang)|\d\s*(?:/|năm|nam)|\d{8}|(?:tháng|thang)\s+\d"
             r"|(?:mùng|mồng|mung)\s+\d|(?:tháng|thang)\s+(?:giêng|gieng|chạp|chap)|(?:năm|nam)\s+\d"
             r"|th[ứu]\s+[\w]|ch[ủu] nh|\d,?\s+(?:19|20)\d\d|\d\s+\p{L}{3,9}\.?,?\s+(?:19|20)\d\d|\bt[2-7]\b"
             r"|(?:ngày|ngay)\s+\d{1,2}(?!\d|\s*(?:lần|lan|viên|vien|ống|ong|gói|goi|ml|mg|giọt|giot)(?!\w)))")
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern("dmy", rf"(?=\d)(?<![\d/.-]){_DAY}(?P<sep>[/.-]){_MONTH}(?P=sep)(?:{_YEAR}|\d{{2}})(?![\d]|[/.-]\d)", 0.85),
        Pattern("iso", rf"(?<![\d/-]){_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?)?(?![\d])", 0.85),
        Pattern("compact_datetime", rf"(?<!\d){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d(?!\d)", 0.75),
        Pattern("compact_date", rf"(?<!\d){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)", 0.6),
        # Not the number of a register ("Quyển số: 01/2026").
        Pattern("month_year", rf"(?=\d)(?<![\d/.-])(?<!(?:số|so|Số|SỐ)\s*[:.]?\s*){_MONTH}[/.-]{_YEAR}(?![\d]|[/.-]\d)", 0.7),
        Pattern(
            "words",
            rf"\b(?:ngày|ngay)\s+(?P<pii>{_DAY}\s+(?:tháng|thang)\s+{_MONTH}(?:\s*(?:,\s*)?(?:năm|nam)\s+{_YEAR})?)(?!\d)",
            0.85,
        ),
        Pattern("month_words", rf"\b(?:tháng|thang)\s+{_MONTH}\s*(?:/|năm|nam)\s*{_YEAR}(?!\d)", 0.8),
        # A full date in words needs no "ngày" before it ("Ngày ra viện: 28 tháng 11 năm 2026").
        Pattern("day_words", rf"(?=\d)(?<![\d/.,]){_DAY}\s+(?:tháng|thang)\s+{_MONTH}\s*(?:,\s*)?(?:năm|nam)\s+{_YEAR}(?!\d)", 0.8),
        # English dates in translated summaries: "Nov 9, 2026", "14 November 2026", "March 3rd, 2026".
        Pattern(
            "english",
            rf"(?-i:(?=[JFMASOND][a-z]))(?<![\w]){_EN_MONTH}\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\d)"
            rf"|(?=\d)(?<![\w.,/]){_DAY}(?:st|nd|rd|th)?\s+(?-i:(?=[JFMASOND][a-z])){_EN_MONTH}\.?,?\s+{_YEAR}(?!\d)",
            0.8,
        ),
        # A day of the month alone after "ngày" ("đến ngày 12 đã tự thở", "ngay 15 len lay thuoc"): not a dose, a count,
        # an illness or post-operative day ("ngày 3 lần", "ngày 2 sau mổ", "ngày 5 của bệnh").
        Pattern(
            "day_alone",
            rf"(?=[nN])(?<![\w])(?<!(?:mỗi|moi|trong|mấy|may|số|so|những|nhung|các|cac)\s+)(?:ngày|ngay)\s+(?P<pii>{_DAY})"
            rf"(?![\d/.,:-]|\s*(?:{_DOSE_UNIT}|{_UNIT_AFTER}|sau|của|cua|thứ|thu|đầu|dau|điều|dieu|hậu|hau|nằm|nam|tới|toi|ra"
            rf"|đêm|dem|và|va|đến|den|tháng|thang|hoặc|hoac|-)(?![\w]))",
            0.5,
        ),
        # Weekdays abbreviated in messages: "t7 em dua me len", "hen t3 nhe".
        Pattern(
            "weekday_short",
            r"(?-i:(?=t[2-7]))(?<![\w/.-])(?-i:t[2-7])(?=\s+(?:em|e|anh|a|chị|chi|c|mình|minh|tôi|sáng|sang|chiều|chieu|tối|tuần|tuan|này|nay"
            r"|sau|tới|nhé|nhe|được|duoc|có|co|sẽ|se|mới|moi|đi|di|lên|len|về|ve)(?![\w])|\s*[,.?!]|\s*$)",
            0.5,
        ),
        # Day-month without year is only a date after a date word ("ngày 12-3", "từ 5/6").
        Pattern(
            "day_month",
            rf"\b(?:ngày|ngay|hôm|hom|từ|tu|đến|den|lúc|luc|sáng|sang|chiều|chieu|tối|toi|trưa|trua|đêm|dem|vào|vao|nay|mai)"
            rf"\s+(?:{_TIME}\s+(?:ngày\s+|ngay\s+)?)?(?P<pii>{_DAY}[/-]{_MONTH})(?![\d]|[/.-]\d|\s*{_DOSE_UNIT}(?![\w]))",
            0.7,
        ),
        # Ranges and lists where only the last item has the month: "từ ngày 3-6/9", "các ngày 9, 10, 12/11",
        # "ngày 21 và 22-9", "từ ngày 2 đến 8/10", "ngày 9, 10 và 12 tháng 11" (the whole run is the span).
        Pattern(
            "day_list",
            rf"(?=[nNhHtTđĐlLsScCvVmMkK])\b{_DATE_WORD}\s+(?P<pii>{_DAY}(?:[/-]{_MONTH}(?![\d]))?(?:{_RANGE_SEP}{_DAY}(?:[/-]{_MONTH}(?![\d]))?)*{_RANGE_SEP}"
            rf"(?:{_DAY_MONTH}|{_DAY}\s+(?:tháng|thang)\s+{_MONTH}(?:\s*(?:,\s*)?(?:năm|nam)\s+{_YEAR})?))(?![\d]|[/.-]\d)",
            0.75,
        ),
        # A day-month after another date in a list: "ngày 30-3, 2-4 và 5-4; 8-4".
        Pattern(
            "day_month_list",
            rf"(?=\d)(?<![\d/.-]){_DAY_MONTH}{_RANGE_SEP}(?P<pii>{_DAY_MONTH})(?![\d]|[/.-]\d)",
            0.7,
        ),
        # Months as dates: "tháng 3", "trong tháng 11" (not "3 tháng", a duration); a vague date tied to a month
        # keeps its word ("đầu tháng 5", "giữa tháng 8", "cuối tháng 12").
        Pattern(
            "month_alone",
            rf"(?=[tT]h|[đĐ]ầ|[gG]i|[cC]u|[dD]a)(?<!\d[ \t]{{0,2}})(?<![\w])(?P<pii>(?:(?:đầu|giữa|cuối|dau|giua|cuoi)\s+)?(?:tháng|thang)\s+{_MONTH}(?:\s*(?:-|–|và|đến|tới)\s*{_MONTH})?)"
            rf"(?![\d/.,]\d|\d|\s*(?:tuổi|tuoi))",
            0.6,
        ),
        # A bare day-month ("khỏi bệnh 7-4", "hôm nay (9-4)"): not after a word joined by a dash
        # ("COVID-19"), an age or a count word, not before a unit ("1-2 ngày" is a duration).
        Pattern(
            "day_month_bare",
            rf"(?=\d)(?<![\w/.,:-]|[\w]-\s?|{_NOT_DATE_BEFORE}\s+(?:từ\s+)?){_DAY}[/-]{_MONTH}(?:[/-](?:{_YEAR}|\d{{2}}))?"
            rf"(?![\d]|[/.,-]\d|\s*{_UNIT_AFTER}(?![\w]))",
            0.45,
        ),
        # Lunar dates: "mùng 6 tháng Giêng", "28 tháng Chạp", "mồng 10 tháng 3 âm lịch", "mùng 2 Tết".
        Pattern(
            "lunar",
            rf"(?=[mMđĐgGcCdDtT\d])(?<![\w])(?:{_LUNAR_DAY}(?:\s+(?:{_LUNAR_MONTH}|tết|tet))?"
            rf"|{_DAY}\s+(?:tháng|thang)\s+(?:giêng|gieng|chạp|chap)(?:\s+(?:âm lịch|am lich))?"
            rf"|(?:(?:đầu|giữa|cuối|dau|giua|cuoi)\s+)?(?:tháng|thang)\s+(?:giêng|gieng|chạp|chap))(?![\w])",
            0.7,
        ),
        # A range of two day-months joined by a dash is one date ("30/4-1/5", "28/12 – 2/1").
        Pattern(
            "day_month_range",
            rf"(?=\d)(?<![\w/.,:-]){_DAY}/{_MONTH}\s?[-–]\s?{_DAY}/{_MONTH}(?:/(?:{_YEAR}|\d{{2}}))?(?![\d]|[/.,-]\d)",
            0.7,
        ),
        # A weekday with the date after it is one date ("thứ Hai, 30/3", "Chủ nhật 17/5", "thứ Sáu (10/5)").
        Pattern("weekday_date", rf"(?<![\w]){_WEEKDAY_ANY}(?:,?\s+{_DAY_MONTH}|\s*\({_DAY_MONTH}\))(?![\d]|[/.-]\d)", 0.75),
        # A weekday alone is a date when it names one day: after a part of the day ("sáng thứ Ba", "ca chiều thứ 7"),
        # in brackets after its date ("12/3 (thứ Năm)") or before "tuần này/sau" ("thứ 5 tuần sau"); not in a
        # schedule ("làm việc từ thứ Hai đến thứ Sáu").
        Pattern(
            "weekday",
            rf"(?<=(?<![\w]){_PART_OF_DAY}[ \t]+){_WEEKDAY_ANY}"
            rf"|(?<={_DAY_MONTH}[ \t]*\([ \t]*){_WEEKDAY_ANY}(?=[ \t]*\))"
            rf"|(?<![\w]){_WEEKDAY_ANY}(?=\s+(?:tuần|tuan)\s+(?:này|nay|sau|trước|truoc|tới|toi))",
            0.6,
        ),
        # A year after "năm" ("năm 2019", "Năm 2021"); not "nam 2019" (unaccented "nam" is also "male"),
        # not a year of birth ("sinh năm 1990" is the AGE recognizer's).
        Pattern("year", rf"(?<![\w])(?<!(?:sinh|Sinh|SINH)[ \t]+)(?:năm|Năm|NĂM)\s+{_YEAR}(?![\d]|[/.,-]\d)", 0.6),
        # Clock hours joined by dashes: a range or a schedule ("11h-13h", "6h - 11h - 17h", "19h - 7h").
        Pattern("hour_range", rf"(?<![\d:.,]){_HOUR_MARK}(?:\s?[-–]\s?{_HOUR_MARK})+(?![\w/])", 0.6),
        # "22h 10/3": the minutes of "22h 10" would be the day of the date after it.
        Pattern("time", rf"(?<![\d:.,]){_TIME}(?![\d]|(?<=\s\d\d)[/.-]\d)", 0.6),
        # A whole hour is a clock time only after "lúc"/"vào"... or before a part of the day;
        # otherwise it is a duration or an interval ("trước ăn 1 giờ", "3 giờ/lần").
        Pattern(
            "hour",
            r"(?:\b(?:lúc|luc|vào|vao|từ|tu|đến|den|tới|toi|khoảng|khoang|mai|nay)\s+(?P<pii>(?:[01]?\d|2[0-3])\s?(?:giờ|gio|h))(?![\w/])"
            r"|(?<![\d:.,])(?P<pii>(?:[01]?\d|2[0-3])\s?(?:giờ|gio|h))\s+(?=(?:sáng|sang|chiều|chieu|tối|toi|trưa|trua|đêm|dem|hôm|hom|ngày|ngay)\b)"
            # An hour before the date it belongs to ("22h 10/3", "16h 27/3").
            r"|(?<![\d:.,])(?P<pii>(?:[01]?\d|2[0-3])h)\s+(?=(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])(?!\d))"
            # An afternoon or evening hour as a limit ("trước 16h", "sau 20h"): 13h-23h are not durations there.
            # Before "trước" a morning hour too ("ra viện trước 10h").
            r"|\b(?:trước|truoc)\s+(?P<pii>(?:[6-9]|1\d|2[0-3])h)(?![\w/])|\bsau\s+(?P<pii>(?:1[3-9]|2[0-3])h)(?![\w/])"
            # The hours of a monitoring log, each before its reading ("Theo dõi: 13h HA 150/95, 14h HA 140/90").
            r"|(?:^|(?<=[:;,]\s?))(?P<pii>(?:[01]?\d|2[0-3])h)\s+(?=(?-i:[A-Z][A-Za-z]{0,4}\d?)\s+\d))",
            0.5,
        ),
        # The route of an order before its hour ("Ceftriaxon 2g TMC 8h"), an hour after another ("lúc 8h và 20h").
        Pattern(
            "hour_in_order",
            r"(?-i:(?=[TIS][A-Z]))(?-i:\b(?:TMC|TM|TB|TDD|TTM|TDW|IV|IM|SC))\s(?P<pii>(?:[01]?\d|2[0-3])h)(?![\w/])"
            r"|(?=\d)(?<![\d:.,])(?:[01]?\d|2[0-3])\s?h(?:[0-5]\d)?\s*(?:,|và|va|hoặc|hoac)\s*(?P<pii>(?:[01]?\d|2[0-3])\s?h)(?![\w/])",
            0.5,
        ),
    ]
    # What each pattern cannot match without (read off the pattern): an hour mark, a digit-separator-digit, a list
    # separator between two numbers, a lunar word, a weekday, an English month, "tháng" and a number ...
    GATES = {
        **dict.fromkeys(("hour", "hour_range", "time", "hour_in_order"), r"\d\s?(?:h|giờ|gio|g|:)"),
        **dict.fromkeys(("dmy", "month_year", "iso"), r"\d[/.-]\d"),
        **dict.fromkeys(("day_month", "day_month_bare", "day_month_range"), r"\d[/-]\d"),
        **dict.fromkeys(("day_list", "day_month_list"), rf"\d{_RANGE_SEP}\d"),
        **dict.fromkeys(("weekday", "weekday_date"), r"(?:thứ|thu)\s|chủ nhật|chu nhat|cn"),
        **dict.fromkeys(("month_alone", "month_words", "words", "day_words"), r"(?:tháng|thang)\s+\d"),
        **dict.fromkeys(("compact_date", "compact_datetime"), r"\d{8}"),
        "lunar": r"(?:mùng|mồng|mung)\s+\d|giêng|gieng|chạp|chap",
        "english": r"(?-i:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
        "day_alone": r"(?:ngày|ngay)\s+\d",
        "year": r"năm\s+\d",
        "weekday_short": r"(?-i:t[2-7])",
    }
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []

    def find(self, text: str) -> List[RecognizerResult]:
        """Pattern results, each list of days joined by a word split into its dates."""
        results = super().find(text)
        if not any(_WORD_JOINER.search(text, r.start, r.end) for r in results):
            return results
        split: list[RecognizerResult] = []
        for r in results:
            start = r.start
            for joiner in _WORD_JOINER.finditer(text, r.start, r.end):
                split.append(self.result(start, joiner.start(), r.score, "day_list"))
                start = joiner.end()
            split.append(r if start == r.start else self.result(start, r.end, r.score, "day_list"))
        return EntityRecognizer.remove_duplicates(split)

    def invalidate_span(self, text: str, start: int, end: int, match, pattern) -> bool:
        """A bare "3/10" a few words after "đau" is a pain score ("đau vết mổ 3/10"), not a date; "khoảng 1h trước"
        (about an hour ago) is a duration, not a clock time."""
        if pattern.name == "hour":
            return _DURATION_AGO.match(text, end) is not None and _ABOUT_BEFORE.search(text, max(0, start - 12), start) is not None
        return pattern.name == "day_month_bare" and _PAIN_SCORE_BEFORE.search(preceding_text(text, start, 50)) is not None
