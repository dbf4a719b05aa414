"""Quasi-identifiers as integer codes at every level of their generalisation chain.

Each quasi-identifier column is dictionary-encoded once (a missing value is a category of its own);
its chain of levels (finest first, ``all`` last) is mapped step by step along the
:mod:`pipelines.hierarchies` hierarchy, per *distinct* label, so the levels nest by construction (a
label at one level has exactly one label at the next). The search then works on small integer arrays:
``step[i]`` maps the codes of level ``i`` to those of level ``i + 1``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.hierarchies import ALL, ALL_LEVEL, HierarchyError, get_hierarchy
from pipelines.hierarchies.base import as_arrow_strings

VALUE_LEVEL = "value"


@dataclass(frozen=True)
class QuasiIdentifier:
    """A declared quasi-identifier: the column, its hierarchy (None: kept or fully suppressed) and the
    level the column holds (``from_level``, default the hierarchy's finest); ``levels`` overrides the chain."""

    column: str
    hierarchy: str | None = None
    from_level: str | None = None
    levels: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, item: Any) -> "QuasiIdentifier":
        if isinstance(item, QuasiIdentifier):
            return item
        if isinstance(item, str):
            return cls(item)
        if not isinstance(item, dict) or "column" not in item:
            raise ValueError(f"a quasi-identifier is a column name or {{column, hierarchy, from_level}}, not {item!r}")
        unknown = set(item) - {"column", "hierarchy", "from_level", "levels"}
        if unknown:
            raise ValueError(f"quasi-identifier {item['column']!r}: unknown key(s) {', '.join(sorted(unknown))}")
        levels = tuple(item["levels"]) if item.get("levels") else None
        return cls(str(item["column"]), item.get("hierarchy"), item.get("from_level"), levels)

    def chain(self) -> tuple[str, ...]:
        """The generalisation chain used for the lattice, finest first and ``all`` last."""
        if self.hierarchy is None:
            return (VALUE_LEVEL, ALL_LEVEL)
        h = get_hierarchy(self.hierarchy)
        if self.levels:
            chain = self.levels if self.levels[-1] == ALL_LEVEL else self.levels + (ALL_LEVEL,)
            for a, b in zip(chain, chain[1:]):
                h.check_levels(b, a)
            return chain
        start = self.from_level or h.levels[0]
        h.check_levels(start, start)
        return longest_chain(h, start)


def longest_chain(h, start: str) -> tuple[str, ...]:
    """The longest chain of the hierarchy's levels from ``start`` to ``all`` in which every step is
    reachable (dates: day -> month -> quarter -> year -> all rather than day -> week -> all)."""
    order = [lvl for lvl in h.levels if lvl != ALL_LEVEL]
    candidates = order[order.index(start):] if start in order else [start]
    best: dict[str, tuple[str, ...]] = {}
    for level in reversed(candidates):
        tails = [best[nxt] for nxt in candidates[candidates.index(level) + 1:] if _reaches(h, level, nxt)]
        best[level] = (level,) + max(tails, key=len, default=(ALL_LEVEL,))
    return best[start]


def _reaches(h, source: str, target: str) -> bool:
    try:
        h.check_levels(target, source)
    except HierarchyError:
        return False
    return True


@dataclass
class EncodedQI:
    """One quasi-identifier as codes: ``codes`` per row at the finest level, ``labels[i]`` the labels of
    level ``i``'s codes, ``step[i]`` level-``i`` code -> level-``i+1`` code."""

    qi: QuasiIdentifier
    chain: tuple[str, ...]
    codes: np.ndarray
    labels: list[pa.Array]
    step: list[np.ndarray]
    _maps: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    @property
    def height(self) -> int:
        return len(self.chain) - 1

    def cardinality(self, level: int) -> int:
        return len(self.labels[level])

    def between(self, source: int, target: int) -> np.ndarray:
        """Level-``source`` code -> level-``target`` code (``target >= source``)."""
        key = (source, target)
        if key not in self._maps:
            m = np.arange(self.cardinality(source), dtype=np.int32)
            for i in range(source, target):
                m = self.step[i][m]
            self._maps[key] = m
        return self._maps[key]

    def generalised(self, level: int, rows: np.ndarray | None = None) -> pa.Array:
        """The labels at ``level`` for every row (or the given row positions)."""
        codes = self.codes if rows is None else self.codes[rows]
        return self.labels[level].take(pa.array(self.between(0, level)[codes]))


def _encode_labels(labels: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Codes per label (a missing label is a category too) and the distinct labels."""
    encoded = pc.dictionary_encode(labels, null_encoding="encode")
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32), encoded.dictionary


def encode_qi(qi: QuasiIdentifier, values: Any) -> EncodedQI:
    """Encode a column (Arrow array, pandas Series or list) along its chain."""
    chain = qi.chain()
    arr, _ = as_arrow_strings(values)
    arr = pc.utf8_trim(arr, " \t\r\n")
    codes, labels0 = _encode_labels(arr)
    labels, steps = [labels0], []
    h = get_hierarchy(qi.hierarchy) if qi.hierarchy else None
    for source, target in zip(chain, chain[1:]):
        current = labels[-1]
        if target == ALL_LEVEL:
            nxt = pa.array([ALL] * len(current), type=pa.string())
        else:
            nxt = h.generalise(current, target, from_level=source)
        step, distinct = _encode_labels(nxt)
        steps.append(step)
        labels.append(distinct)
    return EncodedQI(qi, chain, codes, labels, steps)
