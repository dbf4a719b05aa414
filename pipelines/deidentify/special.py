"""Special categories of health data (LEG-51 HIV law Art. 30; LEG-52 Decree 356 Art. 4, Decree 13 Art. 2(4)).

An episode is ``special_category`` when its main or secondary diagnosis (``MA_BENH_CHINH``,
``MA_BENH_KT``) falls in one of the ranges below or the policy's ``extra_codes``, when its coverage
code is listed (``MA_DOITUONG_KCB`` 1.9, the HIV-treatment category), or when any free-text field
of the episode, in any table, mentions the condition (an ICD-10 code of the range or the words
clinicians write). Its rows, in every table, go to ``restricted/safe/<batch>/special/``, not to the
main safe tables, so aggregation does not read them unless it asks (``include_special=True``).
"""
from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.deidentify.transforms import map_distinct

CATEGORIES: dict[str, tuple[str, ...]] = {
    "hiv": ("B20-B24", "Z21", "R75"),
    "tuberculosis": ("A15-A19",),
    "mental_health": ("F00-F99",),
    "sexually_transmitted": ("A50-A64",),
    "pregnancy_termination": ("O04-O07",),
}
COVERAGE: dict[str, tuple[str, ...]] = {"hiv": ("1.9",)}
# Words in Vietnamese notes (lower-cased, with or without diacritics) that name the condition.
MENTIONS: dict[str, str] = {
    "hiv": r"\bhiv\b|\baids\b|\barv\b|kháng virus hiv|phơi nhiễm hiv|nhiễm hiv",
    "tuberculosis": r"\blao (?:phổi|phoi|hạch|hach|màng|mang|xương|xuong|kê|ke|kháng|khang|tiềm ẩn)|bệnh lao\b|"
                    r"\bbenh lao\b|điều trị lao\b|\bafb\b|\bmtb\b|thuốc chống lao",
    "mental_health": r"tâm thần|tam than|trầm cảm|tram cam|rối loạn lo âu|lưỡng cực|ảo giác|hoang tưởng|"
                     r"cai nghiện|nghiện (?:rượu|ma túy|ma tuy|heroin|chất)|methadone|tự sát|tự tử",
    "sexually_transmitted": r"giang mai|\blậu\b|sùi mào gà|chlamydia|herpes sinh dục|bệnh lây truyền qua đường tình dục",
    "pregnancy_termination": r"phá thai|pha thai|đình chỉ thai|dinh chi thai|hút thai|nạo hút|nạo thai|"
                             r"phá thai nội khoa",
}
ICD_IN_TEXT = re.compile(r"\b([A-Z]\d{2})(?:\.\d{1,2})?\b")


def _expand(entries: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[str]]:
    """'B20-B24' -> (range of 3-character codes), 'O98.7' -> a prefix."""
    ranges, prefixes = [], []
    for entry in entries:
        if "-" in entry:
            lo, hi = (e.strip().upper() for e in entry.split("-", 1))
            ranges.append((lo[:3], hi[:3]))
        else:
            prefixes.append(entry.strip().upper().replace(".", ""))
    return ranges, prefixes


class SpecialCategories:
    def __init__(self, extra_codes: dict[str, tuple[str, ...]] | None = None,
                 coverage: dict[str, tuple[str, ...]] | None = None):
        merged = {k: tuple(v) for k, v in CATEGORIES.items()}
        for category, codes in (extra_codes or {}).items():
            merged[category] = merged.get(category, ()) + tuple(codes)
        self.codes = {c: _expand(v) for c, v in merged.items()}
        self.coverage = {k: tuple(v) for k, v in COVERAGE.items()}
        for category, codes in (coverage or {}).items():
            self.coverage[category] = self.coverage.get(category, ()) + tuple(codes)
        self.mentions = {c: re.compile(p) for c, p in MENTIONS.items()}
        # one scan finds whether any category is mentioned at all (most notes mention none); only then
        # is each category's own pattern tried
        self.any_mention = re.compile("|".join(f"(?:{p})" for p in MENTIONS.values()))

    def of_code(self, code: str) -> list[str]:
        c = code.strip().upper().replace(".", "")
        out = []
        for category, (ranges, prefixes) in self.codes.items():
            if any(lo <= c[:3] <= hi for lo, hi in ranges) or any(c.startswith(p) for p in prefixes):
                out.append(category)
        return out

    def of_codes(self, joined: str) -> str | None:
        found = sorted({cat for part in re.split(r"[;,\s]+", joined) if part for cat in self.of_code(part)})
        return ";".join(found) or None

    def of_text(self, text: str) -> str | None:
        low = text.lower()
        found = set()
        if self.any_mention.search(low):
            found = {c for c, pattern in self.mentions.items() if pattern.search(low)}
        for code in ICD_IN_TEXT.findall(text):
            found.update(self.of_code(code))
        return ";".join(sorted(found)) or None

    def episode_flags(self, xml1: pa.Table, free_text: list[tuple[pa.Array, pa.Array]]) -> pa.Array:
        """Per XML1 row: ';'-joined categories or null. ``free_text``: (MA_LK per row, text) of every
        free-text column of every table; their episodes are matched to XML1 by raw ``MA_LK``."""
        flags = [self._codes_column(xml1, "MA_BENH_CHINH"), self._codes_column(xml1, "MA_BENH_KT")]
        if "MA_DOITUONG_KCB" in xml1.column_names:
            coverage = {code: cat for cat, codes in self.coverage.items() for code in codes}
            flags.append(map_distinct(xml1.column("MA_DOITUONG_KCB"), lambda v: coverage.get(v.strip())))
        ma_lk = xml1.column("MA_LK").combine_chunks().cast(pa.string())
        mentioned: dict[str, set[str]] = {}
        for keys, texts in free_text:
            hits = map_distinct(texts, self.of_text)
            mask = pc.is_valid(hits)
            for k, h in zip(pc.filter(keys, mask).to_pylist(), pc.filter(hits, mask).to_pylist()):
                mentioned.setdefault(k, set()).update(h.split(";"))
        if mentioned:
            names = pa.array(list(mentioned), pa.string())
            cats = pa.array([";".join(sorted(v)) for v in mentioned.values()], pa.string())
            flags.append(pc.take(cats, pc.index_in(ma_lk, value_set=names)))
        return combine_flags(flags, xml1.num_rows)

    def _codes_column(self, xml1: pa.Table, name: str) -> pa.Array:
        if name not in xml1.column_names:
            return pa.nulls(xml1.num_rows, pa.string())
        return map_distinct(xml1.column(name), self.of_codes)


def combine_flags(flags: list[pa.Array], n: int) -> pa.Array:
    """Union of several ';'-joined category columns, per row, sorted."""
    joined = pa.nulls(n, pa.string())
    for f in flags:
        joined = pc.if_else(pc.is_null(joined), f, pc.if_else(pc.is_null(f), joined,
                                                              pc.binary_join_element_wise(joined, f, ";")))
    return map_distinct(joined, lambda v: ";".join(sorted(set(v.split(";")))))
