"""What a researcher asks for: :class:`ExtractRequest`, read from YAML/JSON or built by the portal.

Filters are data, never SQL: ``{COLUMN: value}``, ``{COLUMN: [v1, v2]}`` or ``{COLUMN: {">=": v}}``
(operators ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in``); they become parameterised DuckDB
predicates, so a request cannot read files or run anything. ``period`` selects months of the real
admission month (``THANG_VAO``): ``"2025-03"`` or ``"2025-01..2025-06"``.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.extract.encode import QuasiIdentifier

OPERATORS = {"=": "=", "==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "IN"}
_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_MONTH = re.compile(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])")
PERIOD_COLUMN = "THANG_VAO"


class RequestError(ValueError):
    """A malformed extract request; the message names the key."""


@dataclass(frozen=True)
class ExtractRequest:
    project: str
    variables: list[str]
    quasi_identifiers: list[Any]
    sensitive: str | None = None
    filter: dict[str, Any] | None = None
    period: str | None = None
    k: int = 5
    l: int = 2  # noqa: E741 - the name the contract uses
    free_text: bool = False
    max_suppression: float = 0.05
    metric: str = "entropy"
    source: str = "xml1"
    include_special: bool = False
    dp: dict[str, Any] | None = None
    extract_id: str | None = None
    qis: tuple[QuasiIdentifier, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.project, str) or not _PROJECT.fullmatch(self.project):
            raise RequestError(f"project must be 1-64 letters, digits, '.', '_' or '-', not {self.project!r}")
        if self.extract_id is not None and not _PROJECT.fullmatch(self.extract_id):
            raise RequestError(f"extract_id must be 1-64 letters, digits, '.', '_' or '-', not {self.extract_id!r}")
        if self.k < 2:
            raise RequestError("k must be at least 2 (k = 1 is no protection)")
        if self.l < 1 or (self.l > 1 and not self.sensitive and not self.dp):
            raise RequestError("l must be at least 1, and l > 1 needs a sensitive attribute")
        if not 0 <= self.max_suppression < 0.5:
            raise RequestError("max_suppression is a share of records in [0, 0.5)")
        if self.source != "xml1":
            raise RequestError(f"source {self.source!r}: extracts read the safe xml1 table")
        object.__setattr__(self, "qis", tuple(QuasiIdentifier.parse(q) for q in self.quasi_identifiers))
        if not self.qis:
            raise RequestError("declare at least one quasi-identifier")
        for qi in self.qis:
            qi.chain()  # unknown hierarchy or level: raises here, naming it
        parse_period(self.period)
        parse_filter(self.filter)

    @property
    def columns(self) -> list[str]:
        """Every column the extract holds: quasi-identifiers, the sensitive attribute, then the variables."""
        out: list[str] = []
        for c in [q.column for q in self.qis] + ([self.sensitive] if self.sensitive else []) + list(self.variables):
            if c not in out:
                out.append(c)
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("qis", None)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> "ExtractRequest":
        known = {f for f in cls.__dataclass_fields__ if f != "qis"}
        unknown = set(data) - known
        if unknown:
            raise RequestError(f"unknown request key(s): {', '.join(sorted(unknown))}")
        missing = {"project", "variables", "quasi_identifiers"} - set(data)
        if missing:
            raise RequestError(f"missing request key(s): {', '.join(sorted(missing))}")
        return cls(**data)


def load_request(path: str | Path) -> ExtractRequest:
    """A request from a YAML or JSON file (errors name the file)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict):
            raise RequestError("the file must hold a mapping")
        return ExtractRequest.from_dict(data)
    except (RequestError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise RequestError(f"{path}: {exc}") from None


def parse_period(period: str | None) -> tuple[str, str] | None:
    if period is None:
        return None
    parts = str(period).split("..")
    if len(parts) not in (1, 2) or not all(_MONTH.fullmatch(p) for p in parts):
        raise RequestError(f"period must be 'YYYY-MM' or 'YYYY-MM..YYYY-MM', not {period!r}")
    start, end = parts[0], parts[-1]
    if end < start:
        raise RequestError(f"period {period!r} ends before it starts")
    return start, end


def parse_filter(spec: dict | None) -> list[tuple[str, str, Any]]:
    """(column, SQL operator, value) triples."""
    out = []
    for column, cond in (spec or {}).items():
        if isinstance(cond, list):
            out.append((column, "IN", [str(v) for v in cond]))
        elif isinstance(cond, dict):
            for op, value in cond.items():
                if op not in OPERATORS:
                    raise RequestError(f"filter {column}: unknown operator {op!r} (known: {', '.join(OPERATORS)})")
                sql = OPERATORS[op]
                out.append((column, sql, [str(v) for v in value] if sql == "IN" else str(value)))
        else:
            out.append((column, "=", str(cond)))
    return out
