"""Clinical catalogues for the synthetic generator: facilities, ICD-10, drugs, services, lab tests.

Names and ICD-10 codes follow the Vietnamese ICD-10 list (QĐ 4469/QĐ-BYT); codes are written
with a dot (``J06.9``) or as a bare category when it has no subdivision used here (``I10``),
i.e. they match ``^[A-Z]\\d{2}(\\.\\d{1,2})?$``. Drug, service, supply and indicator *codes* are
realistic in shape (``40.17`` oxygen, ``XX.YYYY.ZZZZ`` services, ``N03.02.040`` supplies) but
invented: they are not the official MoH numbering. Prices are in VND, close to 2024 BHYT prices.
Facility codes are 5 characters whose first two digits are the legacy (63-province) code.
"""
from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Facilities
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facility:
    code: str
    name: str
    province: str  # legacy 2-digit province code (first two characters of the code)
    level: str  # "TW" central, "tinh" provincial, "huyen" district, "pk" private clinic
    weight: float  # relative patient volume
    cchn_issuer: str  # issuer abbreviation in staff certificates

    @property
    def inpatient(self) -> bool:
        return self.level != "pk"


_ISSUER = {
    "01": "HNO", "79": "HCM", "31": "HP", "48": "ĐNA", "92": "CT", "38": "TH", "40": "NA", "34": "TB",
    "27": "BN", "26": "VP", "56": "KH", "66": "ĐL", "75": "ĐNAI", "74": "BD", "89": "AG", "96": "CM",
    "22": "QNI", "46": "TTH", "37": "NB", "02": "HG", "14": "SL", "10": "LC", "64": "GL", "91": "KG",
}


def _facility(code: str, name: str, level: str) -> Facility:
    weight = {"TW": 6.0, "tinh": 3.0, "huyen": 1.5, "pk": 0.8}[level]
    issuer = "BYT" if level == "TW" else _ISSUER[code[:2]]
    return Facility(code, name, code[:2], level, weight, issuer)


FACILITIES: tuple[Facility, ...] = (
    _facility("01929", "Bệnh viện Đa khoa Trung ương Hà Nội", "TW"),
    _facility("01001", "Bệnh viện Đa khoa Thành phố Hà Nội", "tinh"),
    _facility("01821", "Trung tâm Y tế quận Hoàng Mai", "huyen"),
    _facility("01033", "Bệnh viện Đa khoa huyện Sóc Sơn", "huyen"),
    _facility("01910", "Phòng khám Đa khoa Hà Thành", "pk"),
    _facility("79001", "Bệnh viện Đa khoa Trung ương Thành phố Hồ Chí Minh", "TW"),
    _facility("79405", "Bệnh viện Quận 8", "huyen"),
    _facility("79518", "Bệnh viện Đa khoa khu vực Thủ Đức", "tinh"),
    _facility("79036", "Phòng khám Đa khoa Sài Gòn", "pk"),
    _facility("31001", "Bệnh viện Hữu nghị Việt Tiệp", "tinh"),
    _facility("31012", "Trung tâm Y tế huyện Thủy Nguyên", "huyen"),
    _facility("48001", "Bệnh viện Đa khoa Đà Nẵng", "tinh"),
    _facility("48104", "Trung tâm Y tế quận Liên Chiểu", "huyen"),
    _facility("92001", "Bệnh viện Đa khoa Trung ương Cần Thơ", "TW"),
    _facility("38001", "Bệnh viện Đa khoa tỉnh Thanh Hóa", "tinh"),
    _facility("38211", "Trung tâm Y tế huyện Hoằng Hóa", "huyen"),
    _facility("40001", "Bệnh viện Hữu nghị Đa khoa Nghệ An", "tinh"),
    _facility("40312", "Trung tâm Y tế huyện Diễn Châu", "huyen"),
    _facility("34001", "Bệnh viện Đa khoa tỉnh Thái Bình", "tinh"),
    _facility("34145", "Trung tâm Y tế huyện Vũ Thư", "huyen"),
    _facility("27001", "Bệnh viện Đa khoa tỉnh Bắc Ninh", "tinh"),
    _facility("26012", "Trung tâm Y tế huyện Tam Dương", "huyen"),
    _facility("56001", "Bệnh viện Đa khoa tỉnh Khánh Hòa", "tinh"),
    _facility("66001", "Bệnh viện Đa khoa vùng Tây Nguyên", "tinh"),
    _facility("66110", "Trung tâm Y tế huyện Krông Pắc", "huyen"),
    _facility("75001", "Bệnh viện Đa khoa Đồng Nai", "tinh"),
    _facility("74017", "Trung tâm Y tế thị xã Bến Cát", "huyen"),
    _facility("89001", "Bệnh viện Đa khoa Trung tâm An Giang", "tinh"),
    _facility("96001", "Bệnh viện Đa khoa Cà Mau", "tinh"),
    _facility("22001", "Bệnh viện Đa khoa tỉnh Quảng Ninh", "tinh"),
    _facility("46001", "Bệnh viện Trung ương Huế", "TW"),
    _facility("37001", "Bệnh viện Đa khoa tỉnh Ninh Bình", "tinh"),
    _facility("02010", "Trung tâm Y tế huyện Đồng Văn", "huyen"),
    _facility("14005", "Bệnh viện Đa khoa tỉnh Sơn La", "tinh"),
    _facility("10020", "Trung tâm Y tế huyện Sa Pa", "huyen"),
    _facility("64001", "Bệnh viện Đa khoa tỉnh Gia Lai", "tinh"),
    _facility("91001", "Bệnh viện Đa khoa tỉnh Kiên Giang", "tinh"),
)
FACILITY_BY_CODE = {f.code: f for f in FACILITIES}

# Hospitals named after people: used in free text as negatives (not PERSON, not PII).
NAMED_HOSPITALS = (
    "Bệnh viện Trần Hưng Đạo", "BV Chợ Rẫy", "Bệnh viện Việt Đức", "BV Bạch Mai", "Bệnh viện Nhi Trung ương",
    "BV Nguyễn Tri Phương", "Bệnh viện Lê Văn Thịnh", "BV Thống Nhất", "Bệnh viện Phạm Ngọc Thạch",
    "BV Nguyễn Trãi", "Bệnh viện Hùng Vương", "BV Trưng Vương", "Bệnh viện K", "BV Phụ sản Từ Dũ",
    "Bệnh viện Lê Lợi", "BV Đa khoa Xanh Pôn", "Bệnh viện Hữu nghị Việt Đức", "BV Nhiệt đới Trung ương",
)

# ---------------------------------------------------------------------------------------------
# Departments (MA_KHOA K01…K60 as in QĐ 5937 annex 5; assignment to specialties is illustrative)
# ---------------------------------------------------------------------------------------------
DEPT_EXAM = "K01"
DEPT_EMERGENCY = "K02"
DEPT_PEDIATRICS = "K48"
DEPT_BY_GROUP = {
    "resp": "K03", "cardio": "K04", "gi": "K05", "endo": "K08", "renal": "K09", "msk": "K12",
    "inf": "K14", "neuro": "K16", "psych": "K18", "skin": "K20", "onc": "K22", "uro": "K24",
    "obst": "K26", "inj": "K27", "surg": "K28", "ent": "K31", "eye": "K33", "other": "K03",
}
BED_NAME_BY_DEPT = {
    "K02": ("Ngày giường Hồi sức cấp cứu - Hạng I", 374_000),
    "K28": ("Ngày giường bệnh Ngoại khoa loại 2 - Hạng I", 234_000),
    "K27": ("Ngày giường bệnh Ngoại khoa loại 2 - Hạng I", 234_000),
    "K26": ("Ngày giường bệnh Phụ - Sản khoa - Hạng I", 199_100),
    "K48": ("Ngày giường bệnh Nhi khoa - Hạng I", 199_100),
    "K22": ("Ngày giường bệnh Nội khoa loại 1 - Hạng I (Ung bướu)", 216_400),
    "K14": ("Ngày giường bệnh Nội khoa loại 1 - Hạng I (Truyền nhiễm)", 216_400),
}
BED_DEFAULT = ("Ngày giường bệnh Nội khoa loại 2 - Hạng I", 183_100)

# ---------------------------------------------------------------------------------------------
# ICD-10 catalogue
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnosis:
    code: str
    name: str
    w_exam: float  # weight among examination visits (MA_LOAI_KCB 01)
    w_chronic: float  # weight among chronic outpatient care (05, 07, 08)
    w_inpatient: float  # weight among inpatient / day / treatment stays (02, 03, 04, 06, 09)
    group: str
    sex: str | None = None  # "M" / "F" when sex-specific
    age_min: int = 0
    age_max: int = 110
    surgery: str | None = None  # procedure service key for surgical cases


