"""ICD-10: full code -> three-character category -> block -> chapter -> all.

Blocks are the WHO ICD-10 blocks (``icd10_blocks.tsv``, finest WHO grouping, e.g. ``A15-A19``
Tuberculosis; where WHO nests blocks, as C00-C97 or M00-M25, the inner ones are used); chapters are
the 22 WHO chapters (``pipelines/reference/icd10_chapters.tsv``, labels ``I`` … ``XXII``). A code is
read as a letter, two digits and an optional subdivision with or without the dot (``J06.9``,
``j069``, ``I10``); ``code`` labels are written ``J06.9``. One code per value: a field holding several
codes (``MA_BENH_KT``, ``;``-separated) is split by the caller. A well-formed category in no WHO block
(``D49``, ``A10``, ``U50``) is no WHO category: it keeps its code and category labels and gets ``None``
as block and chapter (so generalising step by step and in one step agree).
"""
from __future__ import annotations

import re
import string
from functools import cached_property

import pyarrow as pa

from pipelines.hierarchies.base import ALL_LEVEL, Hierarchy, py_trim, read_table, sql_trim
from pipelines.reference import icd10_chapters

_CODE = re.compile(r"[A-Za-z][0-9]{2}(\.?[0-9]{1,3})?")
_SQL_CODE = "[A-Za-z][0-9]{2}(\\.?[0-9]{1,3})?"
TABLE = "andanh_h_icd10"


def _categories() -> list[str]:
    return [f"{letter}{n:02d}" for letter in string.ascii_uppercase for n in range(100)]


class Icd10Hierarchy(Hierarchy):
    name = "icd10"
    levels = ("code", "code3", "block", "chapter", ALL_LEVEL)
    reachable = {"code3": ("code",), "block": ("code", "code3"), "chapter": ("code", "code3", "block")}

    @cached_property
    def blocks(self) -> tuple[dict[str, str], ...]:
        return read_table("icd10_blocks.tsv")

    @cached_property
    def by_category(self) -> dict[str, tuple[str | None, str | None]]:
        """Every A00..Z99 category -> (block, chapter), None where WHO has none."""
        out = {}
        for code3 in _categories():
            block = next((b["block"] for b in self.blocks if b["first"] <= code3 <= b["last"]), None)
            chapter = next((c["chapter"] for c in icd10_chapters() if c["first"] <= code3 <= c["last"]), None)
            chapter = chapter if block else None  # a category in no block is no WHO category
            out[code3] = (block, chapter)
        return out

    @cached_property
    def block_chapter(self) -> dict[str, str]:
        return {b["block"]: b["chapter"] for b in self.blocks}

    def map_key(self, key: str, from_level: str, to_level: str) -> str | None:
        t = py_trim(key)
        if from_level == "block":
            return t if to_level == "block" and t in self.block_chapter else self.block_chapter.get(t)
        if from_level == "chapter":
            return t if t in {c["chapter"] for c in icd10_chapters()} else None
        if not _CODE.fullmatch(t) or (from_level == "code3" and len(t) != 3):
            return None
        code3, rest = t[:3].upper(), t[3:].lstrip(".")
        if to_level == "code":
            return code3 + ("." + rest if rest else "")
        if to_level == "code3":
            return code3
        block, chapter = self.by_category[code3]
        return block if to_level == "block" else chapter

    def lookup_tables(self) -> dict[str, pa.Table]:
        codes = list(self.by_category)
        return {TABLE: pa.table({"code3": codes, "block": [self.by_category[c][0] for c in codes],
                                 "chapter": [self.by_category[c][1] for c in codes]}),
                TABLE + "_block": pa.table({"block": list(self.block_chapter), "chapter": list(self.block_chapter.values())})}

    def sql_map(self, column_sql, from_level, to_level, context_sql) -> str:
        t = sql_trim(column_sql)
        if from_level == "block":
            if to_level == "block":
                return f"(SELECT b.block FROM {TABLE}_block b WHERE b.block = {t})"
            return f"(SELECT b.chapter FROM {TABLE}_block b WHERE b.block = {t})"
        if from_level == "chapter":
            chapters = ", ".join(f"'{c['chapter']}'" for c in icd10_chapters())
            return f"(CASE WHEN {t} IN ({chapters}) THEN {t} END)"
        ok = f"regexp_full_match({t}, '{_SQL_CODE}')"
        if from_level == "code3":
            ok = f"({ok} AND length({t}) = 3)"
        code3 = f"upper(substr({t}, 1, 3))"
        if to_level == "code":
            rest = f"ltrim(substr({t}, 4), '.')"
            return f"(CASE WHEN {ok} THEN {code3} || (CASE WHEN {rest} = '' THEN '' ELSE '.' || {rest} END) END)"
        if to_level == "code3":
            return f"(CASE WHEN {ok} THEN {code3} END)"
        return f"(CASE WHEN {ok} THEN (SELECT h.{to_level} FROM {TABLE} h WHERE h.code3 = {code3}) END)"

    def finite_labels(self, level: str) -> list[str] | None:
        if level == "block":
            return [b["block"] for b in self.blocks]
        if level == "chapter":
            return [c["chapter"] for c in icd10_chapters()]
        return None
