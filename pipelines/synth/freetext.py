"""Clinical free text with exact PII spans.

Texts are assembled from templates. A template is a string with ``{slot}`` markers; each slot is
a function that returns plain text or a list of ``(text, entity_type_or_None)`` parts. The
renderer concatenates the parts and records the character offsets of every part that carries an
entity type, so spans are known by construction and never found by searching the text.

Span conventions (what a detector is expected to find):

- ``PERSON``: the name only. Honorifics, kinship words and titles are outside the span
  ("bà |Nguyễn Thị Hoa|", "BS. |Phạm Minh Tuấn|", "mẹ là |Trần Thị Hoa|"). Initials are a PERSON
  span including their inner dots and a written trailing dot ("|N.V.A|", "bà |T.|").
  A given name after an honorific is a PERSON span ("anh |Nam|").
- ``AGE``: number plus unit words ("|47 tuổi|", "|3 tháng tuổi|", "|18 tháng|", "|47t|"); for a
  birth year only the year ("sinh năm |1980|", "NS |1980|"): labels stay outside, as for dates.
- ``DATE_TIME``: calendar dates with at least day and month ("ngày |12/3/2024|", "ngày |12 tháng
  3 năm 2024|", "|12-3|"). The introducing word "ngày" is outside the span. Durations ("3 ngày
  nay", "trước ăn 1 giờ", "3 giờ/lần"), treatment-day counters ("N3", "ngày thứ 3") and
  gestational ages are not dates. Clock times ("lúc |14h30|") are DATE_TIME for the detector; the
  templates write none.
- ``VN_ADDRESS``: from the house number / hamlet to the last administrative unit below the
  province, including street names named after people ("|Số 12, đường Nguyễn Trãi, phường X,
  quận Y|, |Hà Nội|"); "trú tại" / "địa chỉ:" are outside. A province ending the address is a
  separate LOCATION span (release policy may keep the province but never the finer parts).
- ``LOCATION``: a province or centrally-run city mentioned on its own ("quê |Nghệ An|") or ending an
  address, with its "Tỉnh" / "Thành phố" / "TP." prefix when written; a city below province level
  mentioned on its own ("mới từ |Nha Trang|") is VN_ADDRESS.
- ``PHONE_NUMBER``: the number as written, with its separators and ``+84`` prefix.
- ``VN_CCCD``: the 12-digit CCCD or 9-digit CMND number; ``VN_BHYT``: the card number as written
  (with separators when written with them); ``EMAIL_ADDRESS``: the address.
- ``VN_PATIENT_ID``: "|BN1234|" / "|BN 1234|" (the BN prefix belongs to the identifier); after
  "bệnh nhân số", "mã BN", "số HSBA" only the number.
- ``VN_STAFF_ID``: practising-certificate numbers ("|012345/BYT-CCHN|").

Not PII (hard negatives, never annotated): hospitals and streets named after people outside an
address ("Bệnh viện Trần Hưng Đạo"), eponyms (Parkinson, Basedow, McBurney), drug names and
doses, vital signs and lab values ("HA 120/80 mmHg"), ICD codes.

A small share of texts is written without diacritics (as typed on some HIS); the conversion maps
one character to one character, so offsets stay valid.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from random import Random

from pipelines.synth import clinical
from pipelines.synth.names import _ch, _ri, _rr, Name, person_name
from pipelines.synth.people import lower_unit, mobile_number, province_info, short_province

Part = tuple[str, "str | None"]

PERSON, AGE, DATE, ADDRESS, LOCATION, PHONE = "PERSON", "AGE", "DATE_TIME", "VN_ADDRESS", "LOCATION", "PHONE_NUMBER"
CCCD, BHYT, EMAIL, PATIENT_ID, STAFF_ID = "VN_CCCD", "VN_BHYT", "EMAIL_ADDRESS", "VN_PATIENT_ID", "VN_STAFF_ID"
ENTITY_TYPES = (PERSON, CCCD, BHYT, PHONE, EMAIL, ADDRESS, LOCATION, DATE, AGE, PATIENT_ID, STAFF_ID)


def _deaccent_table() -> dict[int, str]:
    table = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[0]
        if base.isascii() and base.isalpha() and base != ch:
            table[cp] = base
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    return table


DEACCENT = _deaccent_table()


class TextContext:
    """What the free-text slots may refer to for one episode (set by the generator)."""

    __slots__ = ("rng", "patient", "age", "age_months", "age_days", "male", "diagnosis", "group", "doctors",
                 "nurses", "technicians", "day", "new_system", "relatives", "address_text", "address_parts",
                 "ma_bn", "ma_hsba", "card", "cccd", "phone", "province", "patient_birth_year")

    def __init__(self, rng: Random):
        self.rng = rng
        self.relatives: dict[str, Name] = {}


# ---------------------------------------------------------------------------------------------
# PII slot helpers
# ---------------------------------------------------------------------------------------------

def _name_form(rng: Random, name: Name) -> str:
    r = rng.random()
    if r < 0.55:
        return name.full
    if r < 0.68:
        return name.full.upper()
    if r < 0.9:
        return name.initials()
    return name.initials() + "."


def honorific(ctx: TextContext) -> str:
    age = ctx.age
    if ctx.age_days < 365:
        return "bé"
    if age < 16:
        return "cháu" if ctx.rng.random() < 0.6 else "bé"
    if age < 40:
        return "anh" if ctx.male else "chị"
    if age < 80:
        return "ông" if ctx.male else "bà"
    return "cụ" if ctx.rng.random() < 0.6 else ("ông" if ctx.male else "bà")


def s_name(ctx: TextContext) -> list[Part]:
    return [(_name_form(ctx.rng, ctx.patient), PERSON)]


def s_hname(ctx: TextContext) -> list[Part]:
    """Honorific + name: 'bà Hoa', 'ông Nguyễn Văn An', 'bà T.'"""
    rng = ctx.rng
    r = rng.random()
    name = ctx.patient
    text = name.short() if r < 0.45 else (name.short()[0] + "." if r < 0.55 else _name_form(rng, name))
    return [(honorific(ctx) + " ", None), (text, PERSON)]


def s_bn(ctx: TextContext) -> list[Part]:
    prefix = _ch(ctx.rng, ("BN ", "BN ", "Bệnh nhân ", "bệnh nhân ", "Người bệnh ", "BN: ", "Bn "))
    return [(prefix, None), (_name_form(ctx.rng, ctx.patient), PERSON)]


_RELATIONS_ADULT = (("vợ", "F", "chị"), ("chồng", "M", "anh"), ("con trai", "M", "anh"), ("con gái", "F", "chị"),
                    ("em gái", "F", "chị"), ("anh trai", "M", "anh"), ("cháu", "M", "anh"))
_RELATIONS_CHILD = (("mẹ", "F", "chị"), ("bố", "M", "anh"), ("bà nội", "F", "bà"), ("ông ngoại", "M", "ông"),
                    ("mẹ", "F", "chị"), ("cha", "M", "anh"))


def _relative(ctx: TextContext, relation: str, sex: str) -> Name:
    if relation in ctx.relatives:
        return ctx.relatives[relation]
    rng = ctx.rng
    male = sex == "M"
    year = 1990 if relation in ("mẹ", "bố", "cha", "vợ", "chồng") else 1995
    name = person_name(rng, male, year, ctx.province)
    shares_surname = relation in ("bố", "cha", "con trai", "con gái", "anh trai", "em gái", "bà nội")
    if shares_surname and not ctx.patient.minority and not name.minority:
        name = Name(ctx.patient.surname, name.middle, name.given)
    ctx.relatives[relation] = name
    return name


def s_rel(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    relation, sex, hon = _ch(rng, _RELATIONS_CHILD if ctx.age < 16 else _RELATIONS_ADULT)
    name = _relative(ctx, relation, sex)
    form = rng.random()
    written = name.full if form < 0.8 else (name.full.upper() if form < 0.9 else name.initials())
    style = _rr(rng, 5)
    if style == 0:
        return [(f"{relation} là ", None), (written, PERSON)]
    if style == 1:
        return [(f"người nhà: {hon} ", None), (written, PERSON), (f" ({relation})", None)]
    if style == 2:
        return [(f"{relation} BN là {hon} ", None), (written, PERSON)]
    if style == 3:
        return [(f"{relation} ", None), (written, PERSON)]
    return [("người nhà ", None), (written, PERSON), (f" - {relation}", None)]


def format_phone(rng: Random, number: str) -> str:
    """A mobile number '0912345678' written as clinicians do."""
    if len(number) != 10:
        return number
    r = rng.random()
    if r < 0.3:
        return number
    if r < 0.55:
        return f"{number[:4]} {number[4:7]} {number[7:]}"
    if r < 0.7:
        return f"{number[:4]}.{number[4:7]}.{number[7:]}"
    if r < 0.8:
        return f"{number[:3]}.{number[3:6]}.{number[6:]}"
    if r < 0.9:
        return f"+84 {number[1:4]}-{number[4:7]}-{number[7:]}"
    return f"+84{number[1:]}"


def s_phone(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    number = ctx.phone if ctx.phone and len(ctx.phone) == 10 and rng.random() < 0.6 else mobile_number(rng)
    label = _ch(rng, ("SĐT ", "SĐT: ", "ĐT: ", "đt ", "điện thoại ", "số điện thoại ", "liên hệ ", "Zalo "))
    return [(label, None), (format_phone(rng, number), PHONE)]


def s_relphone(ctx: TextContext) -> list[Part]:
    return s_rel(ctx) + [(", ", None)] + s_phone(ctx)


def s_cccd(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    number = ctx.cccd or f"0{_ri(rng, 1, 96):02d}{_rr(rng, 10 ** 9):09d}"
    if len(number) == 9:
        label = _ch(rng, ("CMND số ", "CMND: ", "CMT số "))
    else:
        label = _ch(rng, ("CCCD số ", "CCCD: ", "số CCCD ", "căn cước công dân số ", "số định danh "))
    return [(label, None), (number, CCCD)]


def s_bhyt(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    card = ctx.card
    r = rng.random()
    if r < 0.6:
        written = card
    elif r < 0.8:
        written = f"{card[:2]}{card[2]}-{card[3:5]}-{card[5:]}"
    else:
        written = f"{card[:2]} {card[2]} {card[3:5]} {card[5:]}"
    label = _ch(rng, ("thẻ BHYT số ", "số thẻ BHYT ", "mã thẻ: ", "thẻ BHYT ", "BHYT: "))
    return [(label, None), (written, BHYT)]


def _province_forms(province: str) -> tuple[str, ...]:
    """How a province may end an address: 'Tỉnh Tây Ninh', 'Tây Ninh', 'TP. Hà Nội' (longest first)."""
    forms = {province, short_province(province), province.replace("Thành phố ", "TP. ")}
    return tuple(sorted(forms, key=len, reverse=True))


def _split_province(text: str, province: str) -> list[Part]:
    """An address whose last part is the province: the fine part is VN_ADDRESS, the province LOCATION."""
    for form in _province_forms(province):
        for sep in (", ", " - "):
            if text.endswith(sep + form):
                head = text[:-len(sep + form)]
                return [(head, ADDRESS), (sep, None), (form, LOCATION)]
    return [(text, ADDRESS)]


def s_addr_only(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    street, ward, district, province = ctx.address_parts
    r = rng.random()
    if r < 0.35:
        return _split_province(ctx.address_text, province)
    if r < 0.7:
        units = [lower_unit(ward)] + ([lower_unit(district)] if district else [])
        text = ", ".join([street[0].lower() + street[1:]] + units)
    elif r < 0.85:
        text = ", ".join(filter(None, [lower_unit(ward), lower_unit(district) if district else "",
                                       short_province(province)]))
        return _split_province(text, province)
    else:
        text = f"{street}, {ward}"
    return [(text, ADDRESS)]


def s_addr(ctx: TextContext) -> list[Part]:
    label = _ch(ctx.rng, ("trú tại ", "địa chỉ: ", "ở ", "thường trú tại ", "hiện ở ", "địa chỉ "))
    return [(label, None)] + s_addr_only(ctx)


_OTHER_PLACES = ("Hà Nội", "TP HCM", "Sài Gòn", "Đà Lạt", "Bình Dương", "Hải Phòng", "Đà Nẵng", "Nghệ An",
                 "Thanh Hóa", "Quảng Ninh", "Cần Thơ", "Gia Lai", "Lào Cai", "Hà Giang", "Nha Trang", "Vũng Tàu")
# Cities below province level are finer than a province: VN_ADDRESS, as in the annotation rules of the
# hand-written sets ("Vũng Tàu" is also the province's short name, so it stays LOCATION).
_CITIES_BELOW_PROVINCE = frozenset({"Đà Lạt", "Nha Trang"})


def s_loc(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    if rng.random() < 0.5:
        place = short_province(province_info()[ctx.province]["name"])
    else:
        place = _ch(rng, _OTHER_PLACES)
    label = _ch(rng, ("quê ", "đi làm ăn ở ", "vừa đi du lịch ", "mới từ ", "làm việc tại ", "về quê "))
    return [(label, None), (place, ADDRESS if place in _CITIES_BELOW_PROVINCE else LOCATION)]


def format_date(rng: Random, d: date, with_year: float = 0.7) -> str:
    r = rng.random()
    y = rng.random() < with_year
    if r < 0.4:
        return f"{d.day}/{d.month}/{d.year}" if y else f"{d.day}/{d.month}"
    if r < 0.6:
        return f"{d.day:02d}/{d.month:02d}/{d.year}" if y else f"{d.day:02d}/{d.month:02d}"
    if r < 0.75:
        return f"{d.day}-{d.month}-{d.year}" if y else f"{d.day}-{d.month}"
    if r < 0.9:
        return f"{d.day} tháng {d.month} năm {d.year}" if y else f"{d.day} tháng {d.month}"
    return f"{d.day}.{d.month}.{d.year}"


def _date_near(ctx: TextContext, low: int, high: int) -> date:
    return date.fromordinal(ctx.day + _ri(ctx.rng, low, high))


def s_date(ctx: TextContext) -> list[Part]:
    """A date around the episode, written after 'ngày'."""
    return [("ngày ", None), (format_date(ctx.rng, _date_near(ctx, -3, 0)), DATE)]


def s_date_past(ctx: TextContext) -> list[Part]:
    return [("ngày ", None), (format_date(ctx.rng, _date_near(ctx, -900, -20), 0.95), DATE)]


def s_date_next(ctx: TextContext) -> list[Part]:
    return [("ngày ", None), (format_date(ctx.rng, _date_near(ctx, 5, 35)), DATE)]


def s_age(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    if ctx.age_days < 60:
        return [(f"{ctx.age_days} ngày tuổi", AGE)]
    if ctx.age < 3:
        months = ctx.age_months
        return [(f"{months} tháng tuổi" if rng.random() < 0.6 else f"{months} tháng", AGE)]
    return [(f"{ctx.age} tuổi" if rng.random() < 0.85 else f"{ctx.age}t", AGE)]


def s_born(ctx: TextContext) -> list[Part]:
    return [(_ch(ctx.rng, ("sinh năm ", "SN ", "NS ", "sinh năm ")), None), (str(ctx.patient_birth_year), AGE)]


def s_pid(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    r = rng.random()
    if r < 0.3:
        return [(f"BN{_ri(rng, 10, 9999)}", PATIENT_ID)]
    if r < 0.4:
        return [(f"BN {_ri(rng, 10, 9999)}", PATIENT_ID)]
    if r < 0.55:
        return [("bệnh nhân số ", None), (str(_ri(rng, 1, 999)), PATIENT_ID)]
    if r < 0.85:
        return [(_ch(rng, ("mã BN ", "mã BN: ", "mã bệnh nhân ", "Mã y tế ")), None), (ctx.ma_bn, PATIENT_ID)]
    return [(_ch(rng, ("số HSBA ", "mã HSBA ", "số bệnh án ")), None), (ctx.ma_hsba, PATIENT_ID)]


_EMAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com", "yahoo.com.vn", "outlook.com", "hotmail.com")


def s_email(ctx: TextContext) -> list[Part]:
    rng = ctx.rng
    name = ctx.patient.full.translate(DEACCENT).lower().replace("'", "").split()
    local = _ch(rng, ("".join(name), "".join(name[-1:] + name[:-1]), ".".join(name[-1:] + name[:1])))
    local += str(_ch(rng, ("", ctx.patient_birth_year, _ri(rng, 1, 99))))
    return [(_ch(rng, ("email: ", "Email: ", "mail ", "e-mail: ")), None), (f"{local}@{_ch(rng, _EMAIL_DOMAINS)}",
                                                                            EMAIL)]


def _staff_parts(ctx: TextContext, staff_list, with_id: float) -> list[Part]:
    rng = ctx.rng
    s = _ch(rng, staff_list)
    written = s.name.full if rng.random() < 0.85 else s.name.full.upper()
    parts: list[Part] = [(s.title + " ", None), (written, PERSON)]
    if rng.random() < with_id:
        parts += [(_ch(rng, (" (CCHN ", " (CCHN: ", " - CCHN số ")), None), (s.cchn, STAFF_ID)]
        if parts[-2][0].startswith(" ("):
            parts.append((")", None))
    return parts


def s_doc(ctx: TextContext) -> list[Part]:
    return _staff_parts(ctx, ctx.doctors, 0.12)


def s_doc2(ctx: TextContext) -> list[Part]:
    return _staff_parts(ctx, ctx.doctors, 0.0)


def s_nurse(ctx: TextContext) -> list[Part]:
    return _staff_parts(ctx, ctx.nurses, 0.05)


# ---------------------------------------------------------------------------------------------
# Clinical (non-PII) slots
# ---------------------------------------------------------------------------------------------

def s_sym(ctx: TextContext) -> str:
    return _ch(ctx.rng, clinical.SYMPTOMS[ctx.group])


def s_symlow(ctx: TextContext) -> str:
    s = s_sym(ctx)
    return s[0].lower() + s[1:]


def s_dur(ctx: TextContext) -> str:
    rng = ctx.rng
    return _ch(rng, (f"{_ri(rng, 1, 7)} ngày nay", f"{_ri(rng, 2, 10)} ngày", f"{_ri(rng, 1, 4)} tuần nay",
                       "từ sáng", "từ tối qua", f"khoảng {_ri(rng, 1, 6)} tháng", "2 hôm nay", "sau ăn"))


def s_dx(ctx: TextContext) -> str:
    return ctx.diagnosis.name


def s_dxl(ctx: TextContext) -> str:
    n = ctx.diagnosis.name
    return n[0].lower() + n[1:]


def s_dxcode(ctx: TextContext) -> str:
    return ctx.diagnosis.code


def s_find(ctx: TextContext) -> str:
    table = clinical.EXAM_FINDINGS
    pool = table.get(ctx.group, table["default"])
    rng = ctx.rng
    return _ch(rng, pool) if rng.random() < 0.7 else _ch(rng, table["default"])


def s_vitals(ctx: TextContext) -> str:
    rng = ctx.rng
    pulse, sys_bp = _ri(rng, 62, 110), _ch(rng, (100, 110, 120, 130, 140, 150, 160, 170))
    dia = _ch(rng, (60, 70, 80, 90, 100))
    temp = _ch(rng, ("36,5", "37", "37,2", "37,5", "38", "38,5", "39", "36.8"))
    r = rng.random()
    if r < 0.35:
        return f"Mạch {pulse} l/p, HA {sys_bp}/{dia} mmHg, nhiệt độ {temp}°C"
    if r < 0.6:
        return f"M: {pulse} lần/phút, HA: {sys_bp}/{dia}mmHg, T°: {temp}, NT: {_ri(rng, 16, 24)} l/p"
    if r < 0.8:
        return f"HA {sys_bp}/{dia}, M {pulse}, SpO2 {_ri(rng, 90, 100)}%"
    return f"Sinh hiệu: M {pulse} ck/p, HA {sys_bp}/{dia} mmHg, T {temp} độ"


def s_csst(ctx: TextContext) -> str:
    rng = ctx.rng
    parts = [f"M{_ri(rng, 60, 115)}", f"T{_ch(rng, ('37', '36.5', '37.5', '38', '38.5', '36.8'))}",
             f"HA{_ch(rng, (100, 110, 120, 130, 140, 150, 160))}/{_ch(rng, (60, 70, 80, 90))}",
             f"NT{_ri(rng, 16, 26)}"]
    if rng.random() < 0.4:
        parts.append(f"SP{_ri(rng, 90, 100)}")
    if rng.random() < 0.3:
        parts.append(f"HL{_ri(rng, 1, 3)}")
    joined = "_".join(parts)
    if rng.random() < 0.15:  # producers insert stray spaces (the annex example has one)
        joined = joined.replace("_HA", "_ HA")
    return f"CSST<{joined}>"


def s_hosp(ctx: TextContext) -> str:
    return _ch(ctx.rng, clinical.NAMED_HOSPITALS)


def s_lab(ctx: TextContext) -> str:
    rng = ctx.rng
    return _ch(rng, (f"Glucose {_ri(rng, 45, 160) / 10} mmol/L", f"HbA1c {_ri(rng, 55, 110) / 10}%",
                       f"Creatinin {_ri(rng, 60, 450)} µmol/L", f"BC {_ri(rng, 40, 210) / 10} G/L",
                       f"CRP {_ri(rng, 1, 180)} mg/L", f"Hb {_ri(rng, 70, 160)} g/L",
                       f"Kali {_ri(rng, 28, 55) / 10} mmol/L", f"Tiểu cầu {_ri(rng, 20, 400)} G/L"))


_TREATMENTS = {
    "resp": ("Tiếp tục kháng sinh Ceftriaxon 1g x 2 lọ/ngày", "Khí dung Salbutamol 2,5mg x 3 lần/ngày",
             "Thở oxy 2 lít/phút", "Paracetamol 500mg x 3 viên/ngày chia 3 lần"),
    "cardio": ("Amlodipin 5mg 1 viên sáng", "Uống 1/2 viên Furosemid 40mg sáng", "Theo dõi mạch, huyết áp 3 giờ/lần",
               "Chế độ ăn nhạt, hạn chế nước"),
    "endo": ("Insulin Mixtard 30 tiêm dưới da sáng 20UI, chiều 12UI", "Metformin 850mg x 2 viên/ngày",
             "Theo dõi đường huyết mao mạch 4 lần/ngày"),
    "gi": ("Omeprazol 20mg 1 viên trước ăn sáng", "Bù dịch, điện giải", "Esomeprazol 40mg tiêm TM 1 lọ/ngày"),
    "surg": ("Thay băng vết mổ hàng ngày", "Tiếp tục kháng sinh Ceftriaxon 1g x 2 lọ/ngày", "Giảm đau sau mổ"),
    "inf": ("Bù dịch, điện giải", "Hạ sốt Paracetamol khi sốt trên 38,5 độ", "Theo dõi tiểu cầu, hematocrit hàng ngày"),
    "neuro": ("Phục hồi chức năng vận động", "Clopidogrel 75mg 1 viên/ngày", "Theo dõi tri giác, dấu hiệu thần kinh"),
    "onc": ("Giảm đau Morphin 10mg 1/2 ống tiêm TM khi đau", "Truyền hóa chất theo phác đồ", "Nâng đỡ thể trạng"),
    "obst": ("Theo dõi co hồi tử cung, sản dịch", "Kháng sinh dự phòng", "Vệ sinh tầng sinh môn hàng ngày"),
    "renal": ("Lọc máu chu kỳ 3 lần/tuần", "Hạn chế nước, muối", "Epoetin tiêm dưới da sau lọc máu"),
}
_TREATMENTS_ANY = ("Chườm ấm, nghỉ ngơi", "Truyền NaCl 0,9% 500ml x 2 chai", "Theo dõi sát diễn biến",
                   "Paracetamol 500mg x 3 viên/ngày chia 3 lần", "Tiếp tục điều trị theo y lệnh")


def s_tx(ctx: TextContext) -> str:
    rng = ctx.rng
    pool = _TREATMENTS.get(ctx.group)
    return _ch(rng, pool if pool and rng.random() < 0.75 else _TREATMENTS_ANY)


def s_nday(ctx: TextContext) -> str:
    rng = ctx.rng
    n = _ri(rng, 1, 9)
    return _ch(rng, (f"Ngày thứ {n} điều trị", f"N{n} sau mổ", f"Ngày điều trị thứ {n}", f"N{n}",
                       f"Ngày {n} sau đẻ"))


def s_advice(ctx: TextContext) -> str:
    rng = ctx.rng
    if ctx.diagnosis.code == "B20" and rng.random() < 0.5:
        return "Tiếp tục điều trị ARV, tái khám sau 3 tháng"
    if ctx.age_days < 365 and rng.random() < 0.5:
        return "Cho bé bú mẹ hoàn toàn"
    return _ch(rng, (
        f"Tái khám sau {_ch(rng, (5, 7, 10, 14, 30))} ngày hoặc khi có dấu hiệu bất thường",
        "Uống thuốc theo đơn, tái khám khi hết thuốc", "Ăn nhạt, hạn chế mỡ, tập thể dục nhẹ nhàng",
        "Theo dõi huyết áp tại nhà", "Kiêng rượu bia, thuốc lá", "Uống nhiều nước, nghỉ ngơi",
        "Tái khám ngay nếu sốt cao, khó thở", "Hẹn tái khám định kỳ hàng tháng", "Giữ vệ sinh vết thương",
        "Chuyển khám chuyên khoa nếu không đỡ", "Theo dõi đường huyết mao mạch sáng và tối",
        "Không tự ý bỏ thuốc"))


def s_obst(ctx: TextContext) -> str:
    rng = ctx.rng
    return _ch(rng, (f"Thai {_ri(rng, 36, 41)} tuần", f"PARA {_ch(rng, ('0000', '1001', '2002', '1011'))}",
                       f"Tuổi thai {_ri(rng, 8, 39)} tuần", "Ngôi chỏm, ối còn", "Tim thai 140 l/p"))


SLOTS = {
    "name": s_name, "hname": s_hname, "bn": s_bn, "rel": s_rel, "relphone": s_relphone, "phone": s_phone,
    "cccd": s_cccd, "bhyt": s_bhyt, "addr": s_addr, "addr_only": s_addr_only, "loc": s_loc, "date": s_date,
    "date_past": s_date_past, "date_next": s_date_next, "age": s_age, "born": s_born, "pid": s_pid,
    "email": s_email, "doc": s_doc, "doc2": s_doc2, "nurse": s_nurse,
    "sym": s_sym, "symlow": s_symlow, "dur": s_dur, "dx": s_dx, "dxl": s_dxl, "dxcode": s_dxcode, "find": s_find,
    "vitals": s_vitals, "csst": s_csst, "hosp": s_hosp, "lab": s_lab, "tx": s_tx, "nday": s_nday,
    "advice": s_advice, "obst": s_obst,
}
_SLOT_RE = re.compile(r"\{(\w+)\}")


def _capitalized(slot):
    """``{Hname}`` at a sentence start: the slot's output with its first letter upper-cased (same length)."""
    def wrapped(ctx):
        produced = slot(ctx)
        if produced.__class__ is str:
            return produced[:1].upper() + produced[1:]
        (text, entity), *rest = produced
        return [(text[:1].upper() + text[1:], entity)] + rest
    return wrapped


