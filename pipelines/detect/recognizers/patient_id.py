from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer

_CODE = r"(?P<pii>[A-Z0-9](?:[A-Z0-9._/-]{0,38}[A-Z0-9])?)"


class PatientIdRecognizer(VietnamesePatternRecognizer):
    """Patient and record numbers: `BN1234`, `bn2209771`, `bệnh nhân số 416`, `mã BN 123`, `số hồ sơ ...`,
    MA_LK codes, archive numbers `LT 3307/25`, numbered papers `88/GCT-BV` (transfer, discharge, death)."""

    ENTITY = "VN_PATIENT_ID"
    NEEDS = r"\d"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        # "BN" glued or spaced to a number is the public case-number convention (identifiers.md §10).
        Pattern("bn_number", r"(?<![\w])(?-i:BN|Bn|bn)[\s.#-]?\d{1,10}(?![\w/])", 0.85),
        # Archive numbers with their year ("LT 3307/25", "số LT: 1234/2024").
        Pattern("archive_number", r"(?<![\w])(?-i:LT|SLT|SLTr)[\s.:#-]*\d{1,7}/\d{2,4}(?![\w/])", 0.85),
        # Numbered hospital papers: transfer, discharge, death and birth certificates ("88/GCT-BV",
        # "125/GRV", "12/GBT-BVĐK"): GCT giấy chuyển tuyến, GRV ra viện, GBT báo tử, GCS chứng sinh.
        Pattern(
            "paper_number",
            r"(?<![\w/])\d{1,7}(?:/\d{2,4})?/(?-i:G(?:CT|RV|BT|CS|CN|XN|NV|KS|HT|CTV|CTBHYT|TT))(?:-[A-ZĐ0-9]{1,8}){0,3}(?![\w/-])",
            0.85,
        ),
        Pattern(
            "patient_number",
            r"\b(?:bệnh nhân|benh nhan|người bệnh|nguoi benh|ca bệnh|ca benh|ca)\s+(?:số|so|thứ|thu)\s*[:.]?\s*(?P<pii>\d{1,6})(?![\w/])",
            0.85,
        ),
        Pattern(
            "record_label",
            r"(?:\b(?:mã|ma)[\s_]*(?:số\s*|so\s*)?(?:bn|bệnh nhân|benh nhan|người bệnh|nguoi benh|y tế|y te|hsba|hồ sơ|ho so"
            r"|bệnh án|benh an|lk|liên kết|lien ket|lưu trữ|luu tru|đợt điều trị|dot dieu tri|khám|kham|tiếp nhận|tiep nhan)"
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

    def invalidate_result(self, pattern_text: str) -> bool:
        # A label followed by a plain word is not a code: require at least one digit.
        return not any(ch.isdigit() for ch in pattern_text)
