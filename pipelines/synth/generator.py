"""The one episode generator behind every writer (XML files, CSV extracts, the HIS database seed).

Episodes are generated per facility, each facility with its own random stream derived from the
seed and its code, so the output does not depend on how facilities are spread over processes.
Order: facility by facility (in :data:`clinical.FACILITIES` order), day by day, episodes in file
order. A facility sends one file per day with the episodes discharged (and paid) that day.

Amounts are computed in integer cents (quantities and unit prices in thousandths), so the
money relations hold exactly: per row D1/D2/D4/D7 (S1/S2 for XML3) and per episode E1–E7.
Formats: amounts always with two decimals ("123456.00"); quantities and unit prices with up to
three decimals and no trailing zeros ("2", "0.5", "13.65"); date-times ``yyyymmddHHMM``; card
dates ``yyyymmdd``.
"""
from __future__ import annotations

import math
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date
from random import Random
from typing import Iterator

from pipelines.schema import load_schema
from pipelines.synth import clinical, freetext
from pipelines.synth.clinical import Diagnosis, Facility
from pipelines.synth.names import _ch, _ri, _rr, Name, person_name
from pipelines.synth.people import (
    BENEFIT_BY_LEVEL, Commune, card_group, bhxh_number, build_staff, cccd_number, cmnd_number, communes_by_province,
    landline_number, mobile_number, province_codes, street_part,
)

BASE_SALARY = 2_340_000  # VND from 2024-07-01; below 15 % of it an episode is paid at 100 %
REFORM_ORDINAL = date(2025, 7, 1).toordinal()
TABLE_IDS = ("xml1", "xml2", "xml3", "xml4", "xml5")
CARE_MIX = {
    "TW": (("01", 45), ("03", 28), ("02", 5), ("04", 3), ("05", 8), ("07", 5), ("08", 4), ("09", 2)),
    "tinh": (("01", 52), ("03", 18), ("02", 6), ("04", 2), ("05", 9), ("07", 8), ("08", 3), ("09", 2)),
    "huyen": (("01", 60), ("03", 12), ("02", 6), ("04", 1), ("05", 8), ("07", 10), ("06", 1), ("09", 2)),
    "pk": (("01", 92), ("05", 5), ("07", 3)),
}
CHRONIC_TYPES = frozenset({"05", "07", "08"})
STAY_TYPES = frozenset({"02", "03", "04", "06"})  # SO_NGAY_DTRI = date(RA) - date(VAO) + 1
ZERO_DAY_TYPES = frozenset({"01", "07", "09"})
NOTE_TYPES = frozenset({"02", "03", "04", "05", "06", "08", "09"})  # XML5 present
AGE_BANDS = (0, 2, 6, 16, 30, 45, 60, 75, 200)
_AGE_MIX_ALL = ((0, 1, 6), (1, 6, 10), (6, 16, 10), (16, 30, 12), (30, 45, 14), (45, 60, 18), (60, 75, 20),
                (75, 96, 10))
_AGE_MIX_CHRONIC = ((3, 16, 2), (16, 45, 10), (45, 60, 30), (60, 75, 40), (75, 96, 18))

HHMM = tuple(f"{m // 60:02d}{m % 60:02d}" for m in range(1440))
_DAY_CACHE: dict[int, str] = {}


def day_str(ordinal: int) -> str:
    s = _DAY_CACHE.get(ordinal)
    if s is None:
        s = _DAY_CACHE[ordinal] = date.fromordinal(ordinal).strftime("%Y%m%d")
    return s


def dt12(t: int) -> str:
    """Minutes since day 1 (ordinal * 1440 + minute) -> yyyymmddHHMM."""
    return day_str(t // 1440) + HHMM[t % 1440]


ZERO = "0.00"


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}" if cents >= 0 else "-" + money(-cents)


def milli(value: int) -> str:
    """Thousandths -> shortest decimal with at most three decimals."""
    whole, frac = divmod(value, 1000)
    return str(whole) if frac == 0 else f"{whole}.{frac:03d}".rstrip("0")


def div_round(n: int, d: int) -> int:
    """Round half up of n / d for non-negative integers."""
    return (2 * n + d) // (2 * d)


# ---------------------------------------------------------------------------------------------
# Data classes
# ---------------------------------------------------------------------------------------------

@dataclass
class Patient:
    name: Name
    male: bool
    sex_code: str
    birth_ordinal: int
    ngay_sinh: str
    birth_year: int
    cccd: str
    card_group: str
    card_level: str
    card_province: str
    bhxh: str
    card_month: int  # cards run for a year from the first day of this month
    ma_dkbd: str
    phone: str
    commune: Commune
    street: str
    address_style: int
    ma_bn: str
    ethnicity: str
    occupation: str
    blood: str
    khuvuc: str
    height_factor: float
    chronic: Diagnosis | None = None
    visits: int = 0

    @property
    def card(self) -> str:
        return self.card_group + self.card_level + self.card_province + self.bhxh


@dataclass
class Episode:
    """One treatment episode (one HOSO): XML1 row and detail rows, all values strings.

    ``spans`` maps (table id, row index, field) to the PII spans of that free-text value.
    ``defect`` is the truth record of the one injected defect, if any; ``resend`` marks an exact
    copy of an earlier episode (the duplicate_ma_lk defect) whose truth is already written.
    """

    facility: str
    day: str
    tables: dict[str, list[dict[str, str]]]
    spans: dict[tuple[str, int, str], list[tuple[int, int, str]]] = field(default_factory=dict)
    defect: dict | None = None
    resend: bool = False
    copied: bool = False  # an exact re-send of this episode follows (keep it parseable)

    @property
    def ma_lk(self) -> str:
        return self.tables["xml1"][0]["MA_LK"]

    @property
    def file_name(self) -> str:
        return f"{self.facility}_{self.day}.xml"


# ---------------------------------------------------------------------------------------------
# Samplers built once
# ---------------------------------------------------------------------------------------------

class _Sampler:
    __slots__ = ("items", "cum")

    def __init__(self, pairs):
        self.items = [p[0] for p in pairs]
        self.cum = []
        total = 0.0
        for _, w in pairs:
            total += w
            self.cum.append(total)

    def __call__(self, rng: Random):
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


_AGE_ALL = _Sampler([(band, band[2]) for band in _AGE_MIX_ALL])
_AGE_CHRONIC = _Sampler([(band, band[2]) for band in _AGE_MIX_CHRONIC])


