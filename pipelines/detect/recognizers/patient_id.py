from typing import List

from presidio_analyzer import Pattern, RecognizerResult

import regex

from .base import CAPITALISED_NAME, CASE_INSENSITIVE, VietnamesePatternRecognizer
from .case_number import IN_A_PERIOD

_CODE = r"(?P<pii>[A-Z0-9](?:[A-Z0-9._/-]{0,38}[A-Z0-9])?)"
# Papers and records that carry a patient's own number: "hồ sơ số HS25-004431", "đơn thuốc số DT-25-009812",
# "kết quả giải phẫu bệnh số GPB-25-1673",
# "giấy hẹn khám lại số 118/GH-KKB", "số phiếu xét nghiệm XN-25-77120", "mã điều trị TB25-118".
_DOCUMENT = (
    r"(?:hồ sơ|ho so|bệnh án|benh an|đơn thuốc|don thuoc|phiếu|phieu|giấy|giay|sổ|mã điều trị|ma dieu tri"
    r"|giải phẫu bệnh|giai phau benh|sinh thiết|sinh thiet|mã bệnh nhân|mã người bệnh|mã|ma\b|đơn|don\b|bồi thường|boi thuong"
    r"|báo tử|bao tu|chứng tử|chung tu|báo cáo (?:adr|phản ứng có hại|phan ung co hai|sự cố|su co)"
    r"|(?-i:GCT|GRV|GBT|GCS))"
)
# An identity or insurance card, a licence, an invoice, a lot, a staff member or a facility is not a patient's record.
_NOT_A_RECORD = regex.compile(
    r"(?i)\b(?:cccd|cmnd|căn cước|can cuoc|chứng minh|chung minh|hộ chiếu|ho chieu|thẻ|the bhyt|bhxh|bảo hiểm xã hội"
    r"|bao hiem xa hoi|hóa đơn|hoá đơn|hoa don|phép|phep"
    r"|chứng chỉ|chung chi|cchn|thuế|thue|điện thoại|dien thoai|sđt|sdt|đt|liên hệ|lien he|nhân viên|nhan vien|cán bộ|can bo|bác sĩ|bac si|tvv|tư vấn viên|lô|lo\b|sản xuất|đăng ký|dang ky|icd|atc|nhà|nha\b"
    r"|zalo|hotline|tel\b|phone|di động|di dong|fax|viber"
    r"|phản hồi|phan hoi|công văn|cong van|quyết định|quyet dinh|văn bản|van ban|hoàn trả|hoan tra|kho\b"
    r"|ổ dịch|o dich|ghi âm|ghi am|đkkcb|dkkcb|(?:mã|ma)\s+(?:mẫu|mau\b)"
    r"|(?:của|cua)\s+(?:trung tâm|trung tam|cơ quan|co quan|sở|so\b|bộ|bo\b|cục|cuc)"
    r"|(?:mã|ma)\s+(?:số\s+)?(?:thuốc|thuoc|cơ sở|co so|bệnh viện|benh vien|khoa|kcb|đơn vị|don vi|vật tư|dịch vụ|giường))"
)
_NOT_A_CODE = regex.compile(r"(?i)(?:covid|sars|ncov|h\d+n\d+|icd)")
# The code itself: letters and digits with "-" or "/" ("HIV-0341", "GBT-0093/2025", "2025/1147"),
# a series letter and a space before a numbered paper ("CS 1108/2025"), or a long number ("0101250045213");
# at least two digits.
# dotted codes ("BA.2026.088214", "NT.26.04128", "26.0093.418"), a block of letters and digits before a
# serial ("79031NT2611-00418").
_RECORD_CODE = (r"(?-i:(?P<pii>(?=[A-ZĐ0-9/ -]*\d)(?:[A-ZĐ]{1,4} (?=\d{1,7}/\d))?[A-ZĐ]{0,5}\d{0,4}(?:[-/][A-ZĐ0-9]{1,8}){1,3}"
                r"|[A-ZĐ]{0,5}\.?\d{2,4}(?:\.\d{3,8}){1,2}|(?=[A-ZĐ0-9]*[A-ZĐ])\d[A-ZĐ0-9]{3,15}-\d{3,8}|\d{6,15}))")