def _dx(code, name, exam, chronic, inpatient, group, sex=None, age=(0, 110), surgery=None):
    return Diagnosis(code, name, exam, chronic, inpatient, group, sex, age[0], age[1], surgery)


DIAGNOSES: tuple[Diagnosis, ...] = (
    _dx("J06.9", "Nhiễm trùng đường hô hấp trên cấp, không đặc hiệu", 60, 0, 2, "resp"),
    _dx("J02.9", "Viêm họng cấp, không đặc hiệu", 25, 0, 0.5, "resp"),
    _dx("J03.9", "Viêm amidan cấp, không đặc hiệu", 12, 0, 0.5, "resp", age=(2, 60)),
    _dx("J00", "Viêm mũi họng cấp [cảm thường]", 15, 0, 0, "resp"),
    _dx("J01.9", "Viêm xoang cấp, không đặc hiệu", 6, 0, 0.3, "ent", age=(5, 90)),
    _dx("J20.9", "Viêm phế quản cấp, không đặc hiệu", 25, 0, 6, "resp"),
    _dx("J18.9", "Viêm phổi, không đặc hiệu", 6, 0, 40, "resp"),
    _dx("J21.9", "Viêm tiểu phế quản cấp, không đặc hiệu", 5, 0, 12, "resp", age=(0, 2)),
    _dx("J44.9", "Bệnh phổi tắc nghẽn mạn tính, không đặc hiệu", 5, 15, 12, "resp", age=(40, 110)),
    _dx("J45.9", "Hen phế quản, không đặc hiệu", 5, 8, 4, "resp", age=(3, 110)),
    _dx("J31.2", "Viêm họng mạn", 8, 0, 0, "resp", age=(10, 110)),
    _dx("J30.4", "Viêm mũi dị ứng, không đặc hiệu", 6, 0, 0, "ent", age=(3, 90)),
    _dx("I10", "Tăng huyết áp vô căn (nguyên phát)", 45, 120, 12, "cardio", age=(30, 110)),
    _dx("I11.9", "Bệnh tim do tăng huyết áp không có suy tim (sung huyết)", 5, 15, 2, "cardio", age=(40, 110)),
    _dx("I20.9", "Cơn đau thắt ngực, không đặc hiệu", 5, 8, 8, "cardio", age=(40, 110)),
    _dx("I21.9", "Nhồi máu cơ tim cấp, không đặc hiệu", 0, 0, 5, "cardio", age=(40, 110)),
    _dx("I25.1", "Bệnh tim do xơ vữa động mạch", 2, 8, 3, "cardio", age=(45, 110)),
    _dx("I50.0", "Suy tim sung huyết", 1, 6, 8, "cardio", age=(50, 110)),
    _dx("I48.9", "Rung nhĩ và cuồng nhĩ, không đặc hiệu", 1, 3, 3, "cardio", age=(50, 110)),
    _dx("I63.9", "Nhồi máu não, không đặc hiệu", 0, 3, 15, "neuro", age=(45, 110)),
    _dx("I61.9", "Xuất huyết trong não, không đặc hiệu", 0, 0, 4, "neuro", age=(40, 110)),
    _dx("I69.4", "Di chứng đột quỵ, không xác định do xuất huyết hay nhồi máu", 2, 4, 2, "neuro", age=(45, 110)),
    _dx("I83.9", "Giãn tĩnh mạch chi dưới không loét hoặc viêm", 3, 0, 0.5, "cardio", age=(30, 110)),
    _dx("E11.9", "Bệnh đái tháo đường không phụ thuộc insuline, không có biến chứng", 15, 70, 6, "endo", age=(30, 110)),
    _dx("E11.2", "Bệnh đái tháo đường không phụ thuộc insuline, có biến chứng thận", 2, 5, 2, "endo", age=(35, 110)),
    _dx("E78.5", "Tăng lipid máu, không đặc hiệu", 12, 25, 0, "endo", age=(30, 110)),
    _dx("E05.0", "Nhiễm độc giáp với bướu giáp lan tỏa (Basedow)", 3, 4, 0.5, "endo", age=(15, 80)),
    _dx("E03.9", "Suy giáp, không đặc hiệu", 1, 3, 0, "endo", age=(15, 90)),
    _dx("E87.6", "Hạ kali máu", 0, 0, 2, "endo"),
    _dx("K29.7", "Viêm dạ dày, không đặc hiệu", 35, 0, 3, "gi", age=(10, 110)),
    _dx("K21.9", "Bệnh trào ngược dạ dày-thực quản không có viêm thực quản", 18, 0, 1, "gi", age=(15, 110)),
    _dx("K25.9", "Loét dạ dày, không xác định cấp hay mạn, không chảy máu hoặc thủng", 4, 0, 3, "gi", age=(15, 110)),
    _dx("K35.8", "Viêm ruột thừa cấp, khác và không xác định", 0, 0, 10, "surg", age=(5, 80), surgery="appendectomy"),
    _dx("K80.2", "Sỏi túi mật không có viêm túi mật", 3, 0, 4, "surg", age=(25, 90), surgery="cholecystectomy"),
    _dx("K81.0", "Viêm túi mật cấp", 0, 0, 3, "surg", age=(25, 90), surgery="cholecystectomy"),
    _dx("K74.6", "Xơ gan khác và không đặc hiệu", 1, 4, 4, "gi", age=(35, 110)),
    _dx("K59.0", "Táo bón", 6, 0, 0, "gi"),
    _dx("K52.9", "Viêm dạ dày-ruột và viêm đại tràng không nhiễm trùng, không đặc hiệu", 8, 0, 3, "gi"),
    _dx("K58.9", "Hội chứng ruột kích thích không có tiêu chảy", 4, 0, 0, "gi", age=(15, 90)),
    _dx("K85.9", "Viêm tụy cấp, không đặc hiệu", 0, 0, 3, "gi", age=(18, 90)),
    _dx("K92.2", "Xuất huyết tiêu hóa, không đặc hiệu", 0, 0, 3, "gi", age=(18, 110)),
    _dx("K40.9", "Thoát vị bẹn một bên hoặc không xác định, không tắc nghẽn hoặc hoại thư", 2, 0, 3, "surg",
        sex="M", surgery="hernia"),
    _dx("K02.9", "Sâu răng, không đặc hiệu", 10, 0, 0, "ent", age=(3, 90)),
    _dx("K05.1", "Viêm lợi mạn", 4, 0, 0, "ent", age=(12, 90)),
    _dx("A09", "Tiêu chảy và viêm dạ dày - ruột có nguồn gốc nhiễm trùng", 15, 0, 10, "inf"),
    _dx("A90", "Sốt Dengue [sốt xuất huyết kinh điển]", 3, 0, 4, "inf", age=(3, 80)),
    _dx("A91", "Sốt xuất huyết Dengue", 0, 0, 3, "inf", age=(3, 80)),
    _dx("B01.9", "Thủy đậu không biến chứng", 3, 0, 0.5, "inf", age=(1, 40)),
    _dx("B08.4", "Bệnh tay chân miệng", 3, 0, 4, "inf", age=(0, 6)),
    _dx("B18.1", "Viêm gan virus B mạn, không có tác nhân delta", 3, 8, 1, "inf", age=(15, 90)),
    _dx("B20", "Bệnh HIV dẫn đến bệnh nhiễm trùng và ký sinh trùng", 0, 2.5, 0.3, "inf", age=(16, 80)),
    _dx("A15.0", "Lao phổi, xác nhận bằng soi đờm có hoặc không có nuôi cấy", 0, 1, 0.6, "inf", age=(15, 95)),
    _dx("B35.4", "Nấm da thân", 3, 0, 0, "skin"),
    _dx("B86", "Ghẻ", 1, 0, 0, "skin"),
    _dx("U07.1", "COVID-19, đã xác định virus", 1, 0, 1, "inf"),
    _dx("M54.5", "Đau vùng thắt lưng", 20, 3, 1, "msk", age=(18, 110)),
    _dx("M54.2", "Đau vùng cổ gáy", 8, 0, 0, "msk", age=(18, 110)),
    _dx("M17.9", "Thoái hóa khớp gối, không đặc hiệu", 12, 6, 1, "msk", age=(45, 110)),
    _dx("M47.8", "Thoái hóa cột sống khác", 8, 4, 1, "msk", age=(40, 110)),
    _dx("M79.1", "Đau cơ", 5, 0, 0, "msk", age=(15, 110)),
    _dx("M10.9", "Gút, không đặc hiệu", 4, 4, 0.5, "msk", sex="M", age=(30, 110)),
    _dx("M81.9", "Loãng xương, không đặc hiệu", 2, 3, 0, "msk", sex="F", age=(50, 110)),
    _dx("M06.9", "Viêm khớp dạng thấp, không đặc hiệu", 2, 3, 0.5, "msk", age=(25, 90)),
    _dx("N39.0", "Nhiễm khuẩn hệ tiết niệu, vị trí không xác định", 15, 0, 4, "uro"),
    _dx("N18.5", "Bệnh thận mạn, giai đoạn 5", 0, 6, 2, "renal", age=(20, 100)),
    _dx("N20.0", "Sỏi thận", 5, 0, 3, "uro", age=(20, 90)),
    _dx("N40", "Tăng sản tuyến tiền liệt", 5, 5, 1, "uro", sex="M", age=(50, 110)),
    _dx("N76.0", "Viêm âm đạo cấp", 6, 0, 0, "obst", sex="F", age=(16, 60)),
    _dx("N95.1", "Trạng thái mãn kinh và cận mãn kinh nữ", 2, 0, 0, "obst", sex="F", age=(45, 60)),
    _dx("Z34.9", "Giám sát thai nghén bình thường, không đặc hiệu", 12, 0, 0, "obst", sex="F", age=(17, 45)),
    _dx("O80", "Đẻ thường một thai", 0, 0, 10, "obst", sex="F", age=(17, 45), surgery="delivery"),
    _dx("O82", "Đẻ một thai bằng mổ lấy thai", 0, 0, 6, "obst", sex="F", age=(18, 45), surgery="caesarean"),
    _dx("O20.0", "Dọa sẩy thai", 2, 0, 2, "obst", sex="F", age=(17, 42)),
    _dx("O21.0", "Nghén nhẹ", 1, 0, 0, "obst", sex="F", age=(17, 42)),
    _dx("C34.9", "U ác của phế quản hoặc phổi, không đặc hiệu", 0, 2, 3, "onc", age=(45, 110)),
    _dx("C22.0", "Ung thư biểu mô tế bào gan", 0, 1, 2, "onc", age=(40, 110)),
    _dx("C50.9", "U ác của vú, không đặc hiệu", 0, 2, 2, "onc", sex="F", age=(30, 100)),
    _dx("C16.9", "U ác của dạ dày, không đặc hiệu", 0, 1, 1.5, "onc", age=(40, 100)),
    _dx("C18.9", "U ác của đại tràng, không đặc hiệu", 0, 1, 1.2, "onc", age=(40, 100)),
    _dx("D25.9", "U cơ trơn tử cung, không đặc hiệu", 2, 0, 1, "obst", sex="F", age=(30, 55)),
    _dx("G40.9", "Động kinh, không đặc hiệu", 1, 3, 1, "neuro", age=(2, 90)),
    _dx("G43.9", "Migraine, không đặc hiệu", 4, 0, 0, "neuro", age=(12, 70)),
    _dx("G20", "Bệnh Parkinson", 0.5, 1.5, 0.3, "neuro", age=(55, 110)),
    _dx("G45.9", "Cơn thiếu máu não thoáng qua, không đặc hiệu", 0, 0, 2, "neuro", age=(45, 110)),
    _dx("G47.0", "Mất ngủ", 2, 0, 0, "psych", age=(18, 110)),
    _dx("R51", "Đau đầu", 8, 0, 0, "neuro", age=(10, 110)),
    _dx("F20.9", "Tâm thần phân liệt, không đặc hiệu", 0, 1.5, 0.5, "psych", age=(16, 80)),
    _dx("F32.9", "Giai đoạn trầm cảm, không đặc hiệu", 1.5, 1, 0.2, "psych", age=(14, 90)),
    _dx("F41.9", "Rối loạn lo âu, không đặc hiệu", 2, 0, 0, "psych", age=(14, 90)),
    _dx("H81.1", "Chóng mặt kịch phát lành tính", 3, 0, 1, "neuro", age=(20, 110)),
    _dx("H10.9", "Viêm kết mạc, không đặc hiệu", 6, 0, 0, "eye"),
    _dx("H25.9", "Đục thủy tinh thể người già, không đặc hiệu", 3, 0, 2, "eye", age=(50, 110), surgery="phaco"),
    _dx("H66.9", "Viêm tai giữa, không đặc hiệu", 6, 0, 0.3, "ent"),
    _dx("H52.1", "Cận thị", 2, 0, 0, "eye", age=(6, 50)),
    _dx("L20.9", "Viêm da cơ địa, không đặc hiệu", 4, 0, 0, "skin"),
    _dx("L50.9", "Mày đay, không đặc hiệu", 4, 0, 0.3, "skin"),
    _dx("L02.4", "Áp xe da, nhọt và nhọt độc ở chi", 2, 0, 1, "skin"),
    _dx("S52.5", "Gãy đầu dưới xương quay", 2, 0, 2, "inj", surgery="cast"),
    _dx("S72.0", "Gãy cổ xương đùi", 0, 0, 3, "inj", age=(60, 110), surgery="hip"),
    _dx("S06.0", "Chấn động não", 2, 0, 3, "inj"),
    _dx("S61.0", "Vết thương ngón tay không tổn thương móng", 3, 0, 0, "inj", surgery="suture"),
    _dx("T14.0", "Tổn thương nông ở vùng cơ thể không xác định", 3, 0, 0.5, "inj"),
    _dx("S93.4", "Bong gân và căng cơ cổ chân", 3, 0, 0, "inj", age=(8, 80)),
    _dx("T78.4", "Dị ứng, không đặc hiệu", 2, 0, 0.5, "skin"),
    _dx("R50.9", "Sốt, không đặc hiệu", 8, 0, 3, "other"),
    _dx("R10.4", "Đau bụng khác và không đặc hiệu", 8, 0, 1, "gi"),
    _dx("R42", "Choáng váng và chóng mặt", 4, 0, 0.5, "neuro", age=(15, 110)),
    _dx("D64.9", "Thiếu máu, không đặc hiệu", 3, 1, 2, "other"),
    _dx("Z00.0", "Khám sức khỏe tổng quát", 5, 0, 0, "other"),
    _dx("E86", "Giảm thể tích dịch", 0, 0, 1, "other"),
)
DIAGNOSIS_BY_CODE = {d.code: d for d in DIAGNOSES}
# Comorbidities written in MA_BENH_KT for adults.
COMORBIDITIES = ("I10", "E11.9", "E78.5", "K29.7", "M17.9", "I25.1", "K21.9", "M47.8", "J44.9", "D64.9",
                 "E11.2", "N40", "B18.1", "I50.0", "M54.5", "G47.0", "R51")