def compile_template(template: str) -> tuple:
    """'BN {name}, {age}' -> ('BN ', s_name, ', ', s_age)."""
    parts = []
    pos = 0
    for m in _SLOT_RE.finditer(template):
        if m.start() > pos:
            parts.append(unicodedata.normalize("NFC", template[pos:m.start()]))
        name = m.group(1)
        parts.append(_capitalized(SLOTS[name.lower()]) if name[0].isupper() else SLOTS[name])
        pos = m.end()
    if pos < len(template):
        parts.append(unicodedata.normalize("NFC", template[pos:]))
    return tuple(parts)


def render(parts: tuple, ctx: TextContext) -> tuple[str, list[tuple[int, int, str]]]:
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for p in parts:
        if p.__class__ is str:
            out.append(p)
            pos += len(p)
            continue
        produced = p(ctx)
        if produced.__class__ is str:
            out.append(produced)
            pos += len(produced)
            continue
        for text, entity in produced:
            end = pos + len(text)
            if entity is not None:
                spans.append((pos, end, entity))
            out.append(text)
            pos = end
    text = "".join(out)
    if ctx.rng.random() < 0.03:
        text = text.translate(DEACCENT)
    return text, spans


class TemplateSet:
    """Templates for one field: with probability ``pii_share`` a PII template is used."""

    def __init__(self, plain: list[str], pii: list[str], pii_share: float):
        self.plain = tuple(compile_template(t) for t in plain)
        self.pii = tuple(compile_template(t) for t in pii)
        self.pii_share = pii_share

    def __call__(self, ctx: TextContext) -> tuple[str, list[tuple[int, int, str]]]:
        rng = ctx.rng
        pool = self.pii if self.pii and rng.random() < self.pii_share else self.plain
        return render(pool[int(rng.random() * len(pool))], ctx)