# A number in thousands groups ("12.500.000") or followed by a currency is an amount, not a code.
_THOUSANDS = regex.compile(r"\d{1,3}(?:\.\d{3})+")
_MONEY_AFTER = regex.compile(r"\s*(?:đ\b|(?:đồng|dong\b)(?!\s+(?:ý|thời|y\b|thoi))|vnđ|vnd|triệu|trieu|nghìn|nghin|ngàn|ngan\b)", regex.IGNORECASE)
# A code that carries its own series letters, a year or sub-series and a serial, joined by "-", "." or "/"
# ("BT-2025-00419", "DT-25-031902", "NT.26.04128", "RV-0927/26", "HSGĐ/2611/0587") needs no "số" after the
# paper it numbers ("Hồ sơ bồi thường BT-2025-00419", "bệnh án NT.26.04128").
_SELF_EVIDENT_CODE = regex.compile(r"[A-ZĐ]{2,5}\d{0,4}(?:[-./][A-ZĐ0-9]{1,8})+[-./]\d{3,8}|[A-ZĐ]{2,5}-\d{3,8}/\d{2,4}")
# The patient's name then the record code in brackets ("bn Khổng Minh Tiến (BA26-30771)", "bệnh nhân Lò Thị Xuân
# (mã BN: B2604455)"): a code with letters and a serial of three digits or more (a room "P.104" is not one).
_NAME_THEN_CODE = (
    rf"\b(?:bn|bệnh nhân|benh nhan|người bệnh|nguoi benh|bệnh nhi|benh nhi)[\s:]+{CAPITALISED_NAME}\s*\(\s*"
    r"(?:(?:mã|ma)(?:\s*(?-i:BN|BA|HS))?\s*[:.]?\s*)?"
    r"(?P<pii>(?-i:(?!BHYT|BHXH|CCCD|CMND)(?:[A-ZĐ]{2,5}\d{0,4}|[A-ZĐ]\d{1,4})(?:[-./][A-ZĐ0-9]{1,8})*[-./]\d{3,8}"
    r"|[A-ZĐ]{1,3}\d{5,12}))\s*[),;]"
)
# The national e-prescription code (Đơn thuốc quốc gia): the facility's 5-digit code, a serial of letters and
# digits (7 in the standard, shorter ones are written too), "-" and the prescription kind (c basic, n narcotic,
# h psychotropic, y traditional medicine): "79031ND2K8T-c".
_E_PRESCRIPTION = r"(?<![\w-])(?-i:(?=[A-Z0-9]{0,11}[A-Z])\d{2}[A-Z0-9]{3}[A-Z0-9]{5,7}-[cnhy])(?![\w-])"


# The next item of a list of codes: ", ", "; ", "và", "hoặc" and a code.
_LIST_NEXT = regex.compile(r"\s*(?:,|;|và|va|hoặc|hoac)\s*(?:và\s+)?(?P<code>[A-ZĐ0-9][A-ZĐ0-9._/-]{2,38}[A-ZĐ0-9])(?![\w/-])")


def _code_shape(code: str) -> str:
    """A code's layout: its letters kept, each run of digits one "9" ("BA25-14208" -> "BA9-9")."""
    return regex.sub(r"\d+", "9", code)