COMORBIDITIES_CHILD = ("J06.9", "J30.4", "K59.0", "R50.9", "L20.9", "D64.9", "A09")

SYMPTOMS = {
    "resp": ("Sốt, ho", "Ho, sổ mũi", "Đau họng, sốt nhẹ", "Ho có đờm", "Khó thở", "Sốt cao, ho nhiều",
             "Ho khan kéo dài", "Sốt, ho, khò khè", "Chảy nước mũi, hắt hơi"),
    "cardio": ("Đau đầu, chóng mặt", "Tức ngực", "Đau ngực trái", "Hồi hộp, khó thở khi gắng sức",
               "Tăng huyết áp", "Mệt, khó thở", "Phù hai chân"),
    "endo": ("Khát nhiều, tiểu nhiều", "Mệt mỏi, sụt cân", "Kiểm tra đường huyết", "Run tay, hồi hộp",
             "Mệt mỏi, chuột rút"),
    "gi": ("Đau bụng thượng vị", "Nôn, tiêu chảy", "Ợ hơi, ợ chua", "Đi ngoài phân đen", "Đau bụng âm ỉ",
           "Đầy bụng, khó tiêu", "Vàng da, mệt mỏi"),
    "surg": ("Đau bụng hố chậu phải", "Đau bụng hạ sườn phải", "Khối phồng vùng bẹn", "Đau bụng, sốt",
             "Đau bụng quanh rốn lan xuống hố chậu phải"),
    "msk": ("Đau lưng", "Đau khớp gối", "Đau vai gáy", "Hạn chế vận động", "Đau các khớp", "Sưng đau ngón chân cái"),
    "uro": ("Tiểu buốt, tiểu rắt", "Đau hông lưng", "Tiểu khó", "Tiểu nhiều lần về đêm"),
    "renal": ("Chạy thận nhân tạo định kỳ", "Phù, tiểu ít", "Lọc máu chu kỳ"),
    "obst": ("Khám thai định kỳ", "Đau bụng chuyển dạ", "Ra máu âm đạo", "Đau bụng dưới", "Thai quá ngày dự sinh",
             "Ra khí hư"),
    "onc": ("Mệt mỏi, gầy sút cân", "Ho kéo dài", "Điều trị hóa chất theo phác đồ", "Đau ngực, ho ra máu",
            "Khám lại theo hẹn sau đợt hóa trị"),
    "inf": ("Sốt cao liên tục", "Tiêu chảy nhiều lần", "Phát ban", "Sốt, mệt mỏi", "Nổi mụn nước ở tay chân",
            "Lĩnh thuốc ARV", "Ho kéo dài, sốt về chiều"),
    "neuro": ("Đau đầu", "Yếu nửa người", "Co giật", "Run tay", "Chóng mặt, buồn nôn", "Nói khó, méo miệng",
              "Tê bì chân tay"),
    "psych": ("Mất ngủ, lo âu", "Tái khám, lĩnh thuốc", "Mất ngủ kéo dài", "Buồn chán, mệt mỏi"),
    "eye": ("Đỏ mắt, chảy nước mắt", "Nhìn mờ", "Cộm mắt"),
    "ent": ("Đau tai, chảy mủ tai", "Ngứa họng", "Đau răng", "Ngạt mũi, chảy mũi", "Chảy máu chân răng"),
    "skin": ("Ngứa, nổi mẩn", "Sưng đau vùng da", "Nổi ban đỏ toàn thân", "Ngứa nhiều về đêm"),
    "inj": ("Ngã xe máy", "Tai nạn sinh hoạt", "Đau sau ngã", "Bị thương do dao cắt", "Ngã cầu thang",
            "Đau sưng cổ chân sau chấn thương"),
    "other": ("Sốt", "Mệt mỏi", "Chóng mặt", "Khám sức khỏe", "Da xanh, mệt"),
}
EXAM_FINDINGS = {
    "resp": ("Họng đỏ", "Phổi ran ẩm 2 đáy", "Phổi thông khí rõ, không ran", "Ran rít, ran ngáy 2 phế trường",
             "Amidan sưng to, có mủ", "Rì rào phế nang giảm đáy phổi phải"),
    "cardio": ("Tim đều, T1 T2 rõ", "Tim loạn nhịp hoàn toàn", "Không phù", "Phù nhẹ 2 chi dưới",
               "Tim nhịp nhanh, không tiếng thổi"),
    "gi": ("Bụng mềm, ấn đau thượng vị", "Bụng chướng nhẹ", "Gan lách không sờ thấy", "Bụng mềm, không chướng"),
    "surg": ("Ấn đau điểm McBurney", "Phản ứng thành bụng (+) hố chậu phải", "Murphy (+)", "Bụng mềm, vết mổ khô",
             "Dấu hiệu Blumberg (+)"),
    "msk": ("Hạn chế gấp duỗi khớp gối", "Ấn đau cạnh cột sống thắt lưng", "Lasègue (-)", "Khớp gối không sưng nóng"),
    "neuro": ("Liệt nửa người phải cơ lực 3/5", "Glasgow 15 điểm", "Không có dấu hiệu thần kinh khu trú",
              "Run tĩnh, tăng trương lực cơ kiểu Parkinson", "Đồng tử 2 bên đều, phản xạ ánh sáng (+)"),
    "obst": ("Tim thai 140 l/p", "Cơn co tử cung đều", "Cổ tử cung mở 3cm", "Ối còn, ngôi chỏm",
             "Tử cung co hồi tốt, sản dịch ít"),
    "default": ("Tỉnh, tiếp xúc tốt", "Da niêm mạc hồng", "Không phù, không xuất huyết dưới da",
                "Thể trạng trung bình", "Hạch ngoại vi không sờ thấy"),
}