LY_DO_VV = TemplateSet(
    plain=["{sym}", "{sym} {dur}", "{sym}, {symlow}", "Khám bệnh: {symlow}", "{sym} {dur}, đã điều trị tại nhà không đỡ",
           "Tái khám theo hẹn", "Lĩnh thuốc định kỳ", "{sym}", "Đau, {symlow} {dur}", "{sym}. Tiền sử {dxl}",
           "Chuyển từ {hosp} với chẩn đoán {dxl}", "{sym} sau khi ăn", "Khám định kỳ, lĩnh thuốc {dxl}"],
    pii=["BN {name}, {age}, vào viện vì {symlow} {dur}", "{sym} {dur}. {Rel} đưa vào viện",
         "{Hname} {age}, {symlow} {dur}", "{sym}, {relphone}", "{bn} {born}, {symlow} {dur}",
         "{sym} {dur}, được {rel} đưa đến, {addr}", "{sym} từ {date}", "{sym} {dur}, {loc}",
         "Tái khám theo giấy hẹn {date}, {pid}", "{bn} {addr} vào viện vì {symlow}"],
    pii_share=0.2)
LY_DO_VNT = TemplateSet(
    plain=["{dx}", "Theo dõi {dxl}", "{sym}, cần điều trị nội trú", "Điều trị {dxl}", "{sym} {dur}, {find}"],
    pii=["{Hname} {age}, {symlow}, cần theo dõi nội trú", "Nhập viện {date} vì {symlow}"],
    pii_share=0.08)
