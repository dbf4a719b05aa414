import regex
from presidio_analyzer import Pattern

from .base import CAPITALISED_NAME, CASE_INSENSITIVE, VietnamesePatternRecognizer

# The staff member's code: letters, digits and up to three "-"/"." parts ("ĐD-1187", "BV2-0718", "KD-DS-0093",
# "TD-115-027", "NT07"), optionally a "/" suffix.
_CODE = r"[A-ZĐ]{0,5}\d{0,10}(?:[-.][A-ZĐ0-9]{1,6}){0,3}(?:/[A-ZĐ]{2,8}-?[A-Z]{0,5})?"
# A label that says the code is a staff member's: "mã nhân viên", "mã NV", "MSNV", "mã ĐTV", "mã GĐV", "mã CB" ...
_STAFF_LABEL = (
    r"(?:\b(?:mã|ma)\s*(?:số\s*|so\s*)?(?:nhân viên|nhan vien|nv|bs|bác sĩ|bac si|bác sỹ|đd|dd|điều dưỡng"
    r"|dieu duong|ktv|kỹ thuật viên|ky thuat vien|tvv|tư vấn viên|tu van vien|đtv|dtv|điện thoại viên|dien thoai vien"
    r"|gđv|gdv|giám định viên|giam dinh vien|cb|cán bộ|can bo|cbyt|ds|dược sĩ|duoc si|người thực hiện|nguoi thuc hien)"
    r"|\bmsnv|\bmnv|\bcchn\s*số|\bsố\s*cchn"
    r"|\bso\s*cchn|\bchứng chỉ hành nghề(?:\s*số)?|\bchung chi hanh nghe(?:\s*so)?)"
)
# A staff role, the person's name, then the code in brackets or after "mã" ("ĐTV Trịnh Hải Yến mã CSKH-0391",
# "giám định viên phụ trách Quan Văn Đức (GDV-26-0318)", "nv bán hàng: Tuấn (mã NT07)").
_ROLE = (r"(?:đtv|dtv|điện thoại viên|tvv|tư vấn viên|giám sát|giam sat|giám định viên|giam dinh vien|gđv|chuyên viên"
         r"|chuyen vien|cán bộ|can bo|nhân viên|nhan vien|nv|điều dưỡng|dieu duong|đd|dược sĩ|duoc si|ds|bác sĩ|bac si|bs"
         r"|ktv|kỹ thuật viên|hộ sinh|nhs)")
# A code after a role: letters first ("CSKH-0391"), or a unit number first with a lettered part ("115-ĐP-014").
_ROLE_CODE = r"(?-i:(?!BN)[A-ZĐ]{1,6}[A-ZĐ0-9]{0,6}(?:-[A-ZĐ0-9]{1,8}){0,3}|\d{2,6}-[A-ZĐ]{1,6}(?:-[A-ZĐ0-9]{1,8}){0,2})"
_ROLE_NAME_CODE = (
    rf"\b{_ROLE}(?:\s+[^\W\d_]+){{0,3}}?[\s:]+{CAPITALISED_NAME}\s*(?:\(\s*(?:(?:mã|ma|msnv)\s*[:.]?\s*)?|,?\s*(?:mã|ma|msnv)\s*[:.]?\s*)"
    rf"(?P<pii>{_ROLE_CODE})(?![\w]|[./]\w)"
)
# An office role, at most two words of what the person does, and "mã" with the code ("cán bộ thẩm định mã TĐ-HN-0662",
# "nhân viên tiếp đón mã TĐ-07"); not after a paper, a patient or a drug. Clinicians are left out: after
# "bác sĩ hội chẩn mã ..." the code is the patient's record.
_OFFICE_ROLE = (r"(?:đtv|dtv|điện thoại viên|tvv|tư vấn viên|giám sát|giam sat|giám định viên|giam dinh vien|gđv|chuyên viên"
                r"|chuyen vien|cán bộ|can bo|nhân viên|nhan vien|nv)")
_NOT_A_DUTY_WORD = (r"(?!(?:đơn|don|phiếu|phieu|hồ|ho|sơ|so|bệnh|benh|án|an|thuốc|thuoc|bn|giường|giuong|khoa|phòng"
                    r"|phong|xét|xet|nghiệm|nghiem|lô|lo|thẻ|the|icd|chỉ|chi|số)(?![\w]))")
_ROLE_DUTY_CODE = (rf"(?=[đĐdDtTgGcCnN])\b{_OFFICE_ROLE}(?:\s+{_NOT_A_DUTY_WORD}(?-i:\p{{Ll}}+)){{0,2}}\s+(?:mã|ma|msnv)\s*[:.]?\s*"
                   rf"(?P<pii>{_ROLE_CODE})(?![\w]|[./]\w)")
# Between a staff label and the code: "của em là", "cua toi la", "là" ("ma NV cua e la DD2341").
_WHOSE = r"(?:\s+(?:của|cua)\s+[^\W\d_]+(?:\s+[^\W\d_]+)?)?(?:\s+(?:là|la))?"


class StaffIdRecognizer(VietnamesePatternRecognizer):
    """Practitioner certificates (`012345/BYT-CCHN`, `004417/HNO-CCHN`, `0831/CCHN-D-SYT-HCM`, `-GPHN`),
    labelled staff codes (`mã nhân viên ĐD-1187`, `mã TVV TV-027`, `MSNV BV2-0718`, `mã GĐV GDV-79-0142`) and
    the code after a staff role and name (`ĐTV Lê Thị A mã CSKH-0391`, `giám định viên Trần B (GDV-26-0318)`)."""

    ENTITY = "VN_STAFF_ID"
    NEEDS = r"\d{2}"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern("cchn", r"(?<![\w/])\d{2,7}\s?/\s?[A-ZĐ]{2,8}(?:\s?-\s?|\s?/\s?)(?:CCHND?|GPHN)(?![\w])", 0.95),
        # Provincial forms with the certificate code first: "0831/CCHN-D-SYT-HCM", "1234/CCHND-SYT-BD".
        Pattern("cchn_provincial", r"(?<![\w/])\d{2,7}\s?/\s?(?:CCHND?|GPHN)(?:-[A-ZĐ]{1,6}){1,4}(?![\w-])", 0.95),
        # Above a record code's score: under a staff label the code is the staff member's.
        Pattern("staff_code", rf"{_STAFF_LABEL}{_WHOSE}\s*[:.#]?\s*(?P<pii>{_CODE})(?![\w])", 0.9),
        Pattern("role_name_code", _ROLE_NAME_CODE, 0.9),
        Pattern("role_duty_code", _ROLE_DUTY_CODE, 0.9),
    ]
    # What these patterns cannot match without: the certificate's letters, a staff label's word, "mã" or a bracket.
    GATES = {
        **dict.fromkeys(("cchn", "cchn_provincial"), r"CCHN|GPHN"),
        **dict.fromkeys(("staff_code", "role_duty_code"), r"mã|ma|msnv|mnv|cchn|chứng chỉ hành nghề|chung chi hanh nghe"),
        "role_name_code": r"\(|mã|ma|msnv",
    }
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []

    def invalidate_result(self, pattern_text: str) -> bool:
        """A code needs two digits, three if it has no letters ("mã NV 12" is too short to be a code)."""
        digits = sum(ch.isdigit() for ch in pattern_text)
        letters = regex.search(r"[^\W\d_]", pattern_text) is not None
        return digits < 2 or (not letters and digits < 3)
