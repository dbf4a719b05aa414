"""The de-identification policy: a versioned YAML file, checked against the schema registry on load.

Every field of every table gets exactly one action (or a list of them, each writing its own output
column): from ``tables.<table>.<FIELD>`` (where the same name means something else in that
table), else ``fields.<FIELD>``, else ``defaults.<class>``. Every entity type the detector finds
in free text gets an operator in each free-text profile (``free_text.redact``,
``free_text.surrogate``). Unknown keys are errors; errors name the file, the key and the field.
A rule that keeps a DIRECT-ID field or unredacted FREE-TEXT (or a direct identifier in free text)
is refused unless it carries ``exception: <documented reason>``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.schema import DEID_CLASSES, EPISODE_TABLES, Schema, Table, load_schema

DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")
TOP_KEYS = {"version", "schema", "scope", "date_shift", "defaults", "fields", "tables", "free_text",
            "special_categories", "person", "description"}
PROFILES = ("redact", "surrogate")
ENTITY_OPERATORS = {"placeholder", "pseudonymise", "surrogate", "date_shift", "keep"}
DIRECT_ENTITIES = {"PERSON", "VN_CCCD", "VN_BHYT", "VN_BHXH", "PHONE_NUMBER", "EMAIL_ADDRESS", "VN_ADDRESS",
                   "VN_PATIENT_ID", "VN_STAFF_ID"}
ENTITY_TYPES = DIRECT_ENTITIES | {"LOCATION", "DATE_TIME", "AGE"}
SURROGATE_ENTITIES = DIRECT_ENTITIES


class PolicyError(ValueError):
    """A policy file that cannot be applied; the message names the file, the key and the field."""


@dataclass(frozen=True)
class FieldRule:
    """One action on one field; ``params`` are the action's own settings (checked by the action)."""

    field: str
    action: str
    params: dict[str, Any] = field(default_factory=dict)
    exception: str | None = None
    origin: str = ""  # where the rule came from: "fields.MA_LK", "tables.xml3.MA_BENH", "defaults.NON-ID"

    def get(self, name: str, default=None):
        return self.params.get(name, default)

    @property
    def output(self) -> str:
        return self.params.get("output") or self.field


@dataclass(frozen=True)
class EntityRule:
    entity_type: str
    operator: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    path: Path
    version: str
    scope: str
    max_shift_days: int
    defaults: dict[str, str]
    rules: dict[str, dict[str, tuple[FieldRule, ...]]]  # table -> field -> rules
    free_text: dict[str, dict[str, EntityRule]]  # profile -> entity type -> rule
    special_extra: dict[str, tuple[str, ...]]  # category -> extra ICD-10 codes/ranges
    special_coverage: dict[str, tuple[str, ...]]  # category -> MA_DOITUONG_KCB codes
    special_enabled: bool = True
    person_output: str = "PERSON_ID"
    person_link_output: str = "PERSON_LINK"

    def rules_for(self, table_id: str, field_name: str) -> tuple[FieldRule, ...]:
        return self.rules[table_id][field_name]

    def rule_for(self, table: Table, field_name: str) -> FieldRule:
        """The first rule of a field (kept for callers of the first policy)."""
        return self.rules[table.id][field_name][0]


def load_policy(path: str | Path = DEFAULT_POLICY, schema: Schema | None = None) -> Policy:
    path = Path(path)
    schema = schema or load_schema()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: a policy is a mapping with at least 'version' and 'defaults'")
    return _Loader(path, schema, raw).policy()