# ---------------------------------------------------------------------------------------------
# Drugs (XML2)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drug:
    code: str  # MA_THUOC
    name: str  # TEN_THUOC
    strength: str  # HAM_LUONG
    unit: str  # DON_VI_TINH
    route: str  # DUONG_DUNG code
    form: str  # DANG_BAO_CHE
    price: int  # DON_GIA in VND (integer)
    groups: tuple[str, ...]  # diagnosis groups that use it ("*" any)
    dose: str  # LIEU_DUNG pattern: "{n}" is replaced by the daily quantity
    how: str  # CACH_DUNG
    registration: str  # SO_DANG_KY
    ratio: int = 100  # TYLE_TT_BH
    group_code: str = "4"  # MA_NHOM
    inpatient_only: bool = False
    per_day: float = 2.0  # typical quantity per day


def _drug(code, name, strength, unit, route, form, price, groups, dose, how, reg, ratio=100, nhom="4",
          inp=False, per_day=2.0):
    return Drug(code, name, strength, unit, route, form, price, tuple(groups.split()), dose, how, reg, ratio,
                nhom, inp, per_day)


ORAL, INJECT_IV, INJECT_IM, INFUSION, SUBCUT, TOPICAL, EYE, INHALE, SUBLINGUAL = (
    "1.01", "2.15", "2.10", "2.19", "2.07", "4.04", "4.01", "5.02", "1.03")
