"""The bilingual (Vietnamese / English) data dictionary that ships in every release.

Built from the dataset spec (dimensions with their hierarchy and level, measures with their
expression) and the XML 130 schema registry (meaning of the source fields a measure reads), so it
cannot drift from what was published. Written as ``DATA_DICTIONARY.md`` and ``data_dictionary.json``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import pyarrow as pa

from pipelines.hierarchies import ALL
from pipelines.publish.spec import SUPPRESSED, DatasetSpecLike, attr, period_column, table_spec

HIERARCHY_TEXT = {
    "age": ("Nhóm tuổi", "Age group"), "geography": ("Địa bàn", "Area"),
    "facility": ("Cơ sở khám chữa bệnh", "Health facility"), "icd10": ("Chẩn đoán ICD-10", "ICD-10 diagnosis"),
    "date": ("Thời gian", "Time"),
}
LEVEL_TEXT = {
    "year": ("năm", "year"), "band5": ("nhóm 5 năm", "5-year band"), "band10": ("nhóm 10 năm", "10-year band"),
    "month": ("tháng", "month"), "quarter": ("quý", "quarter"), "week": ("tuần", "week"), "day": ("ngày", "day"),
    "ward": ("xã/phường", "ward"), "district": ("quận/huyện", "district"),
    "province": ("tỉnh/thành phố (34, từ 01/07/2025)", "province (34, from 2025-07-01)"),
    "province_63": ("tỉnh/thành phố (63, trước 01/07/2025)", "province (63, before 2025-07-01)"),
    "region": ("vùng", "region"), "code": ("mã đầy đủ", "full code"), "code3": ("mã 3 ký tự", "3-character code"),
    "block": ("nhóm bệnh", "block"), "chapter": ("chương", "chapter"), "facility": ("cơ sở", "facility"),
    "level": ("tuyến/cấp", "level"), "all": ("tổng", "total"),
}
STANDARD = {
    SUPPRESSED: ("Ô bị ẩn (true): số lượt và mọi giá trị không được công bố để bảo vệ bí mật; ô rỗng (0) và ô "
                 "nhỏ không thể phân biệt.",
                 "Suppressed cell (true): its count and every value are withheld to protect confidentiality; "
                 "empty (0) and small cells cannot be told apart."),
}
MAX_CODES = 30
_FIELD = re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b")


def _source_fields() -> dict[str, str]:
    from pipelines.schema import load_schema
    schema = load_schema()
    return {f.name: f.description for t in schema.tables.values() for f in t.fields if f.description}


COLUMN_TEXT = {  # dimensions without a hierarchy, by column name
    "sex": ("Giới tính", "Sex"), "care_type": ("Loại hình khám chữa bệnh (MA_LOAI_KCB)", "Care type (MA_LOAI_KCB)"),
    "outcome": ("Kết quả điều trị (KET_QUA_DTRI)", "Treatment outcome (KET_QUA_DTRI)"),
}


def _dimension(name: str, dim) -> tuple[str, str]:
    if attr(dim, "title_vi") and attr(dim, "title_en"):
        vi, en = attr(dim, "title_vi"), attr(dim, "title_en")
    else:
        h_vi, h_en = HIERARCHY_TEXT.get(attr(dim, "hierarchy"), COLUMN_TEXT.get(name, (name, name)))
        level = attr(dim, "level") or ""
        l_vi, l_en = LEVEL_TEXT.get(level, (level, level))
        vi, en = f"{h_vi} ({l_vi})", f"{h_en} ({l_en})"
    codes = list(attr(dim, "codes") or ())[:MAX_CODES]  # (code, label) of a dimension without a hierarchy
    if codes:
        listed = ", ".join(f"`{c}` = {label}" for c, label in codes)
        vi, en = f"{vi}; mã: {listed}", f"{en}; codes: {listed}"
    return f"{vi}; '{ALL}' = tổng mọi giá trị", f"{en}; '{ALL}' = total over all values"


def _measure(name: str, m, fields: Mapping[str, str]) -> tuple[str, str]:
    if attr(m, "title_vi") and attr(m, "title_en"):
        vi, en = attr(m, "title_vi"), attr(m, "title_en")
    elif attr(m, "kind") == "count":
        vi, en = f"Số lượt ({name})", f"Number of records ({name})"
    else:
        vi, en = f"Tổng ({name})", f"Sum ({name})"
    expr = attr(m, "expression") or attr(m, "sql") or ""
    used = [f for f in dict.fromkeys(_FIELD.findall(expr)) if f in fields]
    if used:
        vi += "; từ " + ", ".join(f"`{f}`" for f in used)
        en += "; from " + ", ".join(f"`{f}` ({fields[f]})" for f in used)
    if attr(m, "money"):
        vi, en = vi + "; đơn vị: đồng", en + "; unit: VND"
    return vi, en


def disclosure_text(spec: DatasetSpecLike) -> tuple[str, str]:
    d = dict(spec.disclosure or {})
    if d.get("method") == "dp":
        eps, mech, c = d.get("epsilon"), d.get("mechanism", "laplace"), d.get("max_contributions", 1)
        return (f"Quyền riêng tư vi phân (OpenDP, ε = {eps} cho mỗi kỳ, cơ chế {mech}, tối đa {c} bản ghi mỗi "
                "người); mọi ô đều được công bố kèm nhiễu, mỗi số có khoảng tin cậy 95% (cột `_low`, `_high`); số "
                "lượt có thể âm; ε đã dùng ghi trong manifest.",
                f"Differential privacy (OpenDP, ε = {eps} per period, {mech} mechanism, at most {c} record(s) per "
                "person); every cell is published with noise, every figure with its 95% interval (columns `_low`, "
                "`_high`); counts may be negative; the ε spent is listed in the manifest.")
    low, step = d.get("min_count"), d.get("round_to")
    return (f"Ô có số lượt từ 1 đến {low - 1 if isinstance(low, int) else '?'} bị ẩn (cùng các ô ẩn thứ cấp cần "
            f"thiết); các số lượt khác được làm tròn đến bội số của {step}; tổng tiền bị ẩn khi một vài cơ sở "
            "chiếm ưu thế.",
            f"Cells counting 1 to {low - 1 if isinstance(low, int) else '?'} are suppressed (with the secondary "
            f"suppressions needed); other counts are rounded to a multiple of {step}; money sums are withheld "
            "when a few contributors dominate.")


def build_dictionary(spec: DatasetSpecLike, version: str, tables: Mapping[str, pa.Table],
                     extra: Mapping[str, Mapping[str, str]] | None = None) -> dict:
    fields, extra = _source_fields(), dict(extra or {})
    out = {"dataset": spec.name, "version": version, "title_vi": spec.title_vi, "title_en": spec.title_en,
           "disclosure": dict(zip(("vi", "en"), disclosure_text(spec))), "tables": {}}
    for name, table in tables.items():
        t = table_spec(spec, name)
        columns = []
        for f in table.schema:
            if f.name in spec.dimensions:
                vi, en = _dimension(f.name, spec.dimensions[f.name])
            elif f.name in spec.measures:
                vi, en = _measure(f.name, spec.measures[f.name], fields)
            elif f.name in STANDARD:
                vi, en = STANDARD[f.name]
            elif f.name == period_column(spec):
                vi, en = f"Kỳ ({attr(t, 'period')})", f"Period ({attr(t, 'period')})"
            else:
                vi, en = extra.get(f.name, {}).get("vi", f.name), extra.get(f.name, {}).get("en", f.name)
            columns.append({"name": f.name, "type": str(f.type), "vi": vi, "en": en})
        out["tables"][name] = {"period": attr(t, "period"), "rows": table.num_rows, "columns": columns,
                               "title_vi": attr(t, "title_vi") or "", "title_en": attr(t, "title_en") or ""}
    return out


def render_markdown(d: dict) -> str:
    lines = [f"# {d['title_vi']} / {d['title_en']}", "",
             f"Bộ dữ liệu / dataset `{d['dataset']}`, phiên bản / version `{d['version']}`. "
             "Sinh tự động từ khai báo bộ dữ liệu và sổ đăng ký lược đồ XML 130 / generated from the dataset "
             "declaration and the XML 130 schema registry.", "",
             "## Kiểm soát công bố / Disclosure control", "", f"- vi: {d['disclosure']['vi']}",
             f"- en: {d['disclosure']['en']}", ""]
    for name, t in d["tables"].items():
        titles = " / ".join(x for x in (t.get("title_vi"), t.get("title_en")) if x)
        lines += [f"## Bảng / Table `{name}`" + (f": {titles}" if titles else ""), "",
                  f"{t['rows']} dòng / rows" + (f"; kỳ / period: {t['period']}" if t.get("period") else ""), "",
                  "| Cột / Column | Kiểu / Type | Mô tả | Description |", "|---|---|---|---|"]
        lines += [f"| `{c['name']}` | {c['type']} | {c['vi']} | {c['en']} |" for c in t["columns"]]
        lines.append("")
    return "\n".join(lines)
