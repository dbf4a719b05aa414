"""XML 130 schema registry: the one description of tables and fields every stage reads.

Versions live as YAML files beside this module (``xml130_<version>.yaml``); a new amendment
(3176, 1931, ...) is a new file, chosen by the episode date with :func:`schema_for_date`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

SCHEMA_DIR = Path(__file__).parent
DEFAULT_VERSION = "4750"
DEID_CLASSES = ("DIRECT-ID", "QUASI-ID", "FREE-TEXT", "SENSITIVE-HEALTH", "NON-ID")
# Lineage columns every staged table carries after the standard's own columns.
LINEAGE_COLUMNS = ("_source_file", "_source_sha256", "_hoso_index", "_batch_id")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # "string" or "number"; values are always staged as strings
    max_length: int | None
    required: bool
    deid_class: str
    description: str = ""
    format: str | None = None  # "datetime12" (yyyymmddHHMM) or "date8" (yyyymmdd)
    separator: str | None = None  # ";" for multi-valued fields
    code_list: str | None = None
    required_when: str | None = None
    value_dependent: bool = False  # class depends on the value (e.g. MA_DOITUONG_KCB 1.9)


@dataclass(frozen=True)
class Table:
    id: str  # "xml1" ... ; used for folder names
    loaihoso: str  # "XML1" as in the envelope
    root: str
    list: str | None
    row: str
    title: str
    fields: tuple[Field, ...]
    by_name: dict[str, Field] = field(compare=False, repr=False, default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def fields_of_class(self, deid_class: str) -> list[Field]:
        return [f for f in self.fields if f.deid_class == deid_class]


@dataclass(frozen=True)
class Schema:
    version: str
    effective_from: str
    effective_to: str | None
    tables: dict[str, Table]
    code_lists: dict[str, dict[str, str]]
    envelope: dict[str, str]

    def table(self, table_id: str) -> Table:
        try:
            return self.tables[table_id.lower()]
        except KeyError:
            raise KeyError(f"unknown XML 130 table {table_id!r}; known: {', '.join(self.tables)}") from None

    def by_loaihoso(self, loaihoso: str) -> Table | None:
        return self.tables.get(loaihoso.strip().lower())

    def codes(self, list_name: str) -> set[str]:
        return set(self.code_lists[list_name])


def available_versions() -> list[str]:
    return sorted(p.stem.split("_", 1)[1] for p in SCHEMA_DIR.glob("xml130_*.yaml"))


@lru_cache(maxsize=None)
def load_schema(version: str = DEFAULT_VERSION) -> Schema:
    path = SCHEMA_DIR / f"xml130_{version}.yaml"
    if not path.exists():
        raise KeyError(f"no XML 130 schema version {version!r}; available: {available_versions()}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables = {}
    for tid, t in raw["tables"].items():
        fields = tuple(Field(**f) for f in t["fields"])
        for f in fields:
            if f.deid_class not in DEID_CLASSES:
                raise ValueError(f"{path.name}: {tid}.{f.name}: unknown deid_class {f.deid_class!r}")
        tables[tid] = Table(id=tid, loaihoso=t["loaihoso"], root=t["root"], list=t["list"], row=t["row"],
                            title=t["title"], fields=fields, by_name={f.name: f for f in fields})
    return Schema(version=str(raw["version"]), effective_from=raw["effective_from"],
                  effective_to=raw.get("effective_to"), tables=tables,
                  code_lists={k: {str(c): v for c, v in codes.items()} for k, codes in raw["code_lists"].items()},
                  envelope=raw["envelope"])


def schema_for_date(yyyymmdd: str | None) -> Schema:
    """The schema version in force on an episode date; the default when the date is unknown."""
    if yyyymmdd:
        day = f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:8]}"
        for version in reversed(available_versions()):
            s = load_schema(version)
            if s.effective_from <= day and (s.effective_to is None or day < s.effective_to):
                return s
    return load_schema()


EPISODE_TABLES = ("xml1", "xml2", "xml3", "xml4", "xml5")
STAGED_TABLES = ("xml0",) + EPISODE_TABLES