DRUGS: tuple[Drug, ...] = (
    _drug("40.17", "Oxy dược dụng", "99,5%", "Lít", INHALE, "Khí nén", 14, "resp cardio neuro", "{n} lít/ngày",
          "Thở oxy qua gọng mũi 2-3 lít/phút", "VD-27654-17", inp=True, per_day=1500),
    _drug("40.88", "Paracetamol 500mg", "500mg", "Viên", ORAL, "Viên nén", 350, "resp inf msk other neuro ent inj",
          "Ngày uống {n} viên, chia 3 lần", "Uống khi sốt trên 38,5 độ, cách nhau ít nhất 4 giờ", "VD-21546-14",
          per_day=3),
    _drug("40.88", "Hapacol 250", "250mg", "Gói", ORAL, "Thuốc bột sủi bọt", 1_650, "resp inf other",
          "Ngày {n} gói, chia 3 lần", "Hòa tan vào nước, uống khi sốt", "VD-20561-14", per_day=3),
    _drug("40.88", "Paracetamol Kabi 1000", "1g/100ml", "Chai", INFUSION, "Dung dịch tiêm truyền", 19_000,
          "resp inf surg obst inj", "{n} chai/ngày", "Truyền tĩnh mạch XXX giọt/phút", "VN-19425-15", inp=True,
          per_day=2),
    _drug("40.50", "Ibuprofen 400mg", "400mg", "Viên", ORAL, "Viên nén bao phim", 900, "msk inj ent",
          "Ngày {n} viên, chia 2 lần", "Uống sau ăn no", "VD-23421-15", per_day=2),
    _drug("40.38", "Meloxicam 7,5mg", "7,5mg", "Viên", ORAL, "Viên nén", 480, "msk", "Ngày {n} viên",
          "Uống sau ăn sáng", "VD-25782-16", per_day=1),
    _drug("40.20", "Diclofenac 75mg/3ml", "75mg/3ml", "Ống", INJECT_IM, "Dung dịch tiêm", 2_100, "msk inj surg",
          "{n} ống/ngày", "Tiêm bắp sâu", "VD-24511-16", inp=True, per_day=1),
    _drug("40.150", "Amoxicilin 500mg", "500mg", "Viên", ORAL, "Viên nang cứng", 1_050, "resp ent uro skin",
          "Ngày {n} viên, chia 2 lần", "Uống trước ăn 30 phút", "VD-20132-13", per_day=2),
    _drug("40.152", "Augmentin 625mg", "500mg + 125mg", "Viên", ORAL, "Viên nén bao phim", 14_500,
          "resp ent uro skin", "Ngày {n} viên, chia 2 lần", "Uống ngay trước bữa ăn", "VN-20366-17", per_day=2),
    _drug("40.161", "Cefuroxim 500mg", "500mg", "Viên", ORAL, "Viên nén bao phim", 4_200, "resp ent uro",
          "Ngày {n} viên, chia 2 lần sáng - chiều", "Uống sau ăn", "VD-26180-17", per_day=2),
    _drug("40.165", "Ceftriaxon 1g", "1g", "Lọ", INJECT_IV, "Bột pha tiêm", 16_800, "resp uro surg inf gi",
          "{n} lọ/ngày", "Tiêm tĩnh mạch chậm, thử phản ứng trước tiêm", "VD-28510-17", inp=True, per_day=2),
    _drug("40.168", "Cefotaxim 1g", "1g", "Lọ", INJECT_IV, "Bột pha tiêm", 9_900, "resp inf obst surg",
          "{n} lọ/ngày, chia 2 lần", "Tiêm tĩnh mạch chậm", "VD-22941-15", inp=True, per_day=2),
    _drug("40.213", "Ciprofloxacin 500mg", "500mg", "Viên", ORAL, "Viên nén bao phim", 1_200, "uro gi inf",
          "Ngày {n} viên, chia 2 lần", "Uống cách xa bữa ăn", "VD-19813-13", per_day=2),
    _drug("40.217", "Levofloxacin 500mg/100ml", "500mg/100ml", "Chai", INFUSION, "Dung dịch tiêm truyền", 95_000,
          "resp uro", "{n} chai/ngày", "Truyền tĩnh mạch chậm trong 60 phút", "VN-18722-15", ratio=50, nhom="6",
          inp=True, per_day=1),
    _drug("40.226", "Metronidazol 250mg", "250mg", "Viên", ORAL, "Viên nén", 290, "gi obst inf",
          "Ngày {n} viên, chia 3 lần", "Uống sau ăn", "VD-26788-17", per_day=3),
    _drug("40.230", "Azithromycin 250mg", "250mg", "Viên", ORAL, "Viên nang", 3_200, "resp ent",
          "Ngày {n} viên", "Uống trước ăn 1 giờ", "VD-23190-15", per_day=2),
    _drug("40.411", "Amlodipin 5mg", "5mg", "Viên", ORAL, "Viên nén", 190, "cardio", "Ngày {n} viên buổi sáng",
          "Uống sáng", "VD-21901-14", per_day=1),
    _drug("40.424", "Losartan 50mg", "50mg", "Viên", ORAL, "Viên nén bao phim", 890, "cardio renal",
          "Ngày {n} viên", "Uống sáng", "VD-27011-17", per_day=1),
    _drug("40.418", "Nifedipin 20mg", "20mg", "Viên", ORAL, "Viên nén tác dụng kéo dài", 630, "cardio",
          "Ngày {n} viên, chia 2 lần", "Uống sáng - chiều", "VD-25066-16", per_day=2),
    _drug("40.405", "Bisoprolol 2,5mg", "2,5mg", "Viên", ORAL, "Viên nén", 1_100, "cardio",
          "Ngày {n} viên", "Uống sáng", "VN-17234-13", per_day=1),
    _drug("40.440", "Atorvastatin 20mg", "20mg", "Viên", ORAL, "Viên nén bao phim", 980, "cardio endo neuro",
          "Ngày {n} viên buổi tối", "Uống sau ăn tối", "VD-24871-16", per_day=1),
    _drug("40.436", "Clopidogrel 75mg", "75mg", "Viên", ORAL, "Viên nén bao phim", 2_400, "cardio neuro",
          "Ngày {n} viên", "Uống sau ăn", "VD-22458-15", per_day=1),
    _drug("40.434", "Aspirin 81mg", "81mg", "Viên", ORAL, "Viên nén bao tan trong ruột", 350, "cardio neuro",
          "Ngày {n} viên", "Uống sau ăn trưa", "VD-20873-14", per_day=1),
    _drug("40.397", "Furosemid 40mg", "40mg", "Viên", ORAL, "Viên nén", 220, "cardio renal gi",
          "Ngày {n} viên buổi sáng", "Uống sáng, theo dõi lượng nước tiểu", "VD-23855-15", per_day=1),
    _drug("40.531", "Metformin 850mg", "850mg", "Viên", ORAL, "Viên nén bao phim", 480, "endo",
          "Ngày {n} viên, chia 2 lần", "Uống trong hoặc ngay sau bữa ăn", "VD-21877-14", per_day=2),
    _drug("40.535", "Gliclazid 30mg", "30mg", "Viên", ORAL, "Viên nén giải phóng có kiểm soát", 1_300, "endo",
          "Ngày {n} viên buổi sáng", "Uống trước ăn sáng", "VN-19651-16", per_day=1),
    _drug("40.525", "Insulin Mixtard 30", "100IU/ml x 10ml", "Lọ", SUBCUT, "Hỗn dịch tiêm", 118_000, "endo",
          "{n} lọ/đợt", "Tiêm dưới da trước ăn sáng 22 UI, trước ăn tối 14 UI", "QLSP-0653-13", per_day=0.1),
    _drug("40.677", "Omeprazol 20mg", "20mg", "Viên", ORAL, "Viên nang chứa vi hạt bao tan trong ruột", 560, "gi",
          "Ngày {n} viên", "Uống trước ăn sáng 30 phút", "VD-22116-15", per_day=1),
    _drug("40.681", "Esomeprazol 40mg", "40mg", "Lọ", INJECT_IV, "Bột đông khô pha tiêm", 48_000, "gi surg",
          "{n} lọ/ngày", "Tiêm tĩnh mạch chậm", "VN-20102-16", inp=True, per_day=1),
    _drug("40.662", "Phosphalugel", "20g", "Gói", ORAL, "Hỗn dịch uống", 3_800, "gi",
          "Ngày {n} gói, chia 3 lần", "Uống khi đau hoặc sau ăn 1 giờ", "VN-16982-13", per_day=3),
    _drug("40.693", "Smecta", "3g", "Gói", ORAL, "Bột pha hỗn dịch uống", 3_200, "gi inf",
          "Ngày {n} gói, chia 3 lần", "Pha với nửa cốc nước", "VN-19840-16", per_day=3),
    _drug("40.1012", "Oresol 245", "20,5g", "Gói", ORAL, "Thuốc bột uống", 1_500, "gi inf",
          "Ngày {n} gói", "Pha 1 gói với 1 lít nước đun sôi để nguội, uống dần trong ngày", "VD-25340-16",
          per_day=2),
    _drug("40.700", "Domperidon 10mg", "10mg", "Viên", ORAL, "Viên nén", 160, "gi",
          "Ngày {n} viên, chia 3 lần", "Uống trước ăn 15-30 phút", "VD-22783-15", per_day=3),
    _drug("40.980", "Natri clorid 0,9%", "0,9% 500ml", "Chai", INFUSION, "Dung dịch tiêm truyền", 9_800,
          "resp inf gi surg obst neuro renal inj other", "{n} chai/ngày", "Truyền tĩnh mạch XL giọt/phút",
          "VD-21954-14", inp=True, per_day=2),
    _drug("40.984", "Ringer lactat", "500ml", "Chai", INFUSION, "Dung dịch tiêm truyền", 10_500,
          "inf gi surg obst", "{n} chai/ngày", "Truyền tĩnh mạch XL giọt/phút", "VD-21955-14", inp=True, per_day=2),
    _drug("40.982", "Glucose 5%", "5% 500ml", "Chai", INFUSION, "Dung dịch tiêm truyền", 10_200,
          "inf gi neuro onc other", "{n} chai/ngày", "Truyền tĩnh mạch XXX giọt/phút", "VD-22718-15", inp=True,
          per_day=1),
    _drug("40.995", "Kali clorid 10%", "10% 5ml", "Ống", INFUSION, "Dung dịch tiêm", 2_600, "endo gi",
          "{n} ống/ngày pha dịch truyền", "Pha vào dịch truyền, truyền chậm", "VD-23107-15", inp=True, per_day=2),
    _drug("40.312", "Salbutamol 2,5mg/2,5ml", "2,5mg/2,5ml", "Ống", INHALE, "Dung dịch khí dung", 4_600, "resp",
          "{n} ống/ngày", "Khí dung qua mặt nạ", "VN-18541-14", per_day=3),
    _drug("40.315", "Seretide Evohaler 25/125", "25mcg + 125mcg/liều", "Bình", INHALE, "Thuốc xịt định liều",
          235_000, "resp", "{n} bình/đợt", "Xịt 2 nhát x 2 lần/ngày, súc miệng sau xịt", "VN-16267-13",
          per_day=0.034),
    _drug("40.320", "Acetylcystein 200mg", "200mg", "Gói", ORAL, "Thuốc bột pha uống", 850, "resp",
          "Ngày {n} gói, chia 3 lần", "Pha nước uống sau ăn", "VD-24408-16", per_day=3),
    _drug("40.330", "Cetirizin 10mg", "10mg", "Viên", ORAL, "Viên nén bao phim", 250, "skin ent resp",
          "Ngày {n} viên buổi tối", "Uống tối", "VD-20611-14", per_day=1),
    _drug("40.338", "Methylprednisolon 16mg", "16mg", "Viên", ORAL, "Viên nén", 1_900, "resp msk skin",
          "Ngày {n} viên buổi sáng", "Uống sau ăn sáng", "VD-25612-16", per_day=1),
    _drug("40.342", "Dexamethason 4mg/1ml", "4mg/1ml", "Ống", INJECT_IV, "Dung dịch tiêm", 1_300,
          "resp skin onc", "{n} ống/ngày", "Tiêm tĩnh mạch", "VD-19926-13", inp=True, per_day=2),
    _drug("40.600", "Vitamin B1 + B6 + B12", "100mg + 200mg + 200mcg", "Viên", ORAL, "Viên nén bao phim", 700,
          "neuro msk", "Ngày {n} viên, chia 2 lần", "Uống sau ăn", "VD-26121-17", per_day=2),
    _drug("40.610", "Calci carbonat + Vitamin D3", "1250mg + 125IU", "Viên", ORAL, "Viên nén", 1_150,
          "msk obst", "Ngày {n} viên", "Uống sau ăn sáng", "VD-27420-17", per_day=1),
    _drug("40.624", "Sắt fumarat + Acid folic", "162mg + 0,75mg", "Viên", ORAL, "Viên nang", 1_050, "obst other",
          "Ngày {n} viên", "Uống trước ăn 1 giờ", "VD-22301-15", per_day=1),
    _drug("40.760", "Oxytocin 5UI/1ml", "5UI/1ml", "Ống", INJECT_IM, "Dung dịch tiêm", 4_800, "obst",
          "{n} ống", "Tiêm bắp sau sổ thai", "VN-19912-16", inp=True, per_day=1),
    _drug("40.455", "Lidocain 2%", "40mg/2ml", "Ống", INJECT_IM, "Dung dịch tiêm", 650, "inj surg obst",
          "{n} ống", "Gây tê tại chỗ", "VD-24360-16", inp=True, per_day=2),
    _drug("40.60", "Morphin 10mg/1ml", "10mg/1ml", "Ống", INJECT_IV, "Dung dịch tiêm", 6_900, "onc surg",
          "{n} ống/ngày", "Tiêm tĩnh mạch chậm khi đau", "VD-25870-16", inp=True, per_day=1),
    _drug("40.470", "Tenofovir 300mg", "300mg", "Viên", ORAL, "Viên nén bao phim", 3_700, "inf",
          "Ngày {n} viên", "Uống cùng giờ mỗi ngày", "VD-23994-15", per_day=1),
    _drug("40.478", "TLD (Tenofovir + Lamivudin + Dolutegravir)", "300mg + 300mg + 50mg", "Viên", ORAL,
          "Viên nén bao phim", 6_100, "inf", "Ngày {n} viên", "Uống buổi tối cùng giờ", "VN3-292-20", per_day=1),
    _drug("40.260", "Rifampicin + Isoniazid", "150mg + 75mg", "Viên", ORAL, "Viên nén bao phim", 1_200, "inf",
          "Ngày {n} viên", "Uống lúc đói, trước ăn sáng 1 giờ", "VD-21450-14", per_day=3),
    _drug("40.800", "Haloperidol 1,5mg", "1,5mg", "Viên", ORAL, "Viên nén", 400, "psych",
          "Ngày {n} viên, chia 2 lần", "Uống sáng - tối", "VD-20001-13", per_day=2),
    _drug("40.805", "Olanzapin 10mg", "10mg", "Viên", ORAL, "Viên nén", 3_100, "psych", "Ngày {n} viên tối",
          "Uống tối trước khi ngủ", "VD-26019-16", per_day=1),
    _drug("40.812", "Sertralin 50mg", "50mg", "Viên", ORAL, "Viên nén bao phim", 2_300, "psych",
          "Ngày {n} viên", "Uống sáng sau ăn", "VN-19202-15", per_day=1),
    _drug("40.820", "Valproat natri 500mg", "500mg", "Viên", ORAL, "Viên nén bao tan trong ruột", 3_400,
          "neuro psych", "Ngày {n} viên, chia 2 lần", "Uống sau ăn", "VN-18091-14", per_day=2),
    _drug("40.830", "Levodopa + Carbidopa", "250mg + 25mg", "Viên", ORAL, "Viên nén", 4_900, "neuro",
          "Ngày {n} viên, chia 3 lần", "Uống trước ăn 30 phút", "VN-17390-13", per_day=3),
    _drug("40.835", "Betahistin 16mg", "16mg", "Viên", ORAL, "Viên nén", 1_400, "neuro",
          "Ngày {n} viên, chia 2 lần", "Uống sau ăn", "VD-26902-17", per_day=2),
    _drug("40.900", "Tobramycin 0,3%", "0,3% 5ml", "Lọ", EYE, "Dung dịch nhỏ mắt", 38_000, "eye",
          "{n} lọ", "Nhỏ mắt 1-2 giọt x 4 lần/ngày", "VN-19517-15", per_day=0.15),
    _drug("40.910", "Fucidin cream 2%", "2% 15g", "Tuýp", TOPICAL, "Kem bôi da", 98_000, "skin inj",
          "{n} tuýp", "Bôi ngoài da 2 lần/ngày", "VN-17748-14", ratio=50, nhom="6", per_day=0.1),
    _drug("40.915", "Povidon iod 10%", "10% 20ml", "Lọ", TOPICAL, "Dung dịch dùng ngoài", 9_500, "inj surg skin",
          "{n} lọ", "Sát khuẩn vết thương", "VD-21002-14", per_day=0.3),
    _drug("40.930", "Cisplatin 50mg/50ml", "50mg/50ml", "Lọ", INFUSION, "Dung dịch đậm đặc pha tiêm", 265_000,
          "onc", "{n} lọ/đợt", "Pha truyền tĩnh mạch theo phác đồ", "VN-19133-15", nhom="4", inp=True,
          per_day=0.5),
    _drug("40.938", "Epoetin alfa 2000IU", "2000IU/0,5ml", "Bơm tiêm", SUBCUT, "Dung dịch tiêm", 186_000,
          "renal", "{n} bơm tiêm/tuần", "Tiêm dưới da sau lọc máu", "QLSP-0810-14", per_day=0.3),
    _drug("40.940", "Enoxaparin 40mg/0,4ml", "40mg/0,4ml", "Bơm tiêm", SUBCUT, "Dung dịch tiêm", 88_000,
          "cardio neuro inj", "{n} bơm tiêm/ngày", "Tiêm dưới da bụng", "VN-16710-13", inp=True, per_day=1),
    _drug("40.955", "Nitroglycerin 2,5mg", "2,5mg", "Viên", ORAL, "Viên nang giải phóng kéo dài", 1_700,
          "cardio", "Ngày {n} viên, chia 2 lần", "Uống, không nhai", "VN-15540-12", per_day=2),
)
# Drugs whose cost partly comes from a programme (case-a support in D5, deducted from T_BNTT first).
PROGRAMME_DRUG_NAMES = frozenset({"TLD (Tenofovir + Lamivudin + Dolutegravir)", "Rifampicin + Isoniazid"})