class _Loader:
    def __init__(self, path: Path, schema: Schema, raw: dict):
        self.path, self.schema, self.raw = path, schema, raw

    def fail(self, where: str, message: str) -> PolicyError:
        return PolicyError(f"{self.path}: {where}: {message}")

    def policy(self) -> Policy:
        raw = self.raw
        unknown = set(raw) - TOP_KEYS
        if unknown:
            raise self.fail(sorted(unknown)[0], f"unknown key (known: {sorted(TOP_KEYS)})")
        if "version" not in raw:
            raise self.fail("version", "missing: every policy states its version")
        if raw.get("schema") is not None and str(raw["schema"]) != self.schema.version:
            raise self.fail("schema", f"policy is for XML 130 schema {raw['schema']}, registry is {self.schema.version}")
        defaults = self.defaults(raw.get("defaults") or {})
        shift = raw.get("date_shift") or {}
        self.only(shift, {"max_days"}, "date_shift")
        max_days = shift.get("max_days", 30)
        if not isinstance(max_days, int) or isinstance(max_days, bool) or not 1 <= max_days <= 3650:
            raise self.fail("date_shift.max_days", f"a whole number of days from 1 to 3650, got {max_days!r}")
        free_text = self.free_text(raw.get("free_text") or {})
        special = raw.get("special_categories") or {}
        self.only(special, {"enabled", "extra_codes", "coverage_codes"}, "special_categories")
        person = raw.get("person") or {}
        self.only(person, {"output", "link_output"}, "person")
        rules = self.field_rules(defaults, raw.get("fields") or {}, raw.get("tables") or {})
        return Policy(
            path=self.path, version=str(raw["version"]), scope=str(raw.get("scope") or "default"),
            max_shift_days=max_days, defaults=defaults, rules=rules, free_text=free_text,
            special_extra=self.code_lists(special.get("extra_codes") or {}, "special_categories.extra_codes"),
            special_coverage=self.code_lists(special.get("coverage_codes") or {},
                                             "special_categories.coverage_codes"),
            special_enabled=bool(special.get("enabled", True)),
            person_output=person.get("output", "PERSON_ID"), person_link_output=person.get("link_output", "PERSON_LINK"))

    def only(self, mapping: Any, allowed: set[str], where: str) -> None:
        if not isinstance(mapping, dict):
            raise self.fail(where, "must be a mapping")
        unknown = set(mapping) - allowed
        if unknown:
            raise self.fail(f"{where}.{sorted(unknown)[0]}", f"unknown key (known: {sorted(allowed)})")

    def defaults(self, defaults: dict) -> dict[str, str]:
        from pipelines.deidentify.actions import ACTIONS
        self.only(defaults, set(DEID_CLASSES), "defaults")
        for cls in DEID_CLASSES:
            action = defaults.get(cls)
            allowed = sorted(n for n, a in ACTIONS.items() if not a.needs_params)
            if action not in allowed:
                raise self.fail(f"defaults.{cls}", f"must be one of {allowed}, got {action!r}")
        return dict(defaults)

    def code_lists(self, mapping: dict, where: str) -> dict[str, tuple[str, ...]]:
        self.only(mapping, set(mapping), where)
        out = {}
        for category, codes in mapping.items():
            if not isinstance(codes, list) or not all(isinstance(c, (str, int, float)) for c in codes):
                raise self.fail(f"{where}.{category}", "a list of codes")
            out[str(category)] = tuple(str(c).strip().upper() for c in codes)
        return out

    def free_text(self, spec: dict) -> dict[str, dict[str, EntityRule]]:
        self.only(spec, set(PROFILES), "free_text")
        out = {}
        for profile in PROFILES:
            entities = spec.get(profile)
            where = f"free_text.{profile}"
            if not isinstance(entities, dict):
                raise self.fail(where, f"give an operator to every entity type: {sorted(ENTITY_TYPES)}")
            self.only(entities, ENTITY_TYPES, where)
            missing = ENTITY_TYPES - set(entities)
            if missing:
                raise self.fail(f"{where}.{sorted(missing)[0]}", "missing: every entity type needs an operator")
            out[profile] = {e: self.entity_rule(e, entities[e], f"{where}.{e}") for e in sorted(ENTITY_TYPES)}
        return out

    def entity_rule(self, entity: str, spec: Any, where: str) -> EntityRule:
        spec = dict(spec) if isinstance(spec, dict) else {"operator": spec}
        self.only(spec, {"operator", "domain", "normalise", "exception"}, where)
        operator = spec.pop("operator", None)
        exception = spec.pop("exception", None)
        if operator not in ENTITY_OPERATORS:
            raise self.fail(f"{where}.operator", f"{operator!r} is not one of {sorted(ENTITY_OPERATORS)}")
        if operator == "keep" and entity in DIRECT_ENTITIES and not _documented(exception):
            raise self.fail(where, "keeps a direct identifier in free text; refused unless marked "
                                   "'exception: <documented reason>'")
        if operator == "surrogate" and entity not in SURROGATE_ENTITIES:
            raise self.fail(f"{where}.operator", f"no surrogate for {entity}; surrogates exist for "
                                                 f"{sorted(SURROGATE_ENTITIES)}")
        if operator == "date_shift" and entity != "DATE_TIME":
            raise self.fail(f"{where}.operator", "date_shift applies to DATE_TIME only")
        if operator == "pseudonymise":
            from pipelines.deidentify.transforms import DOMAINS, NORMALISERS
            if spec.get("domain") not in DOMAINS:
                raise self.fail(f"{where}.domain", f"must be one of {list(DOMAINS)}")
            if spec.setdefault("normalise", "name" if entity == "PERSON" else "id") not in NORMALISERS:
                raise self.fail(f"{where}.normalise", f"must be one of {sorted(NORMALISERS)}")
        elif spec:
            raise self.fail(f"{where}.{sorted(spec)[0]}", f"not a setting of operator {operator}")
        return EntityRule(entity, operator, spec)

    def field_rules(self, defaults: dict, fields: dict, tables: dict) -> dict[str, dict[str, tuple[FieldRule, ...]]]:
        known = {f.name for t in self.schema.tables.values() for f in t.fields}
        self.only(fields, set(fields), "fields")
        for name in fields:
            if name not in known:
                raise self.fail(f"fields.{name}", f"no such field in XML 130 schema {self.schema.version}")
        self.only(tables, set(self.schema.tables), "tables")
        for tid, overrides in tables.items():
            self.only(overrides, set(self.schema.table(tid).columns), f"tables.{tid}")
        out: dict[str, dict[str, tuple[FieldRule, ...]]] = {}
        for tid, table in self.schema.tables.items():
            per_table = {}
            outputs: dict[str, str] = {}
            for f in table.fields:
                if f.name in (tables.get(tid) or {}):
                    spec, origin = tables[tid][f.name], f"tables.{tid}.{f.name}"
                elif f.name in fields:
                    spec, origin = fields[f.name], f"fields.{f.name}"
                else:
                    spec, origin = defaults[f.deid_class], f"defaults.{f.deid_class}"
                rules = tuple(self.rule(table, f.name, s, origin if not isinstance(spec, list) else f"{origin}[{i}]")
                              for i, s in enumerate(spec if isinstance(spec, list) else [spec]))
                for rule in rules:
                    if rule.action != "drop":
                        if rule.output in outputs and outputs[rule.output] != rule.origin:
                            raise self.fail(rule.origin, f"output {rule.output!r} is also written by "
                                                         f"{outputs[rule.output]}")
                        outputs[rule.output] = rule.origin
                per_table[f.name] = rules
            out[tid] = per_table
        return out

    def rule(self, table: Table, name: str, spec: Any, origin: str) -> FieldRule:
        from pipelines.deidentify.actions import ACTIONS
        spec = dict(spec) if isinstance(spec, dict) else {"action": spec}
        action = spec.pop("action", None)
        exception = spec.pop("exception", None)
        if action not in ACTIONS:
            raise self.fail(f"{origin}.action" if "." in origin else origin,
                            f"{action!r} is not one of {sorted(ACTIONS)}")
        f = table.by_name[name]
        if action == "keep" and f.deid_class in ("DIRECT-ID", "FREE-TEXT") and not _documented(exception):
            what = "a direct identifier" if f.deid_class == "DIRECT-ID" else "unredacted free text"
            raise self.fail(origin, f"{table.id}.{name} keeps {what}; refused unless marked "
                                    "'exception: <documented reason>'")
        rule = FieldRule(name, action, spec, exception, origin)
        problem = ACTIONS[action].check(rule, table, self.schema)
        if problem:
            key, message = problem
            raise self.fail(f"{origin}.{key}" if key else origin, message)
        return rule


def _documented(exception: Any) -> bool:
    return isinstance(exception, str) and len(exception.strip()) >= 10


def episode_tables() -> tuple[str, ...]:
    return EPISODE_TABLES
