"""Column classification for tabular sources whose columns are not named by the standard.

Our own equivalent of presidio-structured (not installed here; this module needs no extra
package and reuses the Vietnamese analyzer and its recognizers):

- a column named as in the XML 130 schema registry takes its class from the registry
  (method "registry", confidence 1);
- otherwise non-empty values are sampled (evenly spread, deterministic) and each value is run
  through the analyzer (`detect_texts`) plus cheap shape validators for bare numbers that have no
  label around them in a cell (9/12-digit ID numbers, 10-digit BHXH numbers, dates);
  a value "is" an entity when one detected span covers most of it. The entity with the largest
  share decides (method "values", confidence = that share);
- long multi-word values are FREE-TEXT (redacted, never kept as such), whatever is in them;
- the column name (ho_ten, sdt, dia_chi, cccd, ngay_sinh ...) is a secondary signal: it decides
  when the values do not (method "name") and adds to the confidence when both agree.

Decisions are proposals for an engineer to confirm in config (`render_yaml`).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipelines.schema import Schema, load_schema

from .batch import detect_texts
from .lexicon import fold

# Entity -> de-identification class.
ENTITY_CLASS = {
    "PERSON": "DIRECT-ID", "VN_CCCD": "DIRECT-ID", "VN_BHYT": "DIRECT-ID", "VN_BHXH": "DIRECT-ID",
    "PHONE_NUMBER": "DIRECT-ID", "EMAIL_ADDRESS": "DIRECT-ID", "VN_ADDRESS": "DIRECT-ID",
    "VN_PATIENT_ID": "DIRECT-ID", "VN_STAFF_ID": "DIRECT-ID",
    "DATE_TIME": "QUASI-ID", "AGE": "QUASI-ID", "LOCATION": "QUASI-ID",
}
# A value is an entity when one span covers at least this share of its non-space characters.
COVER = 0.8
# Share of sampled values needed for the values to decide.
DECIDE = 0.5
# Long multi-word values: free text.
FREE_TEXT_MIN_CHARS, FREE_TEXT_MIN_WORDS = 40, 6

# Bare values in a cell carry no label, so ID numbers that need context in prose are checked by shape.
_SHAPES = (
    ("VN_CCCD", re.compile(r"0\d{11}|\d{9}")),
    ("VN_BHYT", re.compile(r"[A-Z]{2}[1-5]\d{12}")),
    ("VN_BHXH", re.compile(r"\d{10}")),
    ("DATE_TIME", re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])?(?:[0-5]\d)?"
                             r"|\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}")),
)

# Column-name hints (folded, words split on "_", " ", "-", camel case not needed: sources use snake case).
_NAME_HINTS = (
    ("PERSON", ("ho ten", "hoten", "ten benh nhan", "ten bn", "ten nguoi", "ho va ten", "full name", "name",
                "ten cha", "ten me", "nguoi giam ho", "ten bac si", "bac si")),
    ("PHONE_NUMBER", ("sdt", "so dien thoai", "dien thoai", "dienthoai", "phone", "mobile", "tel")),
    ("EMAIL_ADDRESS", ("email", "e mail", "mail")),
    ("VN_ADDRESS", ("dia chi", "diachi", "address", "noi o", "thuong tru", "tam tru")),
    ("VN_CCCD", ("cccd", "cmnd", "cmt", "can cuoc", "so dinh danh", "ho chieu", "passport")),
    ("VN_BHYT", ("bhyt", "ma the", "so the")),
    ("VN_BHXH", ("bhxh", "ma so bhxh")),
    ("VN_PATIENT_ID", ("ma bn", "ma benh nhan", "ma yte", "ma y te", "so ho so", "ma hsba", "patient id", "mrn",
                       "so luu tru")),
    ("VN_STAFF_ID", ("cchn", "ma bac si", "ma nhan vien", "ma nv")),
    ("DATE_TIME", ("ngay sinh", "ngaysinh", "dob", "ngay vao", "ngay ra", "ngay kham")),
    ("AGE", ("tuoi", "nam sinh", "age")),
    ("LOCATION", ("ma tinh", "tinh thanh", "quoc tich", "province")),
)
_CLASS_HINTS = (
    ("FREE-TEXT", ("ghi chu", "ghichu", "note", "notes", "dien bien", "ket luan", "mo ta", "nhan xet", "ly do",
                   "tom tat", "loi dan", "comment")),
    ("SENSITIVE-HEALTH", ("icd", "ma benh", "chan doan", "ma pttt", "ket qua", "thuoc", "diagnosis")),
    ("NON-ID", ("chi phi", "tien", "gia", "so luong", "don gia", "thanh tien", "so ngay", "gioi tinh", "amount")),
)


@dataclass
class ColumnDecision:
    column: str
    deid_class: str
    entity_type: str | None
    confidence: float
    method: str  # "registry" | "name" | "values"
    evidence: dict = field(default_factory=dict)


def _name_words(name: str) -> str:
    return " " + re.sub(r"[_\-\s.]+", " ", fold(str(name))).strip() + " "


def name_hint(name: str) -> tuple[str, str | None] | None:
    """(class, entity) suggested by a column name, or None."""
    words = _name_words(name)
    for entity, hints in _NAME_HINTS:
        if any(f" {hint} " in words for hint in hints):
            return ENTITY_CLASS[entity], entity
    for deid_class, hints in _CLASS_HINTS:
        if any(f" {hint} " in words for hint in hints):
            return deid_class, None
    return None


def _registry(schema: Schema) -> dict[str, str]:
    classes: dict[str, str] = {}
    for table in schema.tables.values():
        for f in table.fields:
            classes.setdefault(f.name, f.deid_class)
    return classes


def _columns(data) -> dict[str, list[Any]]:
    """Column name -> values, for a pandas DataFrame or a pyarrow Table."""
    if hasattr(data, "column_names") and hasattr(data, "column"):  # pyarrow.Table
        return {name: data.column(name).to_pylist() for name in data.column_names}
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):  # pandas.DataFrame
        return {str(name): data[name].tolist() for name in data.columns}
    raise TypeError("classify_columns expects a pandas DataFrame or a pyarrow Table")


def _sample(values: list[Any], size: int) -> list[str]:
    present = []
    for value in values:
        if value is None or (isinstance(value, float) and value != value):
            continue
        text = str(value).strip()
        if text:
            present.append(text)
    if len(present) <= size:
        return present
    step = len(present) / size
    return [present[int(i * step)] for i in range(size)]


def _value_entity(text: str, entities: list[dict]) -> str | None:
    """The entity the whole value is, if any (a span covering most of it, or a shape)."""
    solid = len(text.replace(" ", ""))
    best = None
    for entity in entities:
        covered = len(text[entity["start"]:entity["end"]].replace(" ", ""))
        if covered >= COVER * solid and (best is None or covered > best[0]):
            best = (covered, entity["entity_type"])
    if best is not None:
        return best[1]
    stripped = text.replace(" ", "").replace(".", "")
    compact = stripped if stripped.isdigit() else text
    for entity, shape in _SHAPES:
        if shape.fullmatch(compact):
            return entity
    return None


def classify_columns(data, *, sample_size: int = 500, schema: Schema | None = None,
                     n_process: int | None = 1) -> list[ColumnDecision]:
    """One decision per column, in column order (see the module docstring)."""
    if sample_size < 1:
        raise ValueError("sample_size must be at least 1")
    registry = _registry(schema or load_schema())
    columns = _columns(data)
    decisions = []
    samples = {name: _sample(values, sample_size) for name, values in columns.items() if name not in registry}
    flat = [text for name in samples for text in samples[name]]
    found = iter(detect_texts(flat, n_process=n_process))
    for name, values in columns.items():
        if name in registry:
            decisions.append(ColumnDecision(name, registry[name], None, 1.0, "registry", {"field": name}))
            continue
        sample = samples[name]
        per_value = [(text, next(found)) for text in sample]
        decisions.append(_decide(name, per_value, len(values)))
    return decisions


def _decide(name: str, per_value: list[tuple[str, list[dict]]], rows: int) -> ColumnDecision:
    n = len(per_value)
    whole = Counter(entity for text, entities in per_value if (entity := _value_entity(text, entities)))
    with_pii = sum(1 for _, entities in per_value if entities)
    long_text = sum(1 for text, _ in per_value if len(text) >= FREE_TEXT_MIN_CHARS
                    and len(text.split()) >= FREE_TEXT_MIN_WORDS)
    evidence = {"rows": rows, "sampled": n, "whole_value_entities": dict(sorted(whole.items())),
                "values_with_pii": with_pii, "long_text_values": long_text,
                "mean_length": round(sum(len(t) for t, _ in per_value) / n, 1) if n else 0}
    hint = name_hint(name)
    if hint:
        evidence["name_hint"] = hint[1] or hint[0]
    if n == 0:
        if hint:
            return ColumnDecision(name, hint[0], hint[1], 0.5, "name", evidence)
        return ColumnDecision(name, "NON-ID", None, 0.0, "values", evidence)
    if long_text / n >= DECIDE:
        confidence = long_text / n
        return ColumnDecision(name, "FREE-TEXT", None, round(confidence, 3), "values", evidence)
    if whole:
        entity, count = whole.most_common(1)[0]
        share = count / n
        if share >= DECIDE:
            agree = hint is not None and hint[1] == entity
            # A 10-digit column named as phone numbers is phone numbers, not BHXH numbers.
            if hint and hint[1] and not agree and ENTITY_CLASS[hint[1]] == "DIRECT-ID" and entity in ("VN_BHXH", "VN_CCCD"):
                return ColumnDecision(name, "DIRECT-ID", hint[1], round(share, 3), "name", evidence)
            confidence = min(1.0, share + (0.1 if agree else 0.0))
            return ColumnDecision(name, ENTITY_CLASS[entity], entity, round(confidence, 3), "values", evidence)
    if hint:
        deid_class, entity = hint
        share = whole.get(entity, 0) / n if entity else 0.0
        return ColumnDecision(name, deid_class, entity, round(0.5 + 0.4 * share, 3), "name", evidence)
    if with_pii / n >= 0.2:
        return ColumnDecision(name, "FREE-TEXT", None, round(with_pii / n, 3), "values", evidence)
    top = whole.most_common(1)[0][1] / n if whole else 0.0
    return ColumnDecision(name, "NON-ID", None, round(1.0 - max(top, with_pii / n), 3), "values", evidence)


def render_yaml(decisions: list[ColumnDecision]) -> str:
    """A config snippet confirming the decisions (`columns: {name: {class: ..., entity: ...}}`)."""
    lines = ["columns:"]
    for d in decisions:
        entity = f", entity: {d.entity_type}" if d.entity_type else ""
        key = d.column if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", d.column) else '"' + d.column.replace('"', '\\"') + '"'
        lines.append(f"  {key}: {{class: {d.deid_class}{entity}}}  # {d.method}, confidence {d.confidence:.2f}")
    return "\n".join(lines) + "\n"


def read_table(path, max_rows: int = 100_000):
    """First rows of a CSV or Parquet file as a pandas DataFrame of strings (enough to sample)."""
    from pathlib import Path

    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, nrows=max_rows, encoding="utf-8-sig")
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.ParquetFile(path)
        batches = table.iter_batches(batch_size=max_rows)
        first = next(batches, None)
        return first.to_pandas() if first is not None else table.schema_arrow.empty_table().to_pandas()
    raise ValueError(f"unsupported input type {suffix or '(none)'}: expected .csv or .parquet")