# ---------------------------------------------------------------------------------------------
# Services, beds and supplies (XML3)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    key: str
    code: str  # MA_DICH_VU
    name: str  # TEN_DICH_VU
    group_code: str  # MA_NHOM
    unit: str
    price: int  # DON_GIA_BV (= DON_GIA_BH here)
    labs: tuple[str, ...] = ()  # indicator keys reported in XML4
    machine: str = ""  # MA_MAY group ("HH", "SH", "XQ", ...)
    procedure: str = ""  # ICD-9-CM code for MA_PTTT_QT
    anaesthesia: str = ""  # PP_VO_CAM


def _svc(key, code, name, nhom, unit, price, labs=(), machine="", procedure="", anaesthesia=""):
    return Service(key, code, name, nhom, unit, price, tuple(labs), machine, procedure, anaesthesia)


EXAM_BY_GROUP = {
    "resp": "Khám Nội", "cardio": "Khám Tim mạch", "gi": "Khám Nội", "endo": "Khám Nội tiết",
    "renal": "Khám Thận học", "msk": "Khám Cơ Xương Khớp", "inf": "Khám Truyền nhiễm", "neuro": "Khám Thần kinh",
    "psych": "Khám Tâm thần", "skin": "Khám Da liễu", "onc": "Khám Ung bướu", "uro": "Khám Ngoại",
    "obst": "Khám Phụ sản", "inj": "Khám Ngoại", "surg": "Khám Ngoại", "ent": "Khám Tai Mũi Họng",
    "eye": "Khám Mắt", "other": "Khám Nội",
}
EXAM_PRICE = 42_100

