"""Expectation suites for XML1–XML5, derived from the schema registry plus a few hand-written rules.

The suites are generated into ``expectations/<table>.json`` by ``scripts/build_expectation_suites.py``
and reviewed in git like code; :func:`build_suite` is the one place that says what they contain.
Every expectation carries ``meta = {"rule_id", "severity", "table", "field", "check"}``; ``rule_id``
is stable (``<table>.<FIELD>.<check>``) so counts can be compared across runs and releases.

Severities: ``error`` quarantines the whole episode; ``warning`` annotates the row and lets it pass.
Length limits are warnings (spec §1: enforce lengths only as warnings).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.metadata_types import FailureSeverity

from pipelines.reference import provinces_34, provinces_63
from pipelines.schema import EPISODE_TABLES, Field, Schema, Table, load_schema

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
# GE has its own severity attribute; keep it in step with ours so GE-native tooling agrees.
GX_SEVERITY = {ERROR: FailureSeverity.CRITICAL, WARNING: FailureSeverity.WARNING}

NUMBER_PATTERN = r"-?\d+(\.\d+)?"
FORMAT_PATTERNS = {"datetime12": r"\d{12}", "date8": r"\d{8}"}
ICD10_PATTERN = r"[A-Z]\d{2}(\.?\d{1,2})?"
# Province codes valid as a facility-code prefix: the 63 legacy codes and the 2025 ones (identifiers §5).
PROVINCE_CODES = sorted({p["old_code"] for p in provinces_63()} | {p["new_code"] for p in provinces_34()})
FACILITY_PATTERN = rf"({'|'.join(PROVINCE_CODES)})[0-9A-Z]{{3}}"
# BHYT card (identifiers §4): group code, benefit level 1-5, legacy province, BHXH number; or the
# 10-digit BHXH number printed on cards since 2021.
BHYT_GROUPS = ("DN HX CH NN TK HC XK HT TB NO CT XB TN CS QN CA CY XN MS CC CK CB KC HD TE BT HN DT DK XD TS TC TQ "
               "TA TY HG LS PV CN HS SV GB GD LH").split()
BHYT_CARD_PATTERN = rf"(({'|'.join(sorted(BHYT_GROUPS))})[1-5]\d{{12}}|\d{{10}})"
# Empty and whitespace-only values are treated as missing before validation (validate._frame_for_suite).
MISSING_NOTE = "Empty or whitespace-only values are converted to null before validation."


def full_match(part: str, separator: str | None = None) -> str:
    """Anchored regex for one value, or for ``separator``-joined values when the field is multi-valued."""
    if separator:
        return rf"^{part}({re.escape(separator)}{part})*$"
    return rf"^{part}$"


@dataclass(frozen=True)
class HandWrittenRule:
    """A rule the registry cannot express; merged into the generated suite on every build."""
    table: str
    field: str
    check: str
    severity: str
    expectation: str  # GE expectation class name in great_expectations.expectations
    kwargs: dict = field(default_factory=dict)
    source: str = ""  # where the rule comes from (spec section), for reviewers

    @property
    def rule_id(self) -> str:
        return f"{self.table}.{self.field}.{self.check}"


HAND_WRITTEN_RULES: tuple[HandWrittenRule, ...] = (
    HandWrittenRule("xml1", "MA_BENH_CHINH", "icd10", ERROR, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(ICD10_PATTERN)}, "spec §5.2, §7.4 C4: one ICD-10 code"),
    HandWrittenRule("xml1", "MA_BENH_KT", "icd10", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": rf"^{ICD10_PATTERN}(;{ICD10_PATTERN}){{0,11}}$"},
                    "spec §7.4 C4: at most 12 ICD-10 codes, ';'-joined"),
    HandWrittenRule("xml3", "MA_BENH", "icd10", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(ICD10_PATTERN, ";")}, "spec §5.4: ICD-10 code(s)"),
    HandWrittenRule("xml1", "SO_CCCD", "shape", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": r"^(\d{9}|\d{12}|[A-Z]\d{7})$"},
                    "spec §7.4 C6, identifiers §2; warning because an e-ID account code is also allowed"),
    HandWrittenRule("xml1", "MA_TTDV", "shape", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": r"^\d{10}$"}, "spec §7.4 C6: 10 digits"),
    HandWrittenRule("xml1", "MA_CSKCB", "shape", ERROR, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(FACILITY_PATTERN)},
                    "spec §5.2, identifiers §5: 5 characters, the first 2 a province code"),
    HandWrittenRule("xml1", "MA_THE_BHYT", "shape", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(BHYT_CARD_PATTERN, ";")},
                    "identifiers §4 (unverified structure, so a warning); ';'-joined when the card changed"),
    HandWrittenRule("xml1", "NGAY_VAO_NOI_TRU", "not_before_NGAY_VAO", ERROR,
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "NGAY_VAO_NOI_TRU", "column_B": "NGAY_VAO", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"}, "spec §7.4 C2 (portal)"),
    HandWrittenRule("xml1", "NGAY_RA", "not_before_NGAY_VAO", WARNING, "ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "NGAY_RA", "column_B": "NGAY_VAO", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"}, "spec §7.4 C2 (proposal)"),
)


def _meta(table: Table, field_name: str, check: str, severity: str, source: str = "") -> dict:
    meta = {"rule_id": f"{table.id}.{field_name}.{check}", "severity": severity, "table": table.id,
            "field": field_name, "check": check}
    if source:
        meta["source"] = source
    return meta


def _field_expectations(table: Table, f: Field, schema: Schema) -> list[gxe.Expectation]:
    def make(cls, check: str, severity: str, **kwargs) -> gxe.Expectation:
        return cls(column=f.name, meta=_meta(table, f.name, check, severity), severity=GX_SEVERITY[severity],
                   **kwargs)

    out = []
    if f.required:
        out.append(make(gxe.ExpectColumnValuesToNotBeNull, "required", ERROR))
    if f.format in FORMAT_PATTERNS:
        out.append(make(gxe.ExpectColumnValuesToMatchRegex, "format", ERROR,
                        regex=full_match(FORMAT_PATTERNS[f.format], f.separator)))
    elif f.format:
        raise ValueError(f"{table.id}.{f.name}: no pattern for format {f.format!r}")
    if f.code_list:
        codes = sorted(schema.code_lists[f.code_list])
        if f.separator:
            alternatives = "|".join(re.escape(c) for c in codes)
            out.append(make(gxe.ExpectColumnValuesToMatchRegex, "code_list", ERROR,
                            regex=full_match(f"({alternatives})", f.separator)))
        else:
            out.append(make(gxe.ExpectColumnValuesToBeInSet, "code_list", ERROR, value_set=codes))
    elif f.type == "number":  # a code list is stricter than the number shape, so one rule is enough
        out.append(make(gxe.ExpectColumnValuesToMatchRegex, "number", ERROR,
                        regex=full_match(NUMBER_PATTERN, f.separator)))
    if f.max_length:
        out.append(make(gxe.ExpectColumnValueLengthsToBeBetween, "max_length", WARNING, max_value=f.max_length))
    if table.id == "xml1" and f.name == "MA_LK":
        out.append(make(gxe.ExpectColumnValuesToBeUnique, "unique", ERROR))
    return out


def _hand_written_expectation(table: Table, rule: HandWrittenRule) -> gxe.Expectation:
    if rule.severity not in SEVERITIES:
        raise ValueError(f"{rule.rule_id}: unknown severity {rule.severity!r}")
    if rule.field not in table.by_name:
        raise ValueError(f"{rule.rule_id}: {rule.field} is not a field of {table.id} in the registry")
    cls = getattr(gxe, rule.expectation)
    kwargs = dict(rule.kwargs)
    if "column_A" not in kwargs:
        kwargs["column"] = rule.field
    return cls(meta=_meta(table, rule.field, rule.check, rule.severity, rule.source),
               severity=GX_SEVERITY[rule.severity], **kwargs)


def suite_name(table_id: str, schema: Schema) -> str:
    return f"xml130_{schema.version}.{table_id}"


def build_suite(table_id: str, schema: Schema | None = None,
                hand_written: tuple[HandWrittenRule, ...] = HAND_WRITTEN_RULES) -> gx.ExpectationSuite:
    """The expectation suite of one table: registry-derived rules, then the hand-written ones."""
    schema = schema or load_schema()
    table = schema.table(table_id)
    expectations = [e for f in table.fields for e in _field_expectations(table, f, schema)]
    expectations += [_hand_written_expectation(table, r) for r in hand_written if r.table == table.id]
    rule_ids = [e.meta["rule_id"] for e in expectations]
    duplicates = sorted({r for r in rule_ids if rule_ids.count(r) > 1})
    if duplicates:
        raise ValueError(f"{table.id}: duplicate rule ids {duplicates}")
    return gx.ExpectationSuite(
        name=suite_name(table.id, schema), expectations=expectations,
        meta={"schema_version": schema.version, "table": table.id,
              "generated_by": "scripts/build_expectation_suites.py"},
        notes=MISSING_NOTE)


def suite_json(suite: gx.ExpectationSuite) -> str:
    """The suite as GE serialises it, formatted stably for review in git."""
    return json.dumps(suite.to_json_dict(), ensure_ascii=False, indent=2) + "\n"


def write_suites(directory: str | Path, schema: Schema | None = None,
                 tables: tuple[str, ...] = EPISODE_TABLES) -> list[Path]:
    """(Re)generate ``<directory>/<table>.json`` for every episode table; returns the files written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table_id in tables:
        path = directory / f"{table_id}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(suite_json(build_suite(table_id, schema)), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