CHAN_DOAN_VAO = TemplateSet(
    plain=["{dx}", "TD {dxl}", "Theo dõi {dxl}", "{dx}", "{dxcode} - {dx}", "{sym} - TD {dxl}"],
    pii=["BN {name} {age}: TD {dxl}", "{dx} / {bn}"], pii_share=0.03)
GHI_CHU = TemplateSet(
    plain=["{advice}", "{advice}. {advice}", "{advice}", "Đã tư vấn chế độ ăn uống, sinh hoạt",
           "{advice}; {tx}", "Hẹn tái khám sau khi hết thuốc"],
    pii=["Hẹn tái khám {date_next}", "{advice}. Liên hệ {doc}, {phone}", "{advice}. {Relphone}",
         "Hẹn tái khám {date_next}, gặp {doc}", "Người bệnh {name} đã được hướng dẫn tái khám {date_next}",
         "Giấy ra viện giao cho {rel}", "Bổ sung {cccd} khi tái khám", "{advice}. {Relphone}, {email}",
         "{bn} {addr}; {phone}", "Đã kiểm tra {bhyt}", "Chuyển {hosp} theo yêu cầu của {rel}"],
    pii_share=0.35)
DIEN_BIEN_LS = TemplateSet(
    plain=["{nday}. {vitals}. {find}. {tx}", "{csst} {find}. {find}", "{vitals}. {find}. Tiếp tục điều trị",
           "BN tỉnh, {symlow} giảm. {find}. {csst}", "{nday}: {find}, {lab}. {tx}",
           "Tỉnh, tiếp xúc tốt. {vitals}. {find}", "{csst}\n- {find}\n- {tx}", "{find}. {lab}. {tx}",
           "{sym} đỡ hơn. {vitals}", "Sáng: {find}. {csst}"],
    pii=["{nday}. {bn} tỉnh, {find}. {vitals}. {Rel} túc trực", "{csst} {Hname} còn {symlow}. {tx}",
         "{doc} khám: {find}. {tx}", "{find}. {nurse} theo dõi {csst}", "{bn}, {age}. {find}. {lab}",
         "{Relphone} được giải thích tình trạng bệnh", "{vitals}. {Hname} than {symlow}. Báo {doc}",
         "Sáng {date}: {find}. {tx}", "{nday}. {find}. {Rel} xin cho BN về, đã giải thích"],
    pii_share=0.4)