SERVICES: dict[str, Service] = {s.key: s for s in (
    _svc("cbc", "22.0120.1370", "Tổng phân tích tế bào máu ngoại vi (bằng máy đếm laser)", "1", "Lần", 46_200,
         ("WBC", "NEU", "LYM", "RBC", "HGB", "HCT", "PLT"), "HH"),
    _svc("glucose", "23.0075.1494", "Định lượng Glucose [Máu]", "1", "Lần", 21_500, ("GLU",), "SH"),
    _svc("hba1c", "23.0083.1523", "Định lượng HbA1c [Máu]", "1", "Lần", 101_000, ("HBA1C",), "SH"),
    _svc("creat", "23.0051.1494", "Định lượng Creatinin (máu)", "1", "Lần", 21_500, ("CRE",), "SH"),
    _svc("urea", "23.0166.1494", "Định lượng Urê máu [Máu]", "1", "Lần", 21_500, ("URE",), "SH"),
    _svc("liver", "23.0019.1493", "Đo hoạt độ ALT (GPT), AST (GOT) [Máu]", "1", "Lần", 43_000, ("ALT", "AST"), "SH"),
    _svc("lipid", "23.0041.1506", "Định lượng Cholesterol toàn phần, Triglycerid [Máu]", "1", "Lần", 53_800,
         ("CHOL", "TG"), "SH"),
    _svc("electro", "23.0058.1487", "Điện giải đồ (Na, K, Cl) [Máu]", "1", "Lần", 29_000, ("NA", "K", "CL"), "SH"),
    _svc("crp", "23.0027.1469", "Định lượng CRP [Máu]", "1", "Lần", 53_800, ("CRP",), "SH"),
    _svc("urine", "23.0206.1596", "Tổng phân tích nước tiểu (bằng máy tự động)", "1", "Lần", 27_400,
         ("U_PRO", "U_GLU", "U_LEU", "U_NIT"), "NT"),
    _svc("hbsag", "24.0117.1616", "HBsAg test nhanh", "1", "Lần", 53_600, ("HBSAG",), "MD"),
    _svc("dengue", "24.0268.1618", "Dengue virus NS1Ag test nhanh", "1", "Lần", 130_000, ("NS1",), "MD"),
    _svc("hiv_vl", "24.0162.1635", "HIV đo tải lượng hệ thống tự động", "1", "Lần", 695_000, ("HIV_VL",), "SHPT"),
    _svc("afb", "24.0017.1714", "Vi khuẩn nhuộm soi AFB trực tiếp nhuộm Ziehl-Neelsen", "1", "Lần", 68_000,
         ("AFB",), "VS"),
    _svc("xray_chest", "18.0119.0028", "Chụp Xquang ngực thẳng", "2", "Lần", 65_400, ("XQ",), "XQ"),
    _svc("xray_spine", "18.0088.0029", "Chụp Xquang cột sống thắt lưng thẳng nghiêng", "2", "Lần", 97_200, ("XQ",),
         "XQ"),
    _svc("xray_limb", "18.0069.0028", "Chụp Xquang cẳng tay thẳng nghiêng", "2", "Lần", 65_400, ("XQ",), "XQ"),
    _svc("us_abd", "18.0015.0001", "Siêu âm ổ bụng (gan mật, tụy, lách, thận, bàng quang)", "2", "Lần", 43_900,
         ("SA",), "SA"),
    _svc("us_obst", "18.0030.0001", "Siêu âm thai (thai, nhau thai, nước ối)", "2", "Lần", 43_900, ("SA",), "SA"),
    _svc("us_thyroid", "18.0003.0001", "Siêu âm tuyến giáp", "2", "Lần", 43_900, ("SA",), "SA"),
    _svc("ct_head", "18.0136.0041", "Chụp cắt lớp vi tính sọ não không tiêm thuốc cản quang", "2", "Lần", 522_000,
         ("CT",), "CL"),
    _svc("ct_chest", "18.0151.0042", "Chụp cắt lớp vi tính lồng ngực có tiêm thuốc cản quang", "2", "Lần",
         970_000, ("CT",), "CL"),
    _svc("ecg", "21.0014.1778", "Điện tim thường", "3", "Lần", 32_800, ("ECG",), "DT"),
    _svc("endoscopy", "20.0080.0133", "Nội soi thực quản - dạ dày - tá tràng ống mềm không sinh thiết", "3", "Lần",
         246_000, ("NS",), "NS", procedure="45.13"),
    _svc("nebulizer", "01.0219.0200", "Khí dung thuốc cấp cứu", "18", "Lần", 20_400, procedure="93.94"),
    _svc("dressing", "03.3911.0200", "Thay băng vết thương chiều dài ≤ 15cm", "18", "Lần", 57_600, procedure="93.57"),
    _svc("suture", "10.0910.0574", "Khâu vết thương phần mềm tổn thương nông chiều dài < 10 cm", "18", "Lần",
         181_000, procedure="86.59", anaesthesia="2"),
    _svc("cast", "10.0998.0570", "Nắn, bó bột gãy đầu dưới xương quay", "18", "Lần", 372_000, procedure="79.02",
         anaesthesia="2"),
    _svc("appendectomy", "10.0584.0456", "Phẫu thuật nội soi cắt ruột thừa", "8", "Lần", 2_627_000,
         procedure="47.01", anaesthesia="1"),
    _svc("cholecystectomy", "10.0500.0455", "Phẫu thuật nội soi cắt túi mật", "8", "Lần", 3_185_000,
         procedure="51.23", anaesthesia="1"),
    _svc("hernia", "10.0543.0448", "Phẫu thuật nội soi đặt tấm lưới điều trị thoát vị bẹn", "8", "Lần", 2_921_000,
         procedure="53.02", anaesthesia="1"),
    _svc("caesarean", "13.0040.0621", "Phẫu thuật lấy thai lần đầu", "8", "Lần", 2_344_000, procedure="74.1",
         anaesthesia="2"),
    _svc("delivery", "13.0069.0676", "Đỡ đẻ thường ngôi chỏm", "18", "Lần", 706_000, procedure="73.59"),
    _svc("phaco", "14.0206.0808", "Phẫu thuật đục thể thủy tinh bằng phương pháp Phaco", "8", "Lần", 2_754_000,
         procedure="13.41", anaesthesia="2"),
    _svc("hip", "10.0963.0502", "Phẫu thuật thay khớp háng bán phần", "8", "Lần", 4_905_000, procedure="81.52",
         anaesthesia="1"),
    _svc("dialysis", "01.0199.0287", "Thận nhân tạo chu kỳ", "18", "Lần", 543_000, procedure="39.95"),
    _svc("chemo", "12.0291.1910", "Truyền hóa chất tĩnh mạch", "18", "Lần", 136_000, procedure="99.25"),
)}
LAB_PANEL_BY_GROUP = {
    "resp": ("cbc", "crp", "xray_chest"), "cardio": ("cbc", "glucose", "creat", "lipid", "ecg", "electro"),
    "endo": ("glucose", "hba1c", "creat", "lipid", "liver", "urine", "us_thyroid"),
    "gi": ("cbc", "liver", "us_abd", "endoscopy", "hbsag"), "surg": ("cbc", "us_abd", "crp", "glucose", "creat"),
    "msk": ("xray_spine", "cbc", "crp"), "uro": ("urine", "cbc", "us_abd", "creat"),
    "renal": ("creat", "urea", "electro", "cbc"), "obst": ("us_obst", "cbc", "urine"),
    "onc": ("cbc", "liver", "creat", "ct_chest"), "inf": ("cbc", "dengue", "crp", "afb", "hiv_vl"),
    "neuro": ("ct_head", "cbc", "glucose", "electro"), "psych": ("cbc", "liver"), "skin": ("cbc",),
    "eye": (), "ent": ("cbc",), "inj": ("xray_limb", "cbc"), "other": ("cbc", "glucose", "urine"),
}


@dataclass(frozen=True)
class Supply:
    code: str  # MA_VAT_TU
    name: str  # TEN_VAT_TU
    unit: str
    price: int
    package: str = ""  # GOI_VTYT


