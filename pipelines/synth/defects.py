"""Injected data-quality defects, one per defective episode, with a truth record for each.

Each kind changes exactly one thing in one episode so a failing check can be attributed. The
defect decisions use their own random stream, so the clean episodes of a run with defects are
identical to the same episodes of a run without them. Records (``defects.jsonl``)::

    {"MA_LK": ..., "table": "xml1", "field": "NGAY_RA", "STT": null, "kind": "...", "file": "xml/<f>.xml"}

``orphan_child`` replaces an episode by a HOSO that holds only one XML2 row, whose ``MA_LK`` (the
record's ``MA_LK``) has no XML1 row anywhere: the parser accepts such a HOSO (one ``MA_LK``) and
only the cross-table check ``xml.orphan_child`` can catch it. ``duplicate_ma_lk`` replaces an episode with an exact
re-send of an earlier episode of the same file (same ``MA_LK``, same content). File-level kinds
(``invalid_base64``, ``truncated_file``) are made by the XML writer when asked for.
"""
from __future__ import annotations

from dataclasses import dataclass
from random import Random

from pipelines.synth import clinical
from pipelines.synth.generator import Episode, _sample, day_str
from pipelines.synth.names import _ch, _ri, _rr

DEFECT_KINDS = (
    "missing_required", "bad_date_format", "ngay_ra_before_ngay_vao", "bad_gioi_tinh_code", "bad_ma_loai_kcb",
    "bad_icd10", "too_many_ma_benh_kt", "bad_cccd_format", "cccd_birth_mismatch", "bad_bhyt_card",
    "money_identity_broken", "total_mismatch", "orphan_child", "duplicate_ma_lk", "value_too_long",
    "gt_the_tu_after_den", "so_ngay_dtri_wrong", "bad_facility_code",
)
FILE_DEFECT_KINDS = ("invalid_base64", "truncated_file")
_SHORT_CODES = tuple(d.code for d in clinical.DIAGNOSES if len(d.code) <= 5)


def _cents(value: str) -> int:
    whole, _, frac = value.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class DefectInjector:
    def __init__(self, seed: int, facility: clinical.Facility, rate: float, facility_index: int):
        self.rng = Random(f"{seed}:{facility.code}:defects")
        self.rate = rate
        shift = (facility_index * 7) % len(DEFECT_KINDS)  # spreads kinds over facilities
        self.cycle = DEFECT_KINDS[shift:] + DEFECT_KINDS[:shift]
        self.position = 0

    def maybe_inject(self, stream, ep: Episode, file_episodes: list[Episode], allowed: bool = True) -> Episode:
        if self.rng.random() >= self.rate or not allowed:
            return ep
        n = len(self.cycle)
        for j in range(n):
            kind = self.cycle[(self.position + j) % n]
            result = APPLY[kind](self.rng, ep, file_episodes)
            if result is None:
                continue
            new_ep, table, fld, stt, extra = result
            self.position = (self.position + j + 1) % n
            ma_lk = extra.pop("MA_LK") if "MA_LK" in extra else new_ep.ma_lk
            record = {"MA_LK": ma_lk, "table": table, "field": fld,
                      "STT": int(stt) if stt else None,
                      "kind": kind, "file": f"xml/{new_ep.file_name}"}
            record.update(extra)
            new_ep.defect = record
            return new_ep
        return ep


def _x1(ep: Episode) -> dict[str, str]:
    return ep.tables["xml1"][0]


def missing_required(rng: Random, ep: Episode, _):
    options = [("xml1", f) for f in ("MA_KHOA", "CAN_NANG", "MA_HSBA", "MA_QUOCTICH", "MA_DANTOC", "MA_NGHE_NGHIEP",
                                      "MAXA_CU_TRU", "MA_DOITUONG_KCB", "MA_BENH_CHINH", "MA_BN")]
    if ep.tables["xml2"]:
        options += [("xml2", "TEN_THUOC"), ("xml2", "DON_VI_TINH"), ("xml2", "MA_KHOA")]
    if ep.tables["xml3"]:
        options += [("xml3", "MA_BAC_SI"), ("xml3", "DON_VI_TINH")]
    if ep.tables["xml5"]:
        options += [("xml5", "NGUOI_THUC_HIEN")]
    table, fld = _ch(rng, options)
    if table == "xml1":
        _x1(ep)[fld] = ""
        return ep, table, fld, None, {}
    rows = ep.tables[table]
    row = rows[_rr(rng, len(rows))]
    row[fld] = ""
    return ep, table, fld, row["STT"], {}