HOI_CHAN = TemplateSet(
    plain=["Hội chẩn khoa: thống nhất chẩn đoán {dxl}, tiếp tục điều trị nội khoa",
           "Hội chẩn: {dx}. Hướng xử trí: {tx}"],
    pii=["Hội chẩn khoa {date} gồm {doc} (chủ trì), {doc2}: thống nhất {dxl}, {tx}",
         "Hội chẩn liên khoa {date}: {doc}, {doc2}. Kết luận: {dx}",
         "Hội chẩn với {hosp} qua hệ thống khám chữa bệnh từ xa, {doc} tham gia: {tx}",
         "{bn} {age}, hội chẩn {date}: chỉ định chuyển {hosp}, {rel} đồng ý"],
    pii_share=0.85)
PHAU_THUAT = TemplateSet(
    plain=["Phẫu thuật thuận lợi, không tai biến", "Gây tê tủy sống, mổ theo quy trình, hậu phẫu ổn định"],
    pii=["Phẫu thuật viên: {doc}; phụ mổ: {doc2}; gây mê: {doc2}. Diễn biến: thuận lợi, không tai biến",
         "Mổ cấp cứu {date}: {doc} mổ chính, {nurse} dụng cụ. Cuộc mổ kéo dài 60 phút, mất máu ít",
         "Mổ {date}, PTV {doc}. Sau mổ {csst}"],
    pii_share=0.85)
KET_LUAN_IMAGING = TemplateSet(
    plain=["{dx}"], pii=["BN {name}, {age}: kết quả như trên", "Đã đối chiếu phim cũ {date_past}",
                         "Người đọc: {doc}"], pii_share=0.06)


def clean_text(text: str) -> str:
    """NFC and trimmed, as every generated free-text value must be."""
    return unicodedata.normalize("NFC", text).strip()
