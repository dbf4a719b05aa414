"""People for the synthetic generator: patients, relatives and staff with consistent identifiers.

Formats follow the project's identifiers reference: CCCD = 3-digit legacy birth-province prefix +
century/sex digit + 2 year digits + 6 random digits (9-digit CMND for part of the older people);
BHYT card = group code + benefit level + legacy province digits + 10-digit BHXH number; mobile
phones use the post-2018 prefixes; residences are real communes from the 2025 conversion table
(old name and codes before 2025-07-01, new ones after).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from random import Random

from pipelines import reference
from pipelines.synth.names import _ch, _ri, _rr, Name, WeightedChoice, person_name

REFORM_DAY = "20250701"


@dataclass(frozen=True)
class Commune:
    """One row of the conversion table, flattened for fast access."""

    old_province: str
    old_province_name: str
    old_district: str
    old_district_name: str
    old_ward: str
    old_ward_name: str
    new_province: str
    new_province_name: str
    new_ward: str
    new_ward_name: str

    @property
    def urban(self) -> bool:
        return self.old_ward_name.startswith(("Phường", "Thị trấn"))


@lru_cache(maxsize=None)
def communes_by_province() -> dict[str, tuple[Commune, ...]]:
    """Legacy province code -> communes (rows without an old commune code are left out)."""
    out: dict[str, list[Commune]] = {}
    for r in reference.wards():
        if not r["old_ward_code"]:
            continue
        out.setdefault(r["old_province_code"], []).append(Commune(
            r["old_province_code"], r["old_province_name"], r["old_district_code"], r["old_district_name"],
            r["old_ward_code"], r["old_ward_name"], r["new_province_code"], r["new_province_name"],
            r["new_ward_code"], r["new_ward_name"]))
    return {k: tuple(v) for k, v in sorted(out.items())}


@lru_cache(maxsize=None)
def province_info() -> dict[str, dict[str, str]]:
    return {p["old_code"]: p for p in reference.provinces_63()}


@lru_cache(maxsize=None)
def province_codes() -> tuple[str, ...]:
    return tuple(p["old_code"] for p in reference.provinces_63())


def short_province(name: str) -> str:
    """'Tỉnh Thái Bình' -> 'Thái Bình'; 'Thành phố Hà Nội' -> 'Hà Nội'."""
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def lower_unit(name: str) -> str:
    """How clinicians write unit names in prose: 'Xã Yên Hòa' -> 'xã Yên Hòa', 'Thành phố Huế' -> 'TP Huế'."""
    if name.startswith("Thành phố "):
        return "TP " + name[10:]
    if name.startswith("Thị trấn "):
        return "thị trấn " + name[9:]
    if name.startswith("Thị xã "):
        return "thị xã " + name[7:]
    head, _, tail = name.partition(" ")
    return head.lower() + " " + tail if tail else name


# Street and hamlet names the detector's place list (pipelines.detect.lexicon) does not hold (issue 9:
# the synthetic VN_ADDRESS score must not only measure that list; communes and districts stay the
# real ones of pipelines/reference, which any detector may know). Checked by
# tests/test_synth_names_heldout.py.
STREETS = (
    "Cách Mạng Tháng Tám", "Lê Duẩn", "Lê Văn Sỹ", "Phạm Văn Đồng", "Võ Văn Kiệt", "Lạc Long Quân", "Giải Phóng",
    "Tôn Đức Thắng", "Nguyễn Chí Thanh", "Lê Thánh Tông", "Bà Triệu", "Đinh Tiên Hoàng", "Trần Quang Khải",
    "Nguyễn Đình Chiểu", "3 Tháng 2", "30 Tháng 4", "Lê Văn Lương", "Tam Trinh", "Huỳnh Thúc Kháng", "Tô Hiến Thành",
    "Nguyễn Khuyến", "Nguyễn Văn Trỗi", "Nguyễn Văn Huyên", "Trần Khát Chân", "Lò Đúc", "Hàng Chuối", "Tạ Quang Bửu",
    "Nguyễn Phong Sắc", "Trần Quý Cáp", "Mạc Thị Bưởi", "Thợ Nhuộm", "Nguyễn Công Trứ", "Lý Tự Trọng", "Pasteur",
    "Nam Kỳ Khởi Nghĩa", "Tôn Thất Thuyết", "Xô Viết Nghệ Tĩnh", "Ký Con", "Thủ Khoa Huân", "Lê Thị Riêng",
    "Cống Quỳnh", "Hồ Xuân Hương", "Trần Cao Vân", "Ông Ích Khiêm", "Hoàng Quốc Việt", "Nguyễn Khang",
    "Trần Đăng Ninh", "Phạm Tuấn Tài", "Doãn Kế Thiện", "Trần Bình", "Đặng Thai Mai", "Xuân Diệu", "Tô Ngọc Vân",
    "Nghi Tàm", "Thanh Niên", "Hàng Than", "Hàng Lược", "Hàng Cót", "Phùng Khắc Khoan", "Lê Văn Hưu", "Mai Hắc Đế",
    "Vạn Kiếp",
)
HAMLET_NAMES = ("Tây", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Bờ Sông", "Gò Cao", "Cây Đa", "Giếng Đá", "Bến Đò",
                "Cầu Ván", "Đồi Thông", "Trại Mít", "Ao Sen", "Vườn Chuối", "Cổ Am", "Đìa Sen", "Đồng Chằm")
MOUNTAIN_HAMLETS = ("Nà Pồng", "Nậm Cang", "Hua Pan", "Nà Lừa", "Nà Khoang", "Pác Ngòi", "Khuổi Khoang", "Bó Mạ",
                    "Lũng Sáng")
HIGHLAND_HAMLETS = ("Kô Siêr", "Tơng Jú", "Plei Ơi", "Kon Hring", "Plei Kleo", "Tơ Nung")
MOUNTAIN_PROVINCES = frozenset({"02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "20"})
HIGHLAND_PROVINCES = frozenset({"62", "64", "66", "67", "68"})
SOUTH_PROVINCES = frozenset({"70", "72", "74", "75", "77", "79", "80", "82", "83", "84", "86", "87", "89", "91",
                             "92", "93", "94", "95", "96"})


def street_part(rng: Random, commune: Commune) -> str:
    """House number and street, or hamlet, as the first part of an address."""
    p = commune.old_province
    if commune.urban:
        roll = rng.random()
        street = _ch(rng, STREETS)
        n = _ri(rng, 1, 420)
        if roll < 0.35:
            return f"Số {n} {street}" if rng.random() < 0.5 else f"Số {n}, đường {street}"
        if roll < 0.6:
            return f"Số {n}, ngõ {_ri(rng, 1, 200)} {street}"
        if roll < 0.8 and p in SOUTH_PROVINCES:
            return f"{n}/{_ri(rng, 1, 60)} {street}"
        if roll < 0.9:
            return f"Tổ {_ri(rng, 1, 40)}"
        return f"Khu phố {_ri(rng, 1, 12)}"
    if p in MOUNTAIN_PROVINCES and rng.random() < 0.5:
        return f"Bản {_ch(rng, MOUNTAIN_HAMLETS)}"
    if p in HIGHLAND_PROVINCES and rng.random() < 0.4:
        return f"Buôn {_ch(rng, HIGHLAND_HAMLETS)}"
    if p in SOUTH_PROVINCES:
        return f"Ấp {_ri(rng, 1, 9)}" if rng.random() < 0.6 else f"Ấp {_ch(rng, HAMLET_NAMES)}"
    roll = rng.random()
    if roll < 0.45:
        return f"Thôn {_ri(rng, 1, 15)}"
    if roll < 0.7:
        return f"Thôn {_ch(rng, HAMLET_NAMES)}"
    return f"Xóm {_ri(rng, 1, 20)}"


# Post-2018 mobile prefixes (identifiers.md §7.1) weighted roughly by carrier share.
MOBILE_PREFIXES = WeightedChoice([
    ("032", 3), ("033", 3), ("034", 3), ("035", 3), ("036", 3), ("037", 3), ("038", 3), ("039", 3),
    ("086", 4), ("096", 5), ("097", 5), ("098", 5),  # Viettel
    ("081", 2), ("082", 2), ("083", 2), ("084", 2), ("085", 2), ("088", 2), ("091", 5), ("094", 4),  # VinaPhone
    ("070", 2), ("076", 1.5), ("077", 2), ("078", 1.5), ("079", 1.5), ("089", 2), ("090", 4), ("093", 3),  # Mobi
    ("052", 0.5), ("056", 0.7), ("058", 0.7), ("059", 0.4), ("087", 0.3),
])


def mobile_number(rng: Random) -> str:
    return MOBILE_PREFIXES(rng) + f"{_rr(rng, 10_000_000):07d}"


def landline_number(rng: Random, province: str) -> str:
    area = province_info()[province]["landline_area_code_2017"]
    if len(area) == 3:  # Hà Nội 024, TP HCM 028: 8-digit subscriber numbers
        return area + f"{_rr(rng, 30_000_000, 99_999_999):08d}"
    return area + f"{_rr(rng, 2_000_000, 9_999_999):07d}"


# BHYT beneficiary groups (identifiers.md §4) by life stage, with the usual benefit level.
_CARD_CHILD = WeightedChoice([(("TE", "1"), 1)])
_CARD_PUPIL = WeightedChoice([(("HS", "4"), 10), (("GD", "4"), 2), (("HN", "1"), 0.5), (("DT", "1"), 0.5)])
_CARD_STUDENT = WeightedChoice([(("SV", "4"), 6), (("GD", "4"), 3), (("DN", "4"), 2)])
_CARD_WORKER = WeightedChoice([
    (("DN", "4"), 30), (("GD", "4"), 28), (("HC", "4"), 8), (("HX", "4"), 3), (("CH", "4"), 2), (("NN", "4"), 1),
    (("HN", "1"), 4), (("CN", "3"), 4), (("DT", "1"), 3), (("NO", "4"), 1), (("TK", "4"), 1), (("XK", "4"), 1),
    (("HD", "4"), 1), (("QN", "1"), 1), (("CA", "1"), 0.5), (("CB", "4"), 0.5), (("TQ", "4"), 0.5),
    (("XD", "4"), 0.5), (("TS", "3"), 0.5), (("TA", "4"), 0.3), (("TY", "4"), 0.3), (("XB", "4"), 0.3),
])
_CARD_ELDER = WeightedChoice([
    (("HT", "3"), 25), (("GD", "4"), 20), (("BT", "2"), 8), (("CT", "2"), 6), (("CC", "1"), 3), (("KC", "2"), 4),
    (("HN", "1"), 3), (("CN", "3"), 2), (("TB", "2"), 1.5), (("MS", "3"), 1), (("HG", "2"), 0.5),
    (("LS", "2"), 0.3), (("CK", "2"), 0.3), (("PV", "4"), 0.2), (("CS", "4"), 0.3), (("XN", "2"), 0.3),
    (("TC", "3"), 0.2), (("HS", "4"), 0.0001), (("TN", "4"), 0.2), (("CY", "1"), 0.2), (("DK", "4"), 0.2),
    (("GB", "4"), 0.2),
])
CARD_GROUPS = ("DN", "HX", "CH", "NN", "TK", "HC", "XK", "HT", "TB", "NO", "CT", "XB", "TN", "CS", "QN", "CA", "CY",
               "XN", "MS", "CC", "CK", "CB", "KC", "HD", "TE", "BT", "HN", "DT", "DK", "XD", "TS", "TC", "TQ", "TA",
               "TY", "HG", "LS", "PV", "CN", "HS", "SV", "GB", "GD")
BENEFIT_BY_LEVEL = {"1": 100, "2": 100, "3": 95, "4": 80, "5": 100}


def card_group(rng: Random, age: int) -> tuple[str, str]:
    if age < 6:
        return _CARD_CHILD(rng)
    if age < 18:
        return _CARD_PUPIL(rng)
    if age < 23 and rng.random() < 0.5:
        return _CARD_STUDENT(rng)
    if age >= 60:
        return _CARD_ELDER(rng)
    return _CARD_WORKER(rng)


@dataclass
class Staff:
    name: Name
    title: str  # as written before the name in prose ("BS.", "ThS.BS", "ĐD")
    cchn: str  # NNNNNN/ISSUER-CCHN
    role: str  # "doctor", "nurse", "technician"


DOCTOR_TITLES = WeightedChoice([("BS.", 30), ("BS", 15), ("Bác sĩ", 8), ("bác sĩ", 6), ("ThS.BS", 10),
                                ("ThS.BS.", 5), ("BSCKI", 8), ("BSCKII", 6), ("TS.BS", 3), ("PGS.TS", 1),
                                ("BSCK1", 3), ("Ths.Bs", 2)])
NURSE_TITLES = WeightedChoice([("ĐD", 30), ("ĐD.", 10), ("điều dưỡng", 10), ("CNĐD", 5), ("Điều dưỡng", 5)])
TECH_TITLES = WeightedChoice([("KTV", 10), ("KTV.", 3), ("kỹ thuật viên", 2)])


def build_staff(rng: Random, issuer: str, province: str, doctors: int = 24, nurses: int = 12,
                technicians: int = 6) -> list[Staff]:
    out = []
    used: set[str] = set()
    for role, count, titles in (("doctor", doctors, DOCTOR_TITLES), ("nurse", nurses, NURSE_TITLES),
                                ("technician", technicians, TECH_TITLES)):
        for _ in range(count):
            male = rng.random() < (0.55 if role == "doctor" else 0.25)
            year = _ri(rng, 1960, 1998)
            while True:
                cchn = f"{_ri(rng, 1, 60000):06d}/{issuer}-CCHN"
                if cchn not in used:
                    used.add(cchn)
                    break
            out.append(Staff(person_name(rng, male, year, province), titles(rng), cchn, role))
    return out


def cccd_number(rng: Random, birth_province: str, birth_year: int, female: bool) -> str:
    prefix = province_info()[birth_province]["cccd_prefix"]
    century_sex = 2 * (birth_year // 100 - 19) + (1 if female else 0)
    return f"{prefix}{century_sex}{birth_year % 100:02d}{_rr(rng, 1_000_000):06d}"


def cmnd_number(rng: Random) -> str:
    return f"{_rr(rng, 10_000_000, 399_999_999):09d}"


def bhxh_number(rng: Random, province: str) -> str:
    return f"{province}{_rr(rng, 100_000_000):08d}"


def day_ordinal(yyyymmdd: str) -> int:
    return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])).toordinal()