SUPPLIES_BASIC = (
    Supply("N03.02.040", "Bơm tiêm nhựa dùng một lần 5ml", "Cái", 1_050),
    Supply("N03.05.010", "Kim luồn tĩnh mạch 22G", "Cái", 12_000),
    Supply("N03.05.070", "Dây truyền dịch có kim", "Bộ", 5_500),
    Supply("N02.01.020", "Găng tay y tế chưa tiệt trùng", "Đôi", 1_900),
    Supply("N01.02.010", "Bông y tế thấm nước 1kg", "Gói", 1_200),
)
SUPPLIES_SURGERY = (
    Supply("N02.01.050", "Găng tay phẫu thuật tiệt trùng", "Đôi", 4_800, "G1"),
    Supply("N05.01.110", "Chỉ phẫu thuật tự tiêu Vicryl 2/0", "Sợi", 95_000, "G1"),
    Supply("N04.03.020", "Ống hút dịch phẫu thuật", "Cái", 28_000, "G1"),
    Supply("N07.01.090", "Dao mổ điện đơn cực dùng một lần", "Cái", 198_000, "G1"),
)
SUPPLY_DIALYSIS = Supply("N08.00.230", "Quả lọc thận nhân tạo", "Quả", 350_000)

# ---------------------------------------------------------------------------------------------
# Lab indicators (XML4)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    key: str  # also used as MA_CHI_SO
    name: str
    unit: str
    low: float
    high: float
    decimals: int
    qualitative: tuple[str, ...] = ()  # text values instead of a number


INDICATORS = {i.key: i for i in (
    Indicator("WBC", "Số lượng bạch cầu (WBC)", "G/L", 4.0, 10.0, 2),
    Indicator("NEU", "Tỷ lệ bạch cầu trung tính (NEU%)", "%", 45, 75, 1),
    Indicator("LYM", "Tỷ lệ bạch cầu lympho (LYM%)", "%", 20, 40, 1),
    Indicator("RBC", "Số lượng hồng cầu (RBC)", "T/L", 3.8, 5.8, 2),
    Indicator("HGB", "Lượng huyết sắc tố (HGB)", "g/L", 120, 165, 0),
    Indicator("HCT", "Thể tích khối hồng cầu (HCT)", "L/L", 0.35, 0.50, 3),
    Indicator("PLT", "Số lượng tiểu cầu (PLT)", "G/L", 150, 400, 0),
    Indicator("GLU", "Glucose", "mmol/L", 3.9, 6.4, 1),
    Indicator("HBA1C", "HbA1c", "%", 4.0, 6.0, 1),
    Indicator("CRE", "Creatinin", "µmol/L", 62, 120, 0),
    Indicator("URE", "Urê", "mmol/L", 2.5, 7.5, 1),
    Indicator("ALT", "ALT (GPT)", "U/L", 5, 40, 0),
    Indicator("AST", "AST (GOT)", "U/L", 5, 37, 0),
    Indicator("CHOL", "Cholesterol toàn phần", "mmol/L", 3.9, 5.2, 2),
    Indicator("TG", "Triglycerid", "mmol/L", 0.46, 1.88, 2),
    Indicator("NA", "Natri", "mmol/L", 135, 145, 0),
    Indicator("K", "Kali", "mmol/L", 3.5, 5.0, 1),
    Indicator("CL", "Clo", "mmol/L", 98, 106, 0),
    Indicator("CRP", "CRP định lượng", "mg/L", 0, 5, 1),
    Indicator("U_PRO", "Protein niệu", "g/L", 0, 0, 0, ("Âm tính", "Âm tính", "Âm tính", "0,3", "1,0")),
    Indicator("U_GLU", "Glucose niệu", "mmol/L", 0, 0, 0, ("Âm tính", "Âm tính", "5,5", "28")),
    Indicator("U_LEU", "Bạch cầu niệu", "Leu/µL", 0, 0, 0, ("Âm tính", "Âm tính", "25", "75", "500")),
    Indicator("U_NIT", "Nitrit niệu", "", 0, 0, 0, ("Âm tính", "Âm tính", "Âm tính", "Dương tính")),
    Indicator("HBSAG", "HBsAg", "", 0, 0, 0, ("Âm tính", "Âm tính", "Âm tính", "Dương tính")),
    Indicator("NS1", "Dengue NS1Ag", "", 0, 0, 0, ("Âm tính", "Dương tính")),
    Indicator("HIV_VL", "HIV RNA tải lượng", "copies/mL", 0, 0, 0, ("Dưới ngưỡng phát hiện", "< 200", "1250")),
    Indicator("AFB", "AFB đờm", "", 0, 0, 0, ("Âm tính", "Âm tính", "Dương tính 1+", "Dương tính 2+")),
    Indicator("XQ", "Kết quả chụp Xquang", "", 0, 0, 0, ()),
    Indicator("SA", "Kết quả siêu âm", "", 0, 0, 0, ()),
    Indicator("CT", "Kết quả chụp cắt lớp vi tính", "", 0, 0, 0, ()),
    Indicator("ECG", "Kết quả điện tim", "", 0, 0, 0, ()),
    Indicator("NS", "Kết quả nội soi", "", 0, 0, 0, ()),
)}
IMAGING_FINDINGS = {
    "XQ": (("Bóng tim không to, hai phế trường sáng, không thấy tổn thương khu trú.", "Xquang ngực bình thường."),
           ("Đám mờ không đều thùy dưới phổi phải, xóa góc sườn hoành phải.", "Hình ảnh viêm phổi thùy dưới phổi phải."),
           ("Gãy đầu dưới xương quay, di lệch ít.", "Gãy đầu dưới xương quay trái."),
           ("Hẹp khe đĩa L4-L5, gai xương thân đốt sống thắt lưng.", "Thoái hóa cột sống thắt lưng.")),
    "SA": (("Gan không to, nhu mô đều. Túi mật không sỏi. Hai thận không ứ nước.", "Hiện tại chưa phát hiện bất thường."),
           ("Túi mật thành dày 5mm, có sỏi kích thước 12mm.", "Sỏi túi mật."),
           ("Một thai sống trong buồng tử cung, tim thai đều, ối bình thường.", "Một thai sống, phát triển bình thường."),
           ("Nhu mô gan tăng âm, bờ đều.", "Gan nhiễm mỡ độ I."),
           ("Ruột thừa đường kính 9mm, thâm nhiễm mỡ xung quanh.", "Theo dõi viêm ruột thừa cấp.")),
    "CT": (("Ổ giảm tỷ trọng vùng bao trong bên trái, không hiệu ứng khối.", "Nhồi máu não vùng bao trong trái."),
           ("Nhu mô não không thấy tổn thương, đường giữa không di lệch.", "Chưa phát hiện bất thường trên CT sọ não."),
           ("Khối mờ thùy trên phổi phải kích thước 35x28mm, bờ tua gai.", "Theo dõi u phổi phải.")),
    "ECG": (("Nhịp xoang đều, tần số 78 ck/p, trục trung gian.", "Điện tim bình thường."),
            ("Rung nhĩ đáp ứng thất trung bình, tần số 96 ck/p.", "Rung nhĩ."),
            ("Nhịp xoang, dày thất trái.", "Dày thất trái.")),
    "NS": (("Niêm mạc hang vị xung huyết, phù nề, không thấy ổ loét.", "Viêm hang vị."),
           ("Ổ loét bờ cong nhỏ đường kính 8mm, đáy phủ giả mạc.", "Loét bờ cong nhỏ dạ dày."),
           ("Thực quản, dạ dày, tá tràng bình thường.", "Hiện tại không thấy tổn thương.")),
}

# ---------------------------------------------------------------------------------------------
# Codes for XML1 categorical fields
# ---------------------------------------------------------------------------------------------
# MA_DANTOC (QĐ 121-TCTK/PPCĐ): 01 Kinh, 02 Tày, 03 Thái, 04 Hoa, 05 Khơ-me, 06 Mường, 07 Nùng, 08 Mông, 09 Dao,
# 12 Ê-đê.
ETHNICITY_MAJORITY = "01"
ETHNICITY_HMONG = "08"
ETHNICITY_EDE = "12"
ETHNICITY_OTHER = ("02", "03", "06", "07", "09", "04", "05")
OCCUPATIONS = ("00000", "00000", "00000", "61110", "92110", "52230", "23300", "24110", "93290", "51200", "22210",
               "83220", "71150", "41100")
BLOOD_GROUPS = ("O", "A", "B", "AB", "O+", "A+", "B+")