def _sample(rng: Random, seq, k: int) -> list:
    """k distinct items (like ``rng.sample`` for small k, without its per-call overhead)."""
    pool = list(seq)
    n = len(pool)
    out = []
    for i in range(min(k, n)):
        j = i + int(rng.random() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
        out.append(pool[i])
    return out


_DX_SAMPLERS: dict[tuple[str, int, bool], _Sampler] = {}


def _band(age: int) -> int:
    return bisect(AGE_BANDS, age) - 1


def diagnosis_sampler(bucket: str, age: int, male: bool) -> _Sampler:
    key = (bucket, _band(age), male)
    s = _DX_SAMPLERS.get(key)
    if s is None:
        lo, hi = AGE_BANDS[key[1]], AGE_BANDS[key[1] + 1] - 1
        weight_of = {"exam": lambda d: d.w_exam, "chronic": lambda d: d.w_chronic,
                     "inpatient": lambda d: d.w_inpatient}[bucket]
        pairs = [(d, weight_of(d)) for d in clinical.DIAGNOSES
                 if weight_of(d) > 0 and d.age_min <= hi and d.age_max >= lo
                 and (d.sex is None or d.sex == ("M" if male else "F"))]
        if not pairs:  # e.g. chronic care for infants: fall back to the examination mix
            return diagnosis_sampler("exam", age, male)
        s = _DX_SAMPLERS[key] = _Sampler(pairs)
    return s


def _drugs_for(group: str, inpatient: bool) -> tuple[clinical.Drug, ...]:
    key = (group, inpatient)
    cached = _DRUG_CACHE.get(key)
    if cached is None:
        cached = tuple(d for d in clinical.DRUGS if group in d.groups and (inpatient or not d.inpatient_only))
        if not cached:
            cached = tuple(d for d in clinical.DRUGS if "other" in d.groups and (inpatient or not d.inpatient_only))
        _DRUG_CACHE[key] = cached
    return cached


_DRUG_CACHE: dict = {}
_ONC_CODES = tuple(d.code for d in clinical.DIAGNOSES if d.group == "onc" and d.w_chronic > 0)


# ---------------------------------------------------------------------------------------------
# Allocation of encounters to facility-days
# ---------------------------------------------------------------------------------------------

def parse_start(start_date) -> int:
    if isinstance(start_date, date):
        return start_date.toordinal()
    s = str(start_date).replace("-", "")
    if len(s) != 8 or not s.isdigit():
        raise ValueError("start_date must be YYYY-MM-DD or YYYYMMDD")
    return date(int(s[:4]), int(s[4:6]), int(s[6:])).toordinal()


def default_days(encounters: int, facilities: int) -> int:
    return max(1, min(365, math.ceil(encounters / (facilities * 20))))


def allocate(encounters: int, seed: int, start: int, days: int,
             facilities: tuple[Facility, ...]) -> dict[str, list[int]]:
    """Exact split of ``encounters`` over facility-days (volume, weekday and random variation)."""
    rng = Random(f"{seed}:allocation")
    weekday_factor = (1.0, 1.0, 1.0, 1.0, 0.95, 0.5, 0.25)
    weights = []
    for f in facilities:
        for d in range(days):
            weights.append(f.weight * weekday_factor[date.fromordinal(start + d).weekday()]
                           * rng.lognormvariate(0.0, 0.3))
    total = sum(weights)
    exact = [encounters * w / total for w in weights]
    counts = [int(x) for x in exact]
    remainder = encounters - sum(counts)
    order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[:remainder]:
        counts[i] += 1
    return {f.code: counts[i * days:(i + 1) * days] for i, f in enumerate(facilities)}


# ---------------------------------------------------------------------------------------------
# Per-facility stream
# ---------------------------------------------------------------------------------------------

_COLUMNS: dict[str, tuple[str, ...]] = {}


def columns(table_id: str) -> tuple[str, ...]:
    cols = _COLUMNS.get(table_id)
    if cols is None:
        cols = _COLUMNS[table_id] = tuple(load_schema().table(table_id).columns)
    return cols


_BLANK: dict[str, dict[str, str]] = {}


def blank_row(table_id: str) -> dict[str, str]:
    row = _BLANK.get(table_id)
    if row is None:
        row = _BLANK[table_id] = dict.fromkeys(columns(table_id), "")
    return row.copy()


class FacilityStream:
    """Generates the episodes of one facility over the planned days."""

    def __init__(self, facility: Facility, seed: int, start: int, counts: list[int], defects=None,
                 no_defect_days: frozenset[int] = frozenset()):
        self.f = facility
        self.seed = seed
        self.start = start
        self.counts = counts
        self.rng = Random(f"{seed}:{facility.code}")
        setup = Random(f"{seed}:{facility.code}:setup")
        staff = build_staff(setup, facility.cchn_issuer, facility.province)
        self.doctors = [s for s in staff if s.role == "doctor"]
        self.nurses = [s for s in staff if s.role == "nurse"]
        self.technicians = [s for s in staff if s.role == "technician"]
        self.upper_names = setup.random() < 0.45
        self.cdata = setup.random() < 0.3
        self.ma_lk_style = _rr(setup, 4)
        self.ma_bn_style = _rr(setup, 3)
        self.head_bhxh = bhxh_number(setup, facility.province)
        self.drug_price = {d.name: max(1, round(d.price * 1000 * (1 + setup.uniform(-0.08, 0.08)) / 1000)) * 1000
                           for d in clinical.DRUGS}
        self.drug_price["Oxy dược dụng"] = _ch(setup, (13_650, 14_175, 12_600))
        self.tenders = [f"{_ri(setup, 100, 999)}/QĐ-{'BV' if _rr(setup, 2) else 'SYT'};G{_ri(setup, 1, 5)};"
                        f"N{_ri(setup, 1, 5)};{_ri(setup, 2023, 2024)}" for _ in range(8)]
        self.exam_price = {"TW": 42_100, "tinh": 42_100, "huyen": 38_700, "pk": 38_700}[facility.level]
        self.care_types = _Sampler(CARE_MIX[facility.level])
        self.others = [c for c in province_codes() if c != facility.province]
        self.local_communes = communes_by_province()[facility.province]
        self.partners = [x.code for x in clinical.FACILITIES if x.code != facility.code]
        self.patients: list[Patient] = []
        self.chronic: list[Patient] = []
        self.seq = 0
        self.patient_seq = 0
        self.defects = defects  # DefectInjector or None
        self.no_defect_days = no_defect_days

    def start_offset(self, yyyymmdd: str) -> int:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])).toordinal() - self.start

    # -- patients ------------------------------------------------------------------------------
    def new_patient(self, day: int, chronic: bool) -> Patient:
        rng = self.rng
        lo, hi, _ = (_AGE_CHRONIC if chronic else _AGE_ALL)(rng)
        age_days = _rr(rng, lo * 365, hi * 365) if hi > lo else _rr(rng, 0, 365)
        if not chronic and lo == 0 and rng.random() < 0.08:
            age_days = _rr(rng, 0, 28)  # newborns
        birth = day - age_days
        birth_date = date.fromordinal(birth)
        roll = rng.random()
        male = roll < 0.49
        sex_code = "3" if roll > 0.9995 else ("1" if male else "2")
        if self.local_communes and rng.random() < (0.7 if self.f.level == "TW" else 0.92):
            commune = _ch(rng, self.local_communes)
        else:
            commune = _ch(rng, communes_by_province()[_ch(rng, self.others)])
        home = commune.old_province
        birth_province = home if rng.random() < 0.8 else _ch(rng, province_codes())
        year = birth_date.year
        name = person_name(rng, male, year, home)
        if age_days < 28:
            minute = _rr(rng, 1440)
        else:
            minute = 0 if rng.random() < 0.85 else _rr(rng, 1440)
        year_only = (year < 1950 and rng.random() < 0.4) or rng.random() < 0.01
        ngay_sinh = f"{year}00000000" if year_only and age_days >= 365 else day_str(birth) + HHMM[minute]
        age = age_days // 365
        if age < 14 and rng.random() < 0.4:
            cccd = ""
        elif rng.random() < 0.02:
            cccd = ""
        elif year < 1975 and rng.random() < 0.2:
            cccd = cmnd_number(rng)
        else:
            cccd = cccd_number(rng, birth_province, year, not male)
        group, level = card_group(rng, age)
        card_province = home if rng.random() < 0.9 else _ch(rng, province_codes())
        if rng.random() < 0.5 or self.f.level == "huyen":
            dkbd = self.f.code if home == self.f.province else f"{home}{_rr(rng, 1, 999):03d}"
        else:
            dkbd = f"{home}{_rr(rng, 1, 999):03d}"
        phone_roll = rng.random()
        if phone_roll < 0.68:
            phone = mobile_number(rng)
        elif phone_roll < 0.78:
            phone = landline_number(rng, home)
        else:
            phone = ""
        if name.minority:
            ethnicity = clinical.ETHNICITY_HMONG if home in ("02", "10", "11", "12", "14", "15", "04", "06", "08",
                                                              "20") else clinical.ETHNICITY_EDE
        else:
            ethnicity = clinical.ETHNICITY_MAJORITY if rng.random() < 0.93 else _ch(rng, clinical.ETHNICITY_OTHER)
        self.patient_seq += 1
        n = self.patient_seq
        yy = date.fromordinal(day).year % 100
        ma_bn = (f"{yy:02d}{n:06d}", f"BN{n:08d}", f"{self.f.code}{n:07d}")[self.ma_bn_style]
        p = Patient(
            name=name, male=male, sex_code=sex_code, birth_ordinal=birth, ngay_sinh=ngay_sinh, birth_year=year,
            cccd=cccd, card_group=group, card_level=level, card_province=card_province,
            bhxh=bhxh_number(rng, card_province), card_month=_ri(rng, 1, 12), ma_dkbd=dkbd, phone=phone,
            commune=commune, street=street_part(rng, commune), address_style=_rr(rng, 10), ma_bn=ma_bn,
            ethnicity=ethnicity, occupation=_ch(rng, clinical.OCCUPATIONS) if age >= 18 else "00000",
            blood=_ch(rng, clinical.BLOOD_GROUPS) if rng.random() < 0.12 else "",
            khuvuc=_ch(rng, ("K1", "K2", "K3")) if rng.random() < 0.05 else "",
            height_factor=rng.uniform(0.85, 1.2))
        self.patients.append(p)
        return p

    def address(self, p: Patient, new_system: bool) -> tuple[str, tuple[str, str, str, str], str, str, str]:
        """DIA_CHI text, its parts, MATINH, MAHUYEN, MAXA in the code system of the episode date."""
        c = p.commune
        if new_system:
            ward, district, province = c.new_ward_name, "", c.new_province_name
            matinh, mahuyen, maxa = c.new_province, (c.old_district if p.address_style < 4 else ""), c.new_ward
        else:
            ward, district, province = c.old_ward_name, c.old_district_name, c.old_province_name
            matinh, mahuyen, maxa = c.old_province, c.old_district, c.old_ward
        style = p.address_style
        shown_province = province
        if style in (7, 8):
            shown_province = province.replace("Thành phố ", "").replace("Tỉnh ", "")
        elif style == 9:
            shown_province = province.replace("Thành phố ", "TP. ")
        sep = " - " if style == 6 else ", "
        text = sep.join(x for x in (p.street, ward, district, shown_province) if x)
        return text, (p.street, ward, district, province), matinh, mahuyen, maxa

    # -- episodes ------------------------------------------------------------------------------
    def episodes(self) -> Iterator[Episode]:
        for offset, count in enumerate(self.counts):
            if not count:
                continue
            day = self.start + offset
            file_episodes: list[Episode] = []
            for index in range(count):
                ep = self.episode(day, index + 1)
                if self.defects is not None:
                    ep = self.defects.maybe_inject(self, ep, file_episodes, allowed=offset not in self.no_defect_days)
                file_episodes.append(ep)
                yield ep

    def episode(self, day: int, stt: int) -> Episode:
        rng = self.rng
        f = self.f
        care = self.care_types(rng)
        dx: Diagnosis | None = None
        patient: Patient | None = None
        if care in CHRONIC_TYPES:
            if self.chronic and rng.random() < 0.8:
                patient = self.chronic[int(rng.random() * len(self.chronic))]
                dx = patient.chronic
            else:
                patient = self.new_patient(day, chronic=True)
        elif self.patients and rng.random() < 0.15:
            patient = self.patients[int(rng.random() * len(self.patients))]
        else:
            patient = self.new_patient(day, chronic=False)
        age_days = day - patient.birth_ordinal
        age = age_days // 365
        if dx is None:
            if care == "08" and age >= 20:
                dx = clinical.DIAGNOSIS_BY_CODE["N18.5" if rng.random() < 0.7 else _ch(rng, _ONC_CODES)]
            else:
                bucket = "chronic" if care in CHRONIC_TYPES else ("exam" if care == "01" else "inpatient")
                dx = diagnosis_sampler(bucket, age, patient.male)(rng)
            if care in CHRONIC_TYPES and dx.w_chronic > 0 and patient.chronic is None:
                patient.chronic = dx
                self.chronic.append(patient)
        # Care type follows the chronic condition: dialysis and chemotherapy are 08.
        if care in CHRONIC_TYPES:
            if dx.code == "N18.5" or (dx.group == "onc" and care == "08"):
                care = "08"
            elif care == "08":
                care = "05"
            if dx.code == "B20" and rng.random() < 0.6:
                care = "07"
        if care in ("03", "04", "06", "02", "09") and not f.inpatient:
            care = "01"
        patient.visits += 1
        self.seq += 1
        return self.build(day, stt, care, dx, patient, age_days)

    def build(self, day: int, stt: int, care: str, dx: Diagnosis, p: Patient, age_days: int) -> Episode:
        rng = self.rng
        f = self.f
        age = age_days // 365
        group = dx.group
        child = age < 16
        dept = clinical.DEPT_EXAM if care in ("01", "05", "07") else (
            clinical.DEPT_PEDIATRICS if child and group not in ("surg", "inj", "obst") else clinical.DEPT_BY_GROUP[group])
        emergency = care in ("03", "09") and rng.random() < 0.35 or care == "01" and rng.random() < 0.04

        # ---- dates (minutes since ordinal 0) -------------------------------------------------
        d0 = day * 1440
        vao_nt = 0
        if care == "01":
            vao = d0 + (_rr(rng, 0, 1380) if emergency else _rr(rng, 420, 990))
            ra = min(vao + _rr(rng, 30, 300), d0 + 1439)
            los = 1
        elif care in ("05", "07"):
            vao = d0 + _rr(rng, 420, 990)
            ra = d0 + 1439
            los = 1
        elif care == "09":
            vao = d0 + _rr(rng, 0, 1200)
            vao_nt = vao + _rr(rng, 10, 60)
            ra = min(vao_nt + _rr(rng, 60, 235), d0 + 1439)
            los = 1
        elif care == "08":
            los = _ri(rng, 20, 30)
            vao = (day - los + 1) * 1440 + _rr(rng, 420, 600)
            vao_nt = vao + _rr(rng, 5, 40)
            ra = d0 + _rr(rng, 600, 1000)
        else:
            if care == "02":
                los = _ri(rng, 3, 20)
            elif care == "04":
                los = _ri(rng, 1, 10)
            elif care == "06":
                los = _ri(rng, 1, 5)
            elif dx.code in ("O80", "O82"):
                los = _ri(rng, 2, 6)
            elif dx.surgery:
                los = _ri(rng, 3, 10)
            else:
                los = max(1, min(30, int(rng.lognormvariate(1.6, 0.5))))
            vao = (day - los + 1) * 1440 + _rr(rng, 0, 1380)
            vao_nt = vao + _rr(rng, 15, 180)
            if care == "02":
                ra = d0 + 1439
            else:
                ra = max(d0 + _rr(rng, 480, 1080), vao_nt + 60)
                if ra // 1440 != day:
                    ra = d0 + 1439
        if vao // 1440 < p.birth_ordinal:  # a newborn's stay cannot start before its birth day
            vao = p.birth_ordinal * 1440
            vao_nt = max(vao_nt, vao) if vao_nt else 0
        vao_nt = min(vao_nt, ra) if vao_nt else 0
        ttoan = ra if ra % 1440 == 1439 else min(ra + _rr(rng, 5, 180), d0 + 1439)
        vao_day, ra_day = vao // 1440, ra // 1440
        if care in STAY_TYPES:
            so_ngay = ra_day - vao_day + 1
        elif care == "05":
            so_ngay = _ch(rng, (28, 30, 30, 30, 60, 90))
        elif care == "08":
            so_ngay = _ri(rng, 10, 13)
        else:
            so_ngay = 0
        new_system = vao_day >= REFORM_ORDINAL

        # ---- card ------------------------------------------------------------------------------
        card = p.card
        vao_date = date.fromordinal(vao_day)
        if p.card_group == "TE":
            tu = p.birth_ordinal
            bd = date.fromordinal(p.birth_ordinal)
            den = _add_years(bd, 6).toordinal() - 1
            periods = [(tu, den)]
        else:
            y = vao_date.year if vao_date.month >= p.card_month else vao_date.year - 1
            start = date(y, p.card_month, 1)
            periods = [(start.toordinal(), _add_years(start, 1).toordinal() - 1)]
        while periods[-1][1] < ra_day:  # card renewed during the episode
            nxt = periods[-1][1] + 1
            periods.append((nxt, _add_years(date.fromordinal(nxt), 1).toordinal() - 1))
        n_cards = len(periods)
        benefit = BENEFIT_BY_LEVEL[p.card_level]

        # ---- coverage category --------------------------------------------------------------
        referred_from = ""
        if dx.code == "B20":
            doituong = "1.9"
        elif dx.code.startswith("A15"):
            doituong = "1.8"
        elif age_days < 28:
            doituong = "1.7"
        elif care == "07":
            doituong = "7.1"
        elif emergency:
            doituong = "2"
        else:
            r = rng.random()
            if f.level in ("TW", "tinh") and r < 0.15:
                doituong = "1.3"
                referred_from = _ch(rng, self.partners)
            elif r < 0.2:
                doituong = "1.5" if f.level != "pk" else "1.1"
            elif r < 0.26 and care in ("03", "04") and f.level in ("TW", "tinh"):
                doituong = "3.1"
            elif r < 0.29 and p.card_group in ("DT", "HN"):
                doituong = "3.6"
            else:
                doituong = "1.1" if r < 0.9 else "1.2"
        if doituong == "3.1" and f.level == "TW":
            benefit = round(benefit * 0.4)

        # ---- free-text context ---------------------------------------------------------------
        dia_chi, addr_parts, matinh, mahuyen, maxa = self.address(p, new_system)
        ctx = freetext.TextContext(rng)
        ctx.patient = p.name
        ctx.patient_birth_year = p.birth_year
        ctx.age = age
        ctx.age_days = age_days
        ctx.age_months = max(1, age_days // 30)
        ctx.male = p.male
        ctx.diagnosis = dx
        ctx.group = group
        ctx.doctors = self.doctors
        ctx.nurses = self.nurses
        ctx.technicians = self.technicians
        ctx.day = vao_day
        ctx.new_system = new_system
        ctx.address_text = dia_chi
        ctx.address_parts = addr_parts
        ctx.ma_bn = p.ma_bn
        ctx.card = card
        ctx.cccd = p.cccd
        ctx.phone = p.phone
        ctx.province = p.commune.old_province
        yy = f"{vao_date.year % 100:02d}"
        ctx.ma_hsba = ma_hsba = (f"{yy}.{self.seq:06d}" if care in STAY_TYPES else f"KB{yy}{self.seq:07d}")
        spans: dict[tuple[str, int, str], list[tuple[int, int, str]]] = {}

        # ---- staff ---------------------------------------------------------------------------
        doctor = self.doctors[int(rng.random() * len(self.doctors))]
        nurse = self.nurses[int(rng.random() * len(self.nurses))]

        # ---- details: services (XML3) and drugs (XML2) ----------------------------------------
        items3: list[list] = []  # [row dict, qty_milli, price_bv_milli, price_bh_milli, tyle_dv, tyle_bh]
        items2: list[list] = []
        procedures: list[str] = []
        yl_base = vao_nt or vao
        khoa_list = [clinical.DEPT_EMERGENCY, dept] if emergency and care in ("03", "04") else [dept]

        def when(low: int = 0, high: int | None = None) -> int:
            hi = ra if high is None else min(high, ra)
            lo = min(yl_base + low, hi)
            return lo + int(rng.random() * (hi - lo + 1))

        def service_row(svc_code, name, nhom, unit, qty_milli, price_bv, price_bh, tyle_dv=100, tyle_bh=100,
                        supply: clinical.Supply | None = None, performed=True, khoa=None, t=None, **extra):
            row = blank_row("xml3")
            t = when() if t is None else t
            row["MA_DICH_VU"] = svc_code
            row["MA_NHOM"] = nhom
            row["TEN_DICH_VU"] = name
            row["DON_VI_TINH"] = unit
            row["PHAM_VI"] = "1"
            row["SO_LUONG"] = milli(qty_milli)
            row["DON_GIA_BV"] = milli(price_bv)
            row["DON_GIA_BH"] = milli(price_bh)
            row["TYLE_TT_DV"] = str(tyle_dv)
            row["TYLE_TT_BH"] = str(tyle_bh)
            row["MA_KHOA"] = khoa or khoa_list[-1]
            row["MA_BAC_SI"] = doctor.cchn
            row["MA_BENH"] = dx.code
            row["NGAY_YL"] = dt12(t)
            row["MA_PTTT"] = "1"
            if supply is not None:
                row["MA_VAT_TU"] = supply.code
                row["TEN_VAT_TU"] = supply.name
                row["GOI_VTYT"] = supply.package
                row["TT_THAU"] = _ch(rng, self.tenders)
            if nhom in ("1", "2", "3", "8", "18") and performed:
                th = min(t + _rr(rng, 5, 90), ra)
                row["NGAY_TH_YL"] = dt12(th)
                performer = (_ch(rng, self.technicians) if nhom in ("1", "2") else doctor).cchn
                row["NGUOI_THUC_HIEN"] = performer
                row["NGAY_KQ"] = dt12(min(th + _rr(rng, 15, 240), ra))
            row.update(extra)
            items3.append([row, qty_milli, price_bv, price_bh, tyle_dv, tyle_bh])
            return row

        exam_name = clinical.EXAM_BY_GROUP[group]
        if care != "07":
            service_row(f"02.{1896 + len(exam_name) % 7:04d}.1899", exam_name, "13", "Lần", 1000,
                        self.exam_price * 1000, self.exam_price * 1000, khoa=clinical.DEPT_EXAM if care != "08" else dept,
                        t=vao + _rr(rng, 0, 30) if vao + 30 <= ra else vao)
            if care == "01" and rng.random() < 0.06:  # second specialty exam the same day, paid at 30 %
                service_row("02.1898.1899", "Khám Tim mạch" if group != "cardio" else "Khám Nội tiết", "13", "Lần",
                            1000, self.exam_price * 1000, self.exam_price * 1000, tyle_dv=30, khoa=clinical.DEPT_EXAM)
        panel = clinical.LAB_PANEL_BY_GROUP.get(group, ())
        lab_rows: list[tuple[dict, clinical.Service]] = []
        if panel and care != "07":
            if care == "01":
                n_labs = 0 if rng.random() < 0.55 else _ri(rng, 1, min(3, len(panel)))
            elif care in ("05", "08"):
                n_labs = 0 if rng.random() < 0.5 else _ri(rng, 1, min(3, len(panel)))
            else:
                n_labs = _ri(rng, 1, len(panel))
            for key in _sample(rng, panel, n_labs):
                svc = clinical.SERVICES[key]
                price_bv = svc.price * 1000
                price_bh = price_bv
                if rng.random() < 0.04:  # on-demand service priced above the BHYT price
                    price_bv = round(price_bh * 1.3 / 1000) * 1000
                row = service_row(svc.code, svc.name, svc.group_code, svc.unit, 1000, price_bv, price_bh,
                                  khoa=khoa_list[-1],
                                  MA_MAY=f"{svc.machine}.1.{f.code}.{_ri(rng, 1, 4)}" if svc.machine else "",
                                  MA_PTTT_QT=svc.procedure)
                lab_rows.append((row, svc))
        if care == "08":
            svc = clinical.SERVICES["dialysis" if dx.code == "N18.5" else "chemo"]
            sessions = so_ngay if dx.code == "N18.5" else _ri(rng, 1, 3)
            service_row(svc.code, svc.name, svc.group_code, svc.unit, sessions * 1000, svc.price * 1000,
                        svc.price * 1000, MA_PTTT_QT=svc.procedure)
            procedures.append(svc.procedure)
            if dx.code == "N18.5":
                s = clinical.SUPPLY_DIALYSIS
                service_row(svc.code, svc.name, "10", s.unit, sessions * 1000, s.price * 1000, s.price * 1000,
                            supply=s)
        surgery_time = 0
        if care in ("03", "04") and dx.surgery:
            svc = clinical.SERVICES[dx.surgery]
            surgery_time = when(60, yl_base + 2 * 1440)
            service_row(svc.code, svc.name, svc.group_code, svc.unit, 1000, svc.price * 1000, svc.price * 1000,
                        t=surgery_time, MA_PTTT_QT=svc.procedure, PP_VO_CAM=svc.anaesthesia,
                        MA_KHOA=khoa_list[-1])
            procedures.append(svc.procedure)
            if svc.group_code == "8":
                for s in _sample(rng, clinical.SUPPLIES_SURGERY, _ri(rng, 2, 4)):
                    qty = _ri(rng, 1, 3) * 1000
                    service_row(svc.code, svc.name, "10", s.unit, qty, s.price * 1000, s.price * 1000, supply=s,
                                t=surgery_time)
        elif care == "01" and dx.surgery in ("suture", "cast"):
            svc = clinical.SERVICES[dx.surgery]
            service_row(svc.code, svc.name, svc.group_code, svc.unit, 1000, svc.price * 1000, svc.price * 1000,
                        MA_PTTT_QT=svc.procedure, PP_VO_CAM=svc.anaesthesia)
            procedures.append(svc.procedure)
        if care in ("03", "04", "06", "02") and group == "resp" and rng.random() < 0.4:
            svc = clinical.SERVICES["nebulizer"]
            service_row(svc.code, svc.name, svc.group_code, svc.unit, min(los, 5) * 3000, svc.price * 1000,
                        svc.price * 1000)
        # bed-days
        bed_days = max(1, ra_day - vao_day) if care in ("03", "06") else (los if care == "04" else 0)
        if bed_days:
            if care == "04":
                name, price = "Ngày giường bệnh ban ngày - Hạng I", 59_700
                service_row(f"{dept}.1923", name, "14", "Ngày", bed_days * 1000, price * 1000, price * 1000,
                            t=yl_base, MA_GIUONG=f"H{_ri(rng, 1, 40):03d}")
            else:
                split = emergency and bed_days > 1
                for k, d in enumerate(khoa_list if split else khoa_list[-1:]):
                    name, price = clinical.BED_NAME_BY_DEPT.get(d, clinical.BED_DEFAULT)
                    n_days = 1 if split and k == 0 else (bed_days - 1 if split else bed_days)
                    shared = rng.random() < 0.08
                    bed = (f"T{_ri(rng, 1, 20):03d}" if shared else f"H{_ri(rng, 1, 60):03d}")
                    service_row(f"{d}.19{_ri(rng, 10, 30)}", name, "15", "Ngày", n_days * 1000, price * 1000,
                                price * 1000, tyle_dv=50 if shared else 100, khoa=d,
                                t=yl_base if k == 0 else yl_base + 1440, MA_GIUONG=bed)
            for s in _sample(rng, clinical.SUPPLIES_BASIC, _ri(rng, 1, 3)):
                service_row("", "", "10", s.unit, _ri(rng, 1, max(2, bed_days * 2)) * 1000, s.price * 1000,
                            s.price * 1000, supply=s)

        # drugs
        if care == "07" or care == "05":
            n_drugs = _ri(rng, 1, 5)
            drug_days = so_ngay if care == "05" else _ch(rng, (28, 30, 30))
        elif care == "01":
            n_drugs = 0 if rng.random() < 0.18 else _ri(rng, 1, 5)
            drug_days = _ch(rng, (3, 5, 5, 7, 7, 10))
        elif care == "08":
            n_drugs = _ri(rng, 0, 3)
            drug_days = so_ngay
        elif care == "09":
            n_drugs = _ri(rng, 1, 3)
            drug_days = 1
        else:
            n_drugs = _ri(rng, 3, 10)
            drug_days = max(1, ra_day - vao_day + 1)
        candidates = _drugs_for(group, care in ("03", "04", "06", "09", "02") or care == "08")
        chosen = _sample(rng, candidates, min(n_drugs, len(candidates))) if n_drugs else []
        for drug in chosen:
            if drug.per_day >= 1:
                days_used = drug_days if drug.inpatient_only is False or care not in ("03", "04") else _ri(rng,
                    1, drug_days)
                qty = max(1, round(drug.per_day * days_used * rng.uniform(0.7, 1.1))) * 1000
            else:
                qty = max(1, math.ceil(drug.per_day * drug_days)) * 1000
            price = self.drug_price[drug.name]
            pham_vi = "1" if rng.random() > 0.02 else "2"
            ratio = drug.ratio if pham_vi == "1" else 0
            row = blank_row("xml2")
            t = when(5, yl_base + 120) if care not in ("03", "04", "06", "02") else when(0)
            row.update({
                "MA_THUOC": drug.code, "MA_NHOM": drug.group_code, "TEN_THUOC": drug.name, "DON_VI_TINH": drug.unit,
                "HAM_LUONG": drug.strength, "DUONG_DUNG": drug.route, "DANG_BAO_CHE": drug.form,
                "LIEU_DUNG": drug.dose.replace("{n}", milli(max(1000, int(drug.per_day * 1000)))) + (
                    f" x {drug_days} ngày" if care in ("01", "05", "07") and drug.per_day >= 1 else ""),
                "CACH_DUNG": drug.how, "SO_DANG_KY": drug.registration,
                "TT_THAU": _ch(rng, self.tenders),
                "PHAM_VI": pham_vi, "TYLE_TT_BH": str(ratio), "SO_LUONG": milli(qty), "DON_GIA": milli(price),
                "MA_KHOA": khoa_list[-1], "MA_BAC_SI": doctor.cchn, "NGAY_YL": dt12(t),
                "NGAY_TH_YL": dt12(min(t + _rr(rng, 0, 90), ra)) if care not in ("01", "05", "07") else "",
                "MA_PTTT": "1", "NGUON_CTRA": "3" if drug.name in clinical.PROGRAMME_DRUG_NAMES else "1",
            })
            items2.append([row, qty, price, price, 100, ratio])

        sums = self.settle(care, items2 + items3, benefit)
        ma_lk = self.make_ma_lk(vao_date, p, care)
        xml2 = []
        for i, item in enumerate(items2, 1):
            item[0]["MA_LK"] = ma_lk
            item[0]["STT"] = str(i)
            xml2.append(item[0])
        xml3 = []
        for i, item in enumerate(sorted(items3, key=lambda it: it[0]["NGAY_YL"]), 1):
            item[0]["MA_LK"] = ma_lk
            item[0]["STT"] = str(i)
            xml3.append(item[0])

        xml4 = self.results(lab_rows, ma_lk, ctx, spans)
        xml5 = self.notes(care, group, ma_lk, (vao, vao_nt, ra), doctor, nurse, surgery_time, ctx, spans)

        # ---- XML1 ---------------------------------------------------------------------------
        x1 = blank_row("xml1")
        name = p.name.full
        if age_days < 28 and rng.random() < 0.5:  # newborn without a birth registration: mother's name
            name = person_name(rng, False, 1995, p.commune.old_province).full
        x1["MA_LK"] = ma_lk
        x1["STT"] = str(stt)
        x1["MA_BN"] = p.ma_bn
        x1["HO_TEN"] = name.upper() if self.upper_names else name
        x1["SO_CCCD"] = p.cccd
        x1["NGAY_SINH"] = p.ngay_sinh
        x1["GIOI_TINH"] = p.sex_code
        x1["NHOM_MAU"] = p.blood
        x1["MA_QUOCTICH"] = "000"
        x1["MA_DANTOC"] = p.ethnicity
        x1["MA_NGHE_NGHIEP"] = p.occupation if age >= 18 else "00000"
        x1["DIA_CHI"] = dia_chi
        x1["MATINH_CU_TRU"] = matinh
        x1["MAHUYEN_CU_TRU"] = mahuyen
        x1["MAXA_CU_TRU"] = maxa
        x1["DIEN_THOAI"] = p.phone
        x1["MA_THE_BHYT"] = ";".join([card] * n_cards)
        x1["MA_DKBD"] = ";".join([p.ma_dkbd] * n_cards)
        x1["GT_THE_TU"] = ";".join(day_str(a) for a, _ in periods)
        x1["GT_THE_DEN"] = ";".join(day_str(b) for _, b in periods)
        for fld, ts in (("LY_DO_VV", freetext.LY_DO_VV), ("CHAN_DOAN_VAO", freetext.CHAN_DOAN_VAO)):
            text, sp = ts(ctx)
            x1[fld] = text
            if sp:
                spans[("xml1", 0, fld)] = sp
        if vao_nt:
            text, sp = freetext.LY_DO_VNT(ctx)
            x1["LY_DO_VNT"] = text
            if sp:
                spans[("xml1", 0, "LY_DO_VNT")] = sp
        # secondary diagnoses
        n_kt = 0
        if age >= 16:
            r = rng.random() + (0.25 if age >= 60 else 0.0)
            n_kt = 0 if r < 0.5 else 1 if r < 0.75 else 2 if r < 0.9 else 3 if r < 1.05 else 4
            pool = clinical.COMORBIDITIES
        elif rng.random() < 0.15:
            n_kt = 1
            pool = clinical.COMORBIDITIES_CHILD
        kt = [c for c in _sample(rng, pool, n_kt) if c != dx.code] if n_kt else []
        x1["MA_BENH_CHINH"] = dx.code
        x1["MA_BENH_KT"] = ";".join(kt)
        x1["CHAN_DOAN_RV"] = self.discharge_diagnosis(dx, kt)
        if rng.random() < 0.01:
            text, sp = freetext.CHAN_DOAN_VAO(ctx)
            if sp:
                shift = len(x1["CHAN_DOAN_RV"]) + 2
                x1["CHAN_DOAN_RV"] += ". " + text
                spans[("xml1", 0, "CHAN_DOAN_RV")] = [(a + shift, b + shift, e) for a, b, e in sp]
        x1["MA_PTTT_QT"] = ";".join(dict.fromkeys(procedures))
        x1["MA_DOITUONG_KCB"] = doituong
        x1["MA_NOI_DI"] = referred_from
        x1["MA_TAI_NAN"] = _ch(rng, ("1", "1", "2", "8")) if group == "inj" else ""
        x1["NGAY_VAO"] = dt12(vao)
        x1["NGAY_VAO_NOI_TRU"] = dt12(vao_nt) if vao_nt else ""
        x1["NGAY_RA"] = dt12(ra)
        # outcome and discharge type
        r = rng.random()
        if care == "01":
            ket_qua = "1" if r < 0.3 else "2" if r < 0.9 else "3" if r < 0.97 else "7"
        else:
            ket_qua = ("1" if r < 0.35 else "2" if r < 0.9 else "3" if r < 0.94 else "4" if r < 0.965 else
                       "5" if r < 0.972 else "6" if r < 0.978 else "8" if r < 0.98 else "7")
        r = rng.random()
        loai_rv = "1" if r < 0.92 else "2" if r < 0.96 else "4" if r < 0.985 else "5" if r < 0.995 else "3"
        if loai_rv in ("2", "5"):
            x1["MA_NOI_DEN"] = _ch(rng, self.partners)
            ket_qua = ket_qua if ket_qua in ("3", "4", "6") else "3"
        if referred_from or loai_rv in ("2", "5"):
            x1["GIAY_CHUYEN_TUYEN"] = f"{_ri(rng, 1, 9999)}/{vao_date.year}/GCT"
        x1["SO_NGAY_DTRI"] = str(so_ngay)
        x1["PP_DIEU_TRI"] = ("Phẫu thuật" if surgery_time else "Nội khoa" if rng.random() < 0.5 else
                             "Điều trị nội khoa") if care != "07" else ""
        x1["KET_QUA_DTRI"] = ket_qua
        x1["MA_LOAI_RV"] = loai_rv
        if rng.random() < 0.7:
            text, sp = freetext.GHI_CHU(ctx)
            x1["GHI_CHU"] = text
            if sp:
                spans[("xml1", 0, "GHI_CHU")] = sp
        x1["NGAY_TTOAN"] = dt12(ttoan)
        x1["T_THUOC"] = money(sums["thuoc"])
        x1["T_VTYT"] = money(sums["vtyt"])
        x1["T_TONGCHI_BV"] = money(sums["bv"])
        x1["T_TONGCHI_BH"] = money(sums["bh"])
        x1["T_BNTT"] = money(sums["bntt"])
        x1["T_BNCCT"] = money(sums["bncct"])
        x1["T_BHTT"] = money(sums["bh"] - sums["bncct"])
        x1["T_NGUONKHAC"] = money(sums["nk"])
        x1["T_BHTT_GDV"] = money(sums["gdv"])
        pay_date = date.fromordinal(ttoan // 1440)
        x1["NAM_QT"] = str(pay_date.year)
        x1["THANG_QT"] = str(pay_date.month)
        x1["MA_LOAI_KCB"] = care
        x1["MA_KHOA"] = ";".join(dict.fromkeys(khoa_list))
        x1["MA_CSKCB"] = f.code
        x1["MA_KHUVUC"] = p.khuvuc
        x1["CAN_NANG"] = f"{body_weight(age_days, p.male, p.height_factor):.2f}"
        if dx.code in ("O80", "O82"):
            x1["CAN_NANG_CON"] = str(_ri(rng, 2600, 3900)) if rng.random() < 0.97 else \
                f"{_ri(rng, 2000, 2800)};{_ri(rng, 2000, 2800)}"
        if care in ("01", "05") and rng.random() < 0.2:
            x1["NGAY_TAI_KHAM"] = day_str(ra_day + _ch(rng, (7, 14, 30)))
        x1["MA_HSBA"] = ma_hsba
        x1["MA_TTDV"] = self.head_bhxh
        tables = {"xml1": [x1], "xml2": xml2, "xml3": xml3, "xml4": xml4, "xml5": xml5}
        return Episode(f.code, day_str(day), tables, spans)

    def settle(self, care: str, items: list[list], benefit: int) -> dict[str, int]:
        """Money of every detail row (D1-D7, S1-S2) in integer cents; returns the episode sums (E1-E7).

        ``items`` are ``[row, quantity, price_bv, price_bh, tyle_dv, tyle_bh]`` with quantities and prices
        in thousandths. Support from other sources is deducted from the self-paid part first (D5 case a).
        """
        rng = self.rng
        f = self.f
        payment = "1"
        if f.level == "huyen" and care == "01" and rng.random() < 0.25:
            payment = "2"
        elif f.level in ("TW", "tinh") and care == "03" and rng.random() < 0.05:
            payment = "3"
        computed = []
        total_bv = 0
        for row, qty, price_bv, price_bh, tyle_dv, tyle_bh in items:
            # (qty/1000) * (price/1000) VND = qty*price / 1e6 VND = qty*price / 1e4 cents
            bv = div_round(qty * price_bv * tyle_dv, 10_000 * 100)
            bh = div_round(qty * price_bh * tyle_dv * tyle_bh, 10_000 * 100 * 100)
            computed.append((row, bv, bh))
            total_bv += bv
        muc = benefit
        if total_bv < BASE_SALARY * 15 or f.level == "huyen" and care == "06":  # cents: 15 % of base salary
            muc = 100
        sums = dict(bv=0, bh=0, bntt=0, bncct=0, bhtt=0, nk=0, gdv=0, thuoc=0, vtyt=0)
        for row, bv, bh in computed:
            bhtt = div_round(bh * muc, 100)
            bncct = bh - bhtt
            bntt = bv - bh
            nk = 0
            if bntt > 0 and (row.get("NGUON_CTRA") == "3" or rng.random() < 0.05):
                nk = bntt if row.get("NGUON_CTRA") == "3" else div_round(bntt * _ri(rng, 20, 100), 100)
                bntt -= nk
            row["MA_PTTT"] = payment
            row["THANH_TIEN_BV"] = money(bv)
            row["THANH_TIEN_BH"] = money(bh)
            if nk:
                programme = row.get("NGUON_CTRA") == "3"
                row["T_NGUONKHAC_NSNN"] = money(nk) if programme else ZERO
                row["T_NGUONKHAC_VTTN"] = ZERO if programme else money(nk)
                row["T_NGUONKHAC"] = money(nk)
            else:
                row["T_NGUONKHAC_NSNN"] = row["T_NGUONKHAC_VTTN"] = row["T_NGUONKHAC"] = ZERO
            row["T_NGUONKHAC_VTNN"] = row["T_NGUONKHAC_CL"] = ZERO
            row["MUC_HUONG"] = str(muc)
            row["T_BNTT"] = money(bntt)
            row["T_BNCCT"] = money(bncct)
            row["T_BHTT"] = money(bhtt)
            sums["bv"] += bv
            sums["bh"] += bh
            sums["bntt"] += bntt
            sums["bncct"] += bncct
            sums["bhtt"] += bhtt
            sums["nk"] += nk
            if payment == "1":
                sums["gdv"] += bhtt
            if "DON_GIA" in row:
                sums["thuoc"] += bv
            elif row["MA_VAT_TU"]:
                sums["vtyt"] += bv
        return sums

    def results(self, lab_rows: list, ma_lk: str, ctx: freetext.TextContext,
                spans: dict) -> list[dict[str, str]]:
        """XML4: one row per indicator of each paraclinical service, imaging with description and conclusion."""
        rng = self.rng
        xml4: list[dict[str, str]] = []
        abnormal = rng.random() < 0.5
        for row3, svc in lab_rows:
            reader = _ch(rng, self.doctors).cchn
            for key in svc.labs:
                ind = clinical.INDICATORS[key]
                r4 = blank_row("xml4")
                r4["MA_LK"] = ma_lk
                r4["STT"] = str(len(xml4) + 1)
                r4["MA_DICH_VU"] = svc.code
                r4["MA_CHI_SO"] = key
                r4["TEN_CHI_SO"] = ind.name
                r4["DON_VI_DO"] = ind.unit
                r4["NGAY_KQ"] = row3["NGAY_KQ"] or row3["NGAY_YL"]
                r4["MA_BS_DOC_KQ"] = reader
                if key in clinical.IMAGING_FINDINGS:
                    desc, concl = _ch(rng, clinical.IMAGING_FINDINGS[key])
                    r4["MO_TA"] = desc
                    r4["KET_LUAN"] = concl
                    if rng.random() < 0.08:
                        text, sp = freetext.KET_LUAN_IMAGING(ctx)
                        r4["KET_LUAN"] = concl + " " + text
                        if sp:
                            shift = len(concl) + 1
                            spans[("xml4", len(xml4), "KET_LUAN")] = [(a + shift, b + shift, e) for a, b, e in sp]
                elif ind.qualitative:
                    r4["GIA_TRI"] = _ch(rng, ind.qualitative)
                else:
                    lo, hi = ind.low, ind.high
                    if abnormal and rng.random() < 0.4:
                        value = hi * rng.uniform(1.05, 1.8) if rng.random() < 0.8 else lo * rng.uniform(0.5, 0.95)
                        r4["KET_LUAN"] = "Tăng" if value > hi else "Giảm"
                    else:
                        value = rng.uniform(lo, hi)
                    r4["GIA_TRI"] = f"{value:.{ind.decimals}f}"
                xml4.append(r4)
        return xml4

    def notes(self, care: str, group: str, ma_lk: str, times: tuple[int, int, int], doctor, nurse,
              surgery_time: int, ctx: freetext.TextContext, spans: dict) -> list[dict[str, str]]:
        """XML5: clinical-course notes spread over the stay (one a day for inpatients, at most ten)."""
        rng = self.rng
        vao, vao_nt, ra = times
        vao_day, ra_day = vao // 1440, ra // 1440
        xml5: list[dict[str, str]] = []
        if care in NOTE_TYPES:
            if care in ("03", "04", "06"):
                n_notes = min(ra_day - vao_day + 1, 10)
            elif care == "02":
                n_notes = _ri(rng, 1, 3)
            else:
                n_notes = _ri(rng, 1, 2)
            start_t = vao_nt or vao
            span_t = max(1, ra - start_t)
            consult_at = _rr(rng, n_notes) if care in ("03", "04") and rng.random() < 0.12 else -1
            for k in range(n_notes):
                r5 = blank_row("xml5")
                r5["MA_LK"] = ma_lk
                r5["STT"] = str(k + 1)
                t = start_t + (span_t * k) // n_notes + _rr(rng, 0, max(1, min(span_t // n_notes, 600)))
                r5["THOI_DIEM_DBLS"] = dt12(min(t, ra))
                text, sp = freetext.DIEN_BIEN_LS(ctx)
                r5["DIEN_BIEN_LS"] = text
                if sp:
                    spans[("xml5", k, "DIEN_BIEN_LS")] = sp
                authors = [doctor.cchn]
                if rng.random() < 0.3:
                    authors.append(nurse.cchn)
                r5["NGUOI_THUC_HIEN"] = ";".join(authors)
                if k == consult_at:
                    text, sp = freetext.HOI_CHAN(ctx)
                    r5["HOI_CHAN"] = text
                    if sp:
                        spans[("xml5", k, "HOI_CHAN")] = sp
                if surgery_time and (k == n_notes - 1 or t >= surgery_time) and not any(
                        r["PHAU_THUAT"] for r in xml5):
                    text, sp = freetext.PHAU_THUAT(ctx)
                    r5["PHAU_THUAT"] = text
                    if sp:
                        spans[("xml5", k, "PHAU_THUAT")] = sp
                if group == "onc":
                    r5["GIAI_DOAN_BENH"] = _ch(rng, ("Giai đoạn II", "Giai đoạn III", "Giai đoạn IIIB", "Giai đoạn IV"))
                xml5.append(r5)
        return xml5

    def make_ma_lk(self, vao_date: date, p: Patient, care: str) -> str:
        style = self.ma_lk_style
        code = self.f.code
        if style == 0:
            return f"{code}_{vao_date.year}_{vao_date.month:02d}_{p.ma_bn}_{p.visits}"
        if style == 1:
            return f"{code}{vao_date:%y%m%d}{self.seq:06d}"
        if style == 2:
            return f"{'KB' if care in ('01', '05', '07') else 'NT'}{vao_date:%y}{code}{self.seq:07d}"
        return f"{code}.{vao_date.year}.{self.seq:08d}"

    @staticmethod
    def discharge_diagnosis(dx: Diagnosis, kt: list[str]) -> str:
        names = [dx] + [clinical.DIAGNOSIS_BY_CODE[c] for c in kt if c in clinical.DIAGNOSIS_BY_CODE]
        return "; ".join(f"{d.code} - {d.name}" for d in names)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def body_weight(age_days: int, male: bool, factor: float) -> float:
    age = age_days / 365.25
    if age < 1:
        kg = 3.2 + age * 6.5
    elif age < 16:
        kg = 9.5 + (age - 1) * 3.3
    else:
        kg = (62 if male else 52) + (3 if 35 < age < 70 else -4 if age >= 75 else 0)
    return round(kg * factor, 2)


# ---------------------------------------------------------------------------------------------
# Public iterator
# ---------------------------------------------------------------------------------------------

def plan_streams(encounters: int, seed: int, *, defects_rate: float = 0.0, start_date="2025-01-01",
                 days: int | None = None, facilities: tuple[Facility, ...] | None = None,
                 no_defect_days: dict[str, frozenset[int]] | None = None) -> list[FacilityStream]:
    """One stream per facility, in the canonical order; streams with no episodes are left out."""
    if encounters < 0:
        raise ValueError("encounters must be >= 0")
    if not 0.0 <= defects_rate <= 1.0:
        raise ValueError("defects_rate must be between 0 and 1")
    facilities = tuple(facilities or clinical.FACILITIES)
    start = parse_start(start_date)
    days = days or default_days(encounters, len(facilities))
    if days < 1:
        raise ValueError("days must be >= 1")
    counts = allocate(encounters, seed, start, days, facilities)
    from pipelines.synth.defects import DefectInjector  # defects build on the generator's helpers

    streams = []
    for f in facilities:
        if not any(counts[f.code]):
            continue
        injector = DefectInjector(seed, f, defects_rate, clinical.FACILITIES.index(f)) if defects_rate > 0 else None
        streams.append(FacilityStream(f, seed, start, counts[f.code], injector,
                                      (no_defect_days or {}).get(f.code, frozenset())))
    return streams


def iter_episodes(encounters: int, seed: int, *, defects_rate: float = 0.0, start_date="2025-01-01",
                  days: int | None = None, facilities: tuple[Facility, ...] | None = None) -> Iterator[Episode]:
    """All episodes of a synthetic data set, exactly ``encounters`` of them, deterministic for ``seed``.

    ``days`` defaults to about twenty episodes per facility-day (at most a year). Each
    :class:`Episode` has ``tables`` (``xml1`` a list of one row, ``xml2``..``xml5`` lists of
    rows, values all strings in schema column order), ``facility`` and ``day`` (``yyyymmdd``).
    With ``defects_rate`` > 0 that share of episodes carries exactly one defect (``.defect``).
    """
    for stream in plan_streams(encounters, seed, defects_rate=defects_rate, start_date=start_date, days=days,
                               facilities=facilities):
        yield from stream.episodes()
