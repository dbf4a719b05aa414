from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer


class StaffIdRecognizer(VietnamesePatternRecognizer):
    """Practitioner certificates (`012345/BYT-CCHN`, `004417/HNO-CCHN`, `0831/CCHN-D-SYT-HCM`, `-GPHN`)
    and labelled staff codes (`mã nhân viên ĐD-1187`, `mã TVV TV-027`: a call-centre adviser)."""

    ENTITY = "VN_STAFF_ID"
    NEEDS = r"\d{3}"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern("cchn", r"(?<![\w/])\d{3,7}\s?/\s?[A-ZĐ]{2,8}(?:\s?-\s?|\s?/\s?)(?:CCHND?|GPHN)(?![\w])", 0.95),
        # Provincial forms with the certificate code first: "0831/CCHN-D-SYT-HCM", "1234/CCHND-SYT-BD".
        Pattern("cchn_provincial", r"(?<![\w/])\d{3,7}\s?/\s?(?:CCHND?|GPHN)(?:-[A-ZĐ]{1,6}){1,4}(?![\w-])", 0.95),
        Pattern(
            "staff_code",
            r"(?:\b(?:mã|ma)\s*(?:số\s*|so\s*)?(?:nhân viên|nhan vien|nv|bs|bác sĩ|bac si|bác sỹ|đd|dd|điều dưỡng"
            r"|dieu duong|ktv|tvv|tư vấn viên|tu van vien|cán bộ|can bo|người thực hiện|nguoi thuc hien)|\bmsnv|\bmnv|\bcchn\s*số|\bsố\s*cchn"
            r"|\bso\s*cchn|\bchứng chỉ hành nghề(?:\s*số)?|\bchung chi hanh nghe(?:\s*so)?)\s*[:.#]?\s*"
            r"(?P<pii>[A-ZĐ]{0,4}[-.]?\d{3,10}(?:/[A-ZĐ]{2,8}-?[A-Z]{0,5})?)(?![\w])",
            0.85,
        ),
    ]
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []
