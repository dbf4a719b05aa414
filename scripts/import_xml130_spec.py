"""Regenerate pipelines/schema/xml130_4750.yaml from the reference spec (dev-time only).

The YAML it writes is the project's single source of truth; this script only exists so a
maintainer can re-import the field tables when the reference document is corrected.
Usage: python scripts/import_xml130_spec.py ../shared/spec/xml130.md
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

TABLES = {  # section heading prefix -> (table id, LOAIHOSO, root, list, row)
    "### 5.1": ("xml0", "XML0", "CHI_TIEU_TRANG_THAI_KCB", "DSACH_TRANG_THAI_KCB", "TRANG_THAI_KCB"),
    "### 5.2": ("xml1", "XML1", "TONG_HOP", None, "TONG_HOP"),
    "### 5.3": ("xml2", "XML2", "CHITIEU_CHITIET_THUOC", "DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC"),
    "### 5.4": ("xml3", "XML3", "CHITIEU_CHITIET_DVKT_VTYT", "DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT"),
    "### 5.5": ("xml4", "XML4", "CHITIEU_CHITIET_DICHVUCANLAMSANG", "DSACH_CHI_TIET_CLS", "CHI_TIET_CLS"),
    "### 5.6": ("xml5", "XML5", "CHITIEU_CHITIET_DIENBIENLAMSANG", "DSACH_CHI_TIET_DIEN_BIEN_BENH",
                "CHI_TIET_DIEN_BIEN_BENH"),
}
DATETIME12 = {"NGAY_SINH", "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "NGAY_TTOAN", "NGAY_YL",
              "NGAY_TH_YL", "NGAY_KQ", "THOI_DIEM_DBLS"}
DATE8 = {"GT_THE_TU", "GT_THE_DEN", "NAM_NAM_LIEN_TUC", "NGAY_TAI_KHAM"}
MULTI = {"MA_THE_BHYT", "MA_DKBD", "GT_THE_TU", "GT_THE_DEN", "MA_BENH_KT", "MA_BENH_YHCT", "MA_PTTT_QT",
         "MA_KHOA", "NGAY_TAI_KHAM", "CAN_NANG_CON", "MA_BAC_SI", "NGUOI_THUC_HIEN", "MA_GIUONG",
         "MA_PP_CHEBIEN", "MA_BENH"}
CODE_LISTS = {"GIOI_TINH": "gioi_tinh", "KET_QUA_DTRI": "ket_qua_dtri", "MA_LOAI_RV": "ma_loai_rv",
              "MA_LOAI_KCB": "ma_loai_kcb", "PHAM_VI": "pham_vi", "MA_PTTT": "ma_pttt",
              "NGUON_CTRA": "nguon_ctra", "PP_VO_CAM": "pp_vo_cam", "MA_KHUVUC": "ma_khuvuc",
              "VET_THUONG_TP": "vet_thuong_tp", "TAI_SU_DUNG": "tai_su_dung"}


HEADER = """\
# XML 130 schema registry, QĐ 4750/QĐ-BYT field tables (3176 sizes not yet reviewed).
# The one source of truth for parser, checks, de-identification policy and the data dictionary.
# Field tables are imported by scripts/import_xml130_spec.py; code lists and metadata are edited here.
"""


def parse_tables(text: str) -> dict:
    tables, current = {}, None
    for line in text.splitlines():
        for prefix, spec in TABLES.items():
            if line.startswith(prefix):
                tid, loai, root, lst, row = spec
                title = line.split("*")[1] if "*" in line else line
                current = tables[tid] = {"loaihoso": loai, "root": root, "list": lst, "row": row,
                                         "title": title, "fields": []}
        if line.startswith("## 6."):
            current = None
        if current is None or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or not cells[1].startswith("`"):
            continue
        _, name, ftype, size, req, meaning, deid = cells
        name = name.strip("`")
        field = {"name": name,
                 "type": "number" if ftype.startswith("number") else "string",
                 "max_length": int(re.match(r"\d+", size).group()) if re.match(r"\d+", size) else None,
                 "required": req == "Y",
                 "deid_class": deid.replace("‡", "").strip()}
        if req not in ("", "Y"):
            field["required_when"] = req
        if "‡" in deid:
            field["value_dependent"] = True
        if name in DATETIME12:
            field["format"] = "datetime12"
        elif name in DATE8:
            field["format"] = "date8"
        if name in MULTI:
            field["separator"] = ";"
        if name in CODE_LISTS:
            field["code_list"] = CODE_LISTS[name]
        field["description"] = meaning
        current["fields"].append(field)
    return tables


def main() -> None:
    text = Path(sys.argv[1]).read_text(encoding="utf-8")
    out = Path(__file__).resolve().parent.parent / "pipelines/schema/xml130_4750.yaml"
    data = yaml.safe_load(out.read_text(encoding="utf-8")) if out.exists() else {}
    data["tables"] = parse_tables(text)
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
    out.write_text(HEADER + body, encoding="utf-8")
    print(f"wrote {out}: " + ", ".join(f"{t} {len(v['fields'])}" for t, v in data["tables"].items()))


if __name__ == "__main__":
    main()