class PatientIdRecognizer(VietnamesePatternRecognizer):
    """Patient and record numbers: `BN1234`, `bn2209771`, `bệnh nhân số 416`, `mã BN 123`, `số hồ sơ ...`,
    MA_LK codes, archive numbers `LT 3307/25`, numbered papers `88/GCT-BV` (transfer, discharge, death)."""

    ENTITY = "VN_PATIENT_ID"
    NEEDS = r"\d"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        # "BN" glued or spaced to a number is the public case-number convention (identifiers.md §10).
        # Not after "mã" ("mã BN 25007381"): "BN" is then part of the label and record_label takes the number.
        # The press writes its case numbers with a thousands dot ("BN 1.384").
        Pattern("bn_number", r"(?<![\w])(?<!\b(?:mã|ma)[\s_]*)(?-i:BN|Bn|bn)[\s.#-]?(?:\d{1,3}(?:\.\d{3})+|\d{1,10})(?![\w/]|[.,]\d)", 0.85),
        # "BN" and a record code of its own ("BN26-1187"), or "BN" then a lettered code ("BN B2604455").
        Pattern("bn_code", r"(?<![\w])(?-i:BN|bn)\d{2,4}-\d{3,8}(?![\w/-])"
                r"|(?<![\w])(?-i:BN|bn)[\s:]+(?P<pii>(?-i:[A-Z]{1,3}\d{5,10}))(?![\w/-])", 0.85),
        Pattern("e_prescription", _E_PRESCRIPTION, 0.85),
        # Archive numbers with their year ("LT 3307/25", "số LT: 1234/2024").
        Pattern("archive_number", r"(?<![\w])(?-i:LT|SLT|SLTr)[\s.:#-]*\d{1,7}/\d{2,4}(?![\w/])", 0.85),
        # Numbered hospital papers: transfer, discharge, death and birth certificates ("88/GCT-BV",
        # "125/GRV", "12/GBT-BVĐK"): GCT giấy chuyển tuyến, GRV ra viện, GBT báo tử, GCS chứng sinh.
        Pattern(
            "paper_number",
            r"(?<![\w/])\d{1,7}(?:/\d{2,4})?/(?-i:G(?:CT|RV|BT|CS|CN|XN|NV|KS|HT|CTV|CTBHYT|TT))(?:-[A-ZĐ0-9]{1,8}){0,3}(?![\w/-])",
            0.85,
        ),
        # A code after a record or paper and "số"/"mã"/":", a few words between ("giấy ra viện số 2025/1147").
        Pattern(
            "document_code",
            rf"\b{_DOCUMENT}(?P<words>(?:[ \t]+\(?[^\W\d_]+\)?){{0,6}}?)[ \t]*(?:số|so|mã|ma|:)?[ \t]*[:#.]?[ \t]*"
            + _RECORD_CODE + r"(?![\w/-])",
            0.85,
        ),
        Pattern("name_then_code", _NAME_THEN_CODE, 0.85),
        Pattern(
            "patient_number",
            r"\b(?:bệnh nhân|benh nhan|người bệnh|nguoi benh|ca bệnh|ca benh|ca)\s+(?:số|so|thứ|thu)\s*[:.]?\s*(?P<pii>\d{1,6})(?![\w/])"
            # "bệnh nhân thứ 2 trong ngày": an ordinal within a period.
            rf"(?!{IN_A_PERIOD})",
            0.85,
        ),
        Pattern(
            "record_label",
            r"(?:\b(?:mã|ma)[\s_]*(?:số\s*|so\s*)?(?:bn|bệnh nhân|benh nhan|người bệnh|nguoi benh|y tế|y te|hsba|hồ sơ|ho so"
            r"|bệnh án|benh an|lk|liên kết|lien ket|lưu trữ|luu tru|đợt điều trị|dot dieu tri|khám|kham|tiếp nhận|tiep nhan"
            r"|(?-i:BA|HSBA)(?![\w]))"
            r"|\bsố[\s_]*(?:hồ sơ|bệnh án|lưu trữ|vào viện|hsba|ra viện|phiếu|nhập viện)(?:\s+bệnh án)?"
            r"|\bso[\s_]*(?:ho so|benh an|luu tru|vao vien|hsba|ra vien|phieu|nhap vien)"
            r"|\bma_(?:lk|bn|hsba|yte)|\bso_luu_tru|\bpid|\bmrn|\bmbn|\bmã hs)"
            r"\s*(?:[:#.]|là|la)?\s*(?:số\s*|so\s*)?[:#]?\s*" + _CODE + r"(?![\w])",
            # Above the CCCD score: a number under a record label is that record's number.
            0.9,
        ),
    ]
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []

    def find(self, text: str) -> List[RecognizerResult]:
        results = super().find(text)
        return results + self._list_continuations(text, results) if results else results

    def _list_continuations(self, text: str, results: List[RecognizerResult]) -> List[RecognizerResult]:
        """Codes that go on a list after a found code, with the same letters and layout
        ("BA25-14208 và BA25-19977", "HS-TT-0091, HS-TT-0094", "B2604455, B2604461, B2604470")."""
        out: List[RecognizerResult] = []
        for found in results:
            code = text[found.start:found.end]
            shape = _code_shape(code)
            if not regex.search(r"[^\W\d_]", code):
                continue  # bare numbers: the case-number recognizer follows their lists
            position = found.end
            while (nxt := _LIST_NEXT.match(text, position)) is not None and _code_shape(nxt.group("code")) == shape:
                out.append(self.result(nxt.start("code"), nxt.end("code"), found.score, "list_continuation"))
                position = nxt.end("code")
        return out

    def invalidate_span(self, text: str, start: int, end: int, match, pattern: Pattern) -> bool:
        if pattern.name != "document_code":
            return False
        code = text[start:end]
        label = text[max(0, match.start() - 4):start]  # "Số phiếu xét nghiệm XN-…": "số" before the paper
        # "mã HIV-0341": a bare "mã" or ":" needs a code with letters; staff certificates are VN_STAFF_ID.
        if "CCHN" in code or _NOT_A_RECORD.search(label) or _NOT_A_CODE.match(code):
            return True
        if _THOUSANDS.fullmatch(code) or (not regex.search(r"[^\W\d_]", code) and _MONEY_AFTER.match(text, end)):
            return True  # an amount
        said_number = regex.search(r"(?i)(?:^|[^\w])(?:số|so|mã|ma)(?![\w])|:", label) is not None
        if not said_number and not _SELF_EVIDENT_CODE.fullmatch(code):
            return True
        return sum(ch.isdigit() for ch in code) < 2

    def invalidate_result(self, pattern_text: str) -> bool:
        # A label followed by a plain word is not a code: require at least one digit.
        return not any(ch.isdigit() for ch in pattern_text)
