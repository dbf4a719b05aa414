"""The de-identification policy: a YAML file checked against the schema registry on load."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.schema import DEID_CLASSES, Schema, Table, load_schema

DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")
ACTIONS = {"drop", "keep", "redact", "pseudonymize", "month", "age_band", "province_2025"}
DEFAULT_ACTIONS = {"drop", "keep", "redact"}  # the ones that need no per-field settings
DOMAINS = {"episode", "patient", "staff"}


class PolicyError(ValueError):
    """A policy file that cannot be applied; the message names the file and the key."""


@dataclass(frozen=True)
class FieldRule:
    field: str
    action: str
    domain: str | None = None
    scope: str | None = None  # another column whose value scopes the pseudonym (e.g. the facility)
    reference: str | None = None  # date column an age or a province code is read against
    output: str | None = None  # name of the derived column (age band, new province)


@dataclass(frozen=True)
class Policy:
    path: Path
    defaults: dict[str, str]
    fields: dict[str, FieldRule]
    age_bands: tuple[int, ...]

    def rule_for(self, table: Table, field_name: str) -> FieldRule:
        if field_name in self.fields:
            return self.fields[field_name]
        return FieldRule(field_name, self.defaults[table.by_name[field_name].deid_class])


def load_policy(path: str | Path = DEFAULT_POLICY, schema: Schema | None = None) -> Policy:
    path = Path(path)
    schema = schema or load_schema()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc}") from exc
    defaults = raw.get("defaults") or {}
    for cls in DEID_CLASSES:
        if defaults.get(cls) not in DEFAULT_ACTIONS:
            raise PolicyError(f"{path}: defaults.{cls}: must be one of {sorted(DEFAULT_ACTIONS)}, "
                              f"got {defaults.get(cls)!r}")
    known = {f.name for t in schema.tables.values() for f in t.fields}
    rules = {}
    for name, spec in (raw.get("fields") or {}).items():
        where = f"{path}: fields.{name}"
        if name not in known:
            raise PolicyError(f"{where}: no such field in XML 130 schema {schema.version}")
        spec = spec if isinstance(spec, dict) else {"action": spec}
        unknown_keys = set(spec) - {"action", "domain", "scope", "reference", "output"}
        if unknown_keys:
            raise PolicyError(f"{where}: unknown keys {sorted(unknown_keys)}")
        rule = FieldRule(name, **spec)
        if rule.action not in ACTIONS:
            raise PolicyError(f"{where}.action: {rule.action!r} is not one of {sorted(ACTIONS)}")
        if rule.action == "pseudonymize" and rule.domain not in DOMAINS:
            raise PolicyError(f"{where}.domain: must be one of {sorted(DOMAINS)}")
        if rule.action in ("age_band", "province_2025") and not (rule.reference and rule.output):
            raise PolicyError(f"{where}: {rule.action} needs 'reference' and 'output'")
        for key in ("scope", "reference"):
            if getattr(rule, key) and getattr(rule, key) not in known:
                raise PolicyError(f"{where}.{key}: no such field {getattr(rule, key)!r}")
        rules[name] = rule
    bands = tuple(int(b) for b in raw.get("age_bands") or ())
    if not bands or bands[0] != 0 or list(bands) != sorted(set(bands)):
        raise PolicyError(f"{path}: age_bands: must start at 0 and increase")
    return Policy(path=path, defaults=defaults, fields=rules, age_bands=bands)