def bad_date_format(rng: Random, ep: Episode, _):
    options = [("xml1", "NGAY_TTOAN")] + [(t, "NGAY_YL") for t in ("xml2", "xml3") if ep.tables[t]]
    if ep.tables["xml5"]:
        options.append(("xml5", "THOI_DIEM_DBLS"))
    table, fld = _ch(rng, options)
    row = _x1(ep) if table == "xml1" else ep.tables[table][_rr(rng, len(ep.tables[table]))]
    v = row[fld]
    y, m, d, hh, mm = v[:4], v[4:6], v[6:8], v[8:10], v[10:12]
    row[fld] = _ch(rng, (f"{d}/{m}/{y}", f"{y}-{m}-{d}", f"{y}{m}{d}{hh}", f"{y}13{d}{hh}{mm}",
                           f"{y}0230{hh}{mm}", f"{y}{m}{d}{hh}75"))
    return ep, table, fld, None if table == "xml1" else row["STT"], {}


def ngay_ra_before_ngay_vao(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    if x1["MA_LOAI_KCB"] not in ("01", "07"):
        return None
    from pipelines.synth.people import day_ordinal
    vao_day = day_ordinal(x1["NGAY_VAO"][:8])
    x1["NGAY_RA"] = day_str(vao_day - _ri(rng, 1, 3)) + x1["NGAY_RA"][8:]
    return ep, "xml1", "NGAY_RA", None, {}


def bad_gioi_tinh_code(rng: Random, ep: Episode, _):
    _x1(ep)["GIOI_TINH"] = _ch(rng, ("0", "4", "9", "M", "F"))
    return ep, "xml1", "GIOI_TINH", None, {}


def bad_ma_loai_kcb(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    code = x1["MA_LOAI_KCB"]
    x1["MA_LOAI_KCB"] = _ch(rng, (str(int(code)), "99", "00")) if code < "10" else _ch(rng, ("99", "00"))
    return ep, "xml1", "MA_LOAI_KCB", None, {}


def bad_icd10(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    code = x1["MA_BENH_CHINH"]
    variants = [code.lower(), code[1:], code[0] + code[2:], code.replace(".", ","), "J" + code]
    x1["MA_BENH_CHINH"] = _ch(rng, [v for v in variants if v != code and len(v) <= 7])
    return ep, "xml1", "MA_BENH_CHINH", None, {}


def too_many_ma_benh_kt(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    codes = [c for c in _sample(rng, _SHORT_CODES, 16) if c != x1["MA_BENH_CHINH"]][:_ri(rng, 13, 15)]
    while len(";".join(codes)) > 100:
        codes.pop()
    x1["MA_BENH_KT"] = ";".join(codes)
    return ep, "xml1", "MA_BENH_KT", None, {}


def bad_cccd_format(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    v = x1["SO_CCCD"]
    if len(v) != 12:
        return None
    x1["SO_CCCD"] = _ch(rng, (v[:-1], v + str(_rr(rng, 10)), "O" + v[1:], v[:10]))
    return ep, "xml1", "SO_CCCD", None, {}


def cccd_birth_mismatch(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    v = x1["SO_CCCD"]
    if len(v) != 12 or x1["GIOI_TINH"] not in ("1", "2"):
        return None
    if rng.random() < 0.5:
        yy = (int(v[4:6]) + _ri(rng, 1, 30)) % 100
        x1["SO_CCCD"] = v[:4] + f"{yy:02d}" + v[6:]
    else:
        digit = int(v[3])
        x1["SO_CCCD"] = v[:3] + str(digit ^ 1) + v[4:]  # flips the sex half of the century/sex digit
    return ep, "xml1", "SO_CCCD", None, {}


def bad_bhyt_card(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    card = x1["MA_THE_BHYT"]
    if ";" in card or len(card) != 15:
        return None
    x1["MA_THE_BHYT"] = _ch(rng, (_ch(rng, ("ZZ", "AA", "QQ")) + card[2:], card[:2] + _ch(rng, "069") + card[3:],
                                    card[:-1]))
    return ep, "xml1", "MA_THE_BHYT", None, {}


def money_identity_broken(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    x1["T_BHTT"] = _money(_cents(x1["T_BHTT"]) + _ch(rng, (100_000, 500_000, 1_230_000, 2_500)))
    return ep, "xml1", "T_BHTT", None, {}


def total_mismatch(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    x1["T_THUOC"] = _money(_cents(x1["T_THUOC"]) + _ch(rng, (1_000_000, 250_000, 4_200_000, 50_000)))
    return ep, "xml1", "T_THUOC", None, {}


@dataclass
class OrphanEpisode(Episode):
    """A HOSO without XML1: its key is the one of its detail rows."""

    @property
    def ma_lk(self) -> str:
        return next(rows[0]["MA_LK"] for rows in self.tables.values() if rows)


def orphan_child(rng: Random, ep: Episode, _):
    if not ep.tables["xml2"]:
        return None
    index = _rr(rng, len(ep.tables["xml2"]))
    orphan = dict(ep.tables["xml2"][index])
    orphan["MA_LK"] = ep.ma_lk + "_2"
    orphan["STT"] = "1"
    tables = {t: [] for t in ep.tables} | {"xml2": [orphan]}
    spans = {("xml2", 0, fld): sp for (t, i, fld), sp in ep.spans.items() if t == "xml2" and i == index}
    return OrphanEpisode(ep.facility, ep.day, tables, spans), "xml2", "MA_LK", "1", {}


def duplicate_ma_lk(rng: Random, ep: Episode, file_episodes: list[Episode]):
    sources = [e for e in file_episodes if e.defect is None and not e.resend]
    if not sources:
        return None
    src = sources[_rr(rng, len(sources))]
    src.copied = True
    tables = {t: [dict(r) for r in rows] for t, rows in src.tables.items()}
    tables["xml1"][0]["STT"] = ep.tables["xml1"][0]["STT"]
    copy = Episode(ep.facility, ep.day, tables, src.spans, resend=True)
    return copy, "xml1", "MA_LK", None, {}


def value_too_long(rng: Random, ep: Episode, _):
    from pipelines.synth.people import mobile_number
    x1 = _x1(ep)
    x1["DIEN_THOAI"] = mobile_number(rng) + _ch(rng, (" - ", ";", " / ")) + mobile_number(rng)
    return ep, "xml1", "DIEN_THOAI", None, {}


def gt_the_tu_after_den(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    if ";" in x1["GT_THE_TU"] or not x1["GT_THE_TU"]:
        return None
    x1["GT_THE_TU"], x1["GT_THE_DEN"] = x1["GT_THE_DEN"], x1["GT_THE_TU"]
    return ep, "xml1", "GT_THE_TU", None, {}


def so_ngay_dtri_wrong(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    care = x1["MA_LOAI_KCB"]
    current = int(x1["SO_NGAY_DTRI"])
    if care in ("01", "07", "09"):
        x1["SO_NGAY_DTRI"] = str(_ri(rng, 1, 3))
    elif care in ("02", "03", "04", "06"):
        x1["SO_NGAY_DTRI"] = str(current + 1 if current <= 1 or rng.random() < 0.5 else current - 1)
    else:
        return None
    return ep, "xml1", "SO_NGAY_DTRI", None, {}


def bad_facility_code(rng: Random, ep: Episode, _):
    x1 = _x1(ep)
    code = x1["MA_CSKCB"]
    x1["MA_CSKCB"] = code[1:] if code.startswith("0") and rng.random() < 0.6 else "99" + code[2:]
    return ep, "xml1", "MA_CSKCB", None, {}


APPLY = {k: globals()[k] for k in DEFECT_KINDS}
