"""Case and patient numbers as the press and clinicians write them ("bệnh nhân 527", "ca bệnh 2.147",
"bệnh nhân thứ 9", "ca số 31 và 207", "các bệnh nhân 510, 517 và 589", "bệnh nhân từ số 719 đến 723"),
and, in a second pass over the same text, later bare mentions of a number already found as a case
number ("... (1022) ...", "bệnh nhân 447 ... tiếp xúc gần với 447").
"""
from __future__ import annotations

from typing import List

import regex
from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer

# "bệnh nhân", "ca bệnh", "ca nhiễm", "người bệnh", "BN" ... optionally followed by a few words without
# digits ("bệnh nhân dương tính COVID-19 số 32"), then "số", "thứ", "mã số" or nothing.
_LEAD = (
    r"(?=[bBcCnNgGtT])(?<![\w])(?:bệnh nhân|benh nhan|người bệnh|nguoi benh|ca bệnh|ca benh|ca nhiễm|ca nhiem|ca mắc|ca mac"
    r"|ca tử vong|ca tu vong|ca dương tính|ca duong tinh|bệnh nhi|bệnh nhân nhi|ca|(?-i:BN|Bn|bn)"
    r"|(?:các|cac|gồm|gom|từ|tu|bao gồm)\s+(?=số\s*\d{3}))"
)
_COVID = r"(?:covid|ncov|sars[\s-]*cov[\s-]*2|corona)(?:[\s-]*19)?"
# A few words between the lead and "số"/"thứ": letters only (or COVID-19), no sentence break.
_BETWEEN = rf"(?:[\s\"“”]+(?:{_COVID}|[^\W\d_]+)){{0,6}}?"
_NUMBER = r"(?:\d{1,3}(?:\.\d{3})+|\d{1,6})"
# A short parenthesis may sit between the items ("bệnh nhân 360 (nam, 34 tuổi); 362 (nam, 34 tuổi) và 363").
_SEP = r"(?:\s*\([^()\n]{1,40}\))?[\s\"“”]*(?:,|;|và|va|hoặc|hoac|-|–|đến|den|tới|toi|,\s*và)[\s\"“”]*(?:(?:bệnh nhân|benh nhan|ca bệnh|ca|BN|số|so)[\s]*)?"
# A number followed by one of these is a count, an age or a duration, not a case number.
_UNIT_AFTER = regex.compile(
    r"\s*(?:tuổi|tuoi|ngày|ngay|tháng|thang|năm|nam\b|tuần|tuan|giờ|gio|phút|phut|người|nguoi|ca\b|bệnh nhân|"
    r"trường hợp|truong hop|lần|lan\b|mẫu|mau\b|%|km|kg|độ|do\b|h\b|f\d|tầng|phòng|giường|triệu|nghìn|ngàn|tỷ)",
    regex.IGNORECASE,
)
# "12-3" right after the number: a day and month, not a case number.
_DATE_LIKE_AFTER = regex.compile(r"[/-](?:0?[1-9]|1[0-2])(?![\d])")
_STRONG_LEAD = regex.compile(rf"{_LEAD}(?P<between>{_BETWEEN})[\s,\"“”]*(?P<label>(?:từ\s+)?(?:mã\s+)?(?:số|so|thứ|thu)\b|(?:là|gồm|bao gồm|như|từ)(?=\s*(?:\d{{2}}|\d\.\d{{3}})))?[\s:.#\"“”]*(?={_NUMBER})", CASE_INSENSITIVE)
_FIRST_NUMBER = regex.compile(_NUMBER)
# Nouns that take a number of their own ("xe buýt số 32", "cây xăng số 12", "nhà số 5"), and a
# capitalised name ("Petrolimex số 12"): the number is theirs, not the case's.
_NOT_A_CASE_BETWEEN = regex.compile(
    r"(?i)\b(?:ngày|ngay|lần|lan|tuần|tuan|tháng|thang|năm|nhóm|nhom|lô|lo|đợt|dot|tầng|phòng|giường|khu|xe|buýt|buyt"
    r"|tuyến|tuyen|chuyến|chuyen|xăng|quầy|quay|cửa|cổng|cong|bàn|ban|ghế|ghe|nhà|nha|đường|duong|ngõ|ngo|hẻm|hem"
    r"|kiệt|tổ|to|đội|doi|lớp|lop|trường|truong|ki-ốt|kiot|ki ốt|sạp|sap|gian|tàu|tau|bến|ben|cây|cay|trạm|tram|lò|lo)\b"
    r"|(?-i:\b\p{Lu}\p{L}*\b)(?=[\s\"“”]*$)"
)
_NEXT = regex.compile(_SEP + r"(?P<n>" + _NUMBER + r")")
# "thứ 2 trong tuần", "thứ 3 của tháng": an ordinal within a period counts events, it numbers no case.
IN_A_PERIOD = (r"\s+(?:trong|của|cua|kể từ|ke tu)\s+(?:ngày|ngay|tuần|tuan|tháng|thang|năm|nam|quý|quy|hôm|hom"
               r"|đầu|dau)\b")
_ORDINAL_IN_PERIOD = regex.compile(IN_A_PERIOD, regex.IGNORECASE)
# A range written with a dash and no spaces ("27.501-27.533") is one span, dash included.
_RANGE_DASH = regex.compile(r"[-–]")
_BARE_NUMBER = r"(?<![\w.,/:-])(?P<n>{})(?![\w/]|[.,:-]\d)"


def _add_item(spans: list[tuple[int, int, float]], text: str, start: int, end: int, score: float,
              joined: bool = True) -> None:
    """Add the next number of a list; the end of a dash range ("27.501-27.533") joins the span before it."""
    if joined and spans and _RANGE_DASH.fullmatch(text, spans[-1][1], start):
        spans[-1] = (spans[-1][0], end, score)
    else:
        spans.append((start, end, score))


class CaseNumberRecognizer(VietnamesePatternRecognizer):
    """Public case numbers ("bệnh nhân 416", "BN 603", "ca số 31 và 207") and their later bare mentions."""

    ENTITY = "VN_PATIENT_ID"
    NEEDS = r"\d"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [Pattern("case_lead", _STRONG_LEAD.pattern, 0.8)]
    CONTEXT: list = []
    SCORE = 0.8
    SECOND_PASS_SCORE = 0.6

    def find(self, text: str) -> List[RecognizerResult]:
        spans: list[tuple[int, int, float]] = []
        numbers: set[str] = set()
        for lead in _STRONG_LEAD.finditer(text, overlapped=True):
            between = lead.group("between") or ""
            # Words between the lead and the number need "số"/"thứ" ("bệnh nhân tại Huế 3" is not a case).
            if between.strip(" \t\"“”") and not lead.group("label"):
                continue
            # "trước ngày thứ 14", "nhóm bệnh nhân số 2", "lô số 1": an ordinal of something else.
            if _NOT_A_CASE_BETWEEN.search(between):
                continue
            position = lead.end()
            first = _FIRST_NUMBER.match(text, position)
            if first is None or not self._is_case_number(text, first.start(), first.end()):
                continue
            if (lead.group("label") or "").lower() in ("thứ", "thu") and _ORDINAL_IN_PERIOD.match(text, first.end()):
                continue
            spans.append((first.start(), first.end(), self.SCORE))
            after_bn = lead.group().lstrip()[:2].lower() == "bn"
            numbers.add(first.group().replace(".", ""))
            position = first.end()
            while True:
                nxt = _NEXT.match(text, position)
                if nxt is None or not self._is_case_number(text, nxt.start("n"), nxt.end("n")):
                    break
                # After "BN" the first number's span is "BN 1234" (bn_number): a range stays two spans.
                _add_item(spans, text, nxt.start("n"), nxt.end("n"), self.SCORE, joined=not after_bn)
                numbers.add(nxt.group("n").replace(".", ""))
                position = nxt.end()
        if numbers:
            spans.extend(self._later_mentions(text, numbers, spans))
        return self._results(spans)

    @staticmethod
    def _is_case_number(text: str, start: int, end: int) -> bool:
        after = text[end:end + 16]
        value = text[start:end].replace(".", "")
        if _UNIT_AFTER.match(after) or (len(value) <= 2 and int(value) <= 31 and _DATE_LIKE_AFTER.match(after)):
            return False
        return not value.startswith("0")

    def _later_mentions(self, text: str, numbers: set[str], found) -> list[tuple[int, int, float]]:
        """Second pass: bare occurrences of the same numbers (not dates, ages or counts)."""
        covered = {(s, e) for s, e, _ in found}
        pattern = regex.compile(_BARE_NUMBER.format("|".join(sorted(numbers, key=len, reverse=True))))
        out = []
        for match in pattern.finditer(text):
            start, end = match.span("n")
            if (start, end) in covered or not self._is_case_number(text, start, end):
                continue
            before = text[max(0, start - 12):start].lower()
            if regex.search(r"(?:ngày|ngay|tháng|thang|năm|nam|lúc|luc|số nhà|tầng|phòng|hôm|covid|ncov|cov)\s*-?\s*$", before):
                continue
            # A bare number of one digit is too common to be taken as the same case.
            if len(match.group("n")) < 2:
                continue
            out.append((start, end, self.SECOND_PASS_SCORE))
            # A list that goes on from a known number ("gồm 749, 750, 832 và 862").
            position = end
            while True:
                nxt = _NEXT.match(text, position)
                if nxt is None or not self._is_case_number(text, nxt.start("n"), nxt.end("n")):
                    break
                if (nxt.start("n"), nxt.end("n")) not in covered:
                    out.append((nxt.start("n"), nxt.end("n"), self.SECOND_PASS_SCORE))
                position = nxt.end()
        return out

    def _results(self, spans) -> List[RecognizerResult]:
        results = []
        for start, end, score in spans:
            explanation = self.build_regex_explanation(self.name, "case_number", "", score, None, self.FLAGS)
            results.append(RecognizerResult(
                entity_type=self.ENTITY, start=start, end=end, score=score, analysis_explanation=explanation,
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
            ))
        return EntityRecognizer.remove_duplicates(results) if results else results
