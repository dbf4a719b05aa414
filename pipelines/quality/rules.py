"""Expectation suites for XML1–XML5, derived from the schema registry plus a few hand-written rules.

The suites are generated into ``pipelines/quality/expectations/<table>.json`` by ``scripts/build_expectation_suites.py``
and reviewed in git like code; :func:`build_suite` is the one place that says what they contain.
Every expectation carries ``meta = {"rule_id", "severity", "table", "field", "check"}``; ``rule_id``
is stable (``<table>.<FIELD>.<check>``) so counts can be compared across runs and releases.

Two kinds of expectation live in a suite:

- GE column expectations (not null, regex, value set, lengths, column pairs, unique), run by Great
  Expectations on a pandas batch;
- ``unexpected_rows_expectation`` (GE's SQL expectation) for cross-field, date-aware, money and
  cross-table rules. GE runs those on SQL data sources only, so AnDanh runs their query in DuckDB
  (:func:`pipelines.quality.engine.run_sql_rules`) with ``{batch}`` bound to the table being
  validated; the query may read the other tables of the batch as ``xml1`` … ``xml5`` and the derived
  tables its suite declares in ``meta.derived_tables`` (SQL over those tables, built once per run:
  ``line_totals``, the per-episode sums of the detail lines). Every table seen by a query has
  ``_staged_row`` plus the registry columns the rules name, as strings, blank values as NULL.
  The query returns the ``_staged_row`` of each failing row.

Severities: ``error`` quarantines the whole episode; ``warning`` annotates the row and lets it pass.
Rules the spec states (annex, portal) are errors; rules it marks as a proposal or unverified are
warnings. Length limits are warnings (spec §1: enforce lengths only as warnings).
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
from pipelines.schema.formats import _DAY, _HHMM, _MONTH, FORMAT_PATTERNS, STRPTIME

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
# GE has its own severity attribute; keep it in step with ours so GE-native tooling agrees.
GX_SEVERITY = {ERROR: FailureSeverity.CRITICAL, WARNING: FailureSeverity.WARNING}

NUMBER_PATTERN = r"-?\d+(\.\d+)?"
# NGAY_SINH (spec §4): unknown day, or day and month, are written 00; a year-only birth is YYYY00000000.
BIRTH_PATTERN = rf"\d{{4}}({_MONTH}(00|{_DAY})|0000){_HHMM}"
ICD10_PATTERN = r"[A-Z]\d{2}(\.?\d{1,2})?"
# Province codes valid as a facility-code prefix: the 63 legacy codes and the 2025 ones (identifiers §5).
PROVINCE_CODES = sorted({p["old_code"] for p in provinces_63()} | {p["new_code"] for p in provinces_34()})
FACILITY_PATTERN = rf"({'|'.join(PROVINCE_CODES)})[0-9A-Z]{{3}}"
# BHYT card (identifiers §4): group code, benefit level 1-5, legacy province, BHXH number; or the
# 10-digit BHXH number printed on cards since 2021.
BHYT_GROUPS = ("DN HX CH NN TK HC XK HT TB NO CT XB TN CS QN CA CY XN MS CC CK CB KC HD TE BT HN DT DK XD TS TC TQ "
               "TA TY HG LS PV CN HS SV GB GD LH").split()
LEGACY_PROVINCE_CODES = sorted(p["old_code"] for p in provinces_63())
NEW_PROVINCE_CODES = sorted(p["new_code"] for p in provinces_34())
BHYT_CARD_PATTERN = (rf"(({'|'.join(sorted(BHYT_GROUPS))})[1-5]({'|'.join(LEGACY_PROVINCE_CODES)})\d{{10}}"
                     r"|\d{10})")
# Mobile 0 + 9 digits (post-2018 prefixes 3, 5, 7, 8, 9) or landline 02 + 9 digits; +84/84 for 0 (identifiers §7).
PHONE_PATTERN = r"(0|\+84|84)([35789]\d{8}|2\d{9})"
REFORM_DAY = "20250701"  # administrative units reorganised (admin_divisions §1)
KCB_1804_DAY = "20260801"  # MA_LOAI_KCB 11-16 (QĐ 1804) valid from this day
# Code lists that grow on a date: the GE value set holds every code, a SQL rule checks the date.
DATED_CODE_LISTS = {"ma_loai_kcb": ("ma_loai_kcb_1804", KCB_1804_DAY)}
# Registry "required" rules that only hold before a date: checked in SQL instead (see DATE_RULES).
REQUIRED_BEFORE = {("xml1", "MAHUYEN_CU_TRU"): REFORM_DAY}
# Empty and whitespace-only values are treated as missing before validation (engine.blank_to_null).
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
    HandWrittenRule("xml1", "MA_DKBD", "shape", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(FACILITY_PATTERN, ";")}, "identifiers §6: facility code(s), ';'-joined"),
    HandWrittenRule("xml1", "MA_NOI_DI", "shape", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(FACILITY_PATTERN)}, "identifiers §6: facility code"),
    HandWrittenRule("xml1", "MA_NOI_DEN", "shape", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(FACILITY_PATTERN)}, "identifiers §6: facility code"),
    HandWrittenRule("xml1", "MA_THE_BHYT", "shape", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(BHYT_CARD_PATTERN, ";")},
                    "identifiers §4: group code, level 1-5, legacy province digits, BHXH number (unverified "
                    "structure, so a warning); ';'-joined when the card changed"),
    HandWrittenRule("xml1", "DIEN_THOAI", "phone", WARNING, "ExpectColumnValuesToMatchRegex",
                    {"regex": full_match(PHONE_PATTERN)}, "identifiers §7: one VN mobile or landline number"),
    HandWrittenRule("xml1", "NGAY_VAO_NOI_TRU", "not_before_NGAY_VAO", ERROR,
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "NGAY_VAO_NOI_TRU", "column_B": "NGAY_VAO", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"}, "spec §7.4 C2 (portal)"),
    HandWrittenRule("xml1", "NGAY_RA", "not_before_NGAY_VAO", ERROR, "ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "NGAY_RA", "column_B": "NGAY_VAO", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"},
                    "spec §7.4 C2; an error because a negative stay breaks SO_NGAY_DTRI and length of stay"),
    HandWrittenRule("xml1", "NGAY_RA", "not_before_NGAY_VAO_NOI_TRU", ERROR,
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "NGAY_RA", "column_B": "NGAY_VAO_NOI_TRU", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"}, "spec §7.4 C2: NGAY_VAO <= NGAY_VAO_NOI_TRU <= NGAY_RA"),
    HandWrittenRule("xml2", "NGAY_TH_YL", "not_before_NGAY_YL", ERROR, "ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "NGAY_TH_YL", "column_B": "NGAY_YL", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"}, "spec §7.4 C2 (portal)"),
    HandWrittenRule("xml3", "NGAY_TH_YL", "not_before_NGAY_YL", ERROR, "ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "NGAY_TH_YL", "column_B": "NGAY_YL", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"}, "spec §7.4 C2 (portal)"),
)


@dataclass(frozen=True)
class SqlRule:
    """A rule GE's pandas expectations cannot say: stored as an ``unexpected_rows_expectation`` whose
    query selects the ``_staged_row`` of failing rows (run in DuckDB, see the module docstring)."""
    table: str
    field: str
    check: str
    severity: str
    query: str
    fields: tuple[str, ...] = ()  # every field the rule reads, for the report and quarantine
    source: str = ""

    @property
    def rule_id(self) -> str:
        return f"{self.table}.{self.field}.{self.check}"


def _where(condition: str) -> str:
    return f"SELECT _staged_row FROM {{batch}} WHERE {condition}"


def _num(column: str, alias: str = "") -> str:
    return f"TRY_CAST({alias}{column} AS DOUBLE)"


def _day(column: str) -> str:
    """The calendar day of a yyyymmdd... value as DATE (NULL when it is not a real date)."""
    return f"CAST(try_strptime(substr({column}, 1, 8), '%Y%m%d') AS DATE)"


def _valid_on_shape(column: str, fmt: str, separator: str | None) -> str:
    """Condition: the value has the field's shape but is not a real calendar date (e.g. 30 February)."""
    shape = FORMAT_PATTERNS[fmt]
    if separator:
        parts = f"string_split({column}, '{separator}')"
        return (f"list_bool_or([regexp_full_match(p, '{shape}') AND try_strptime(p, '{STRPTIME[fmt]}') IS NULL "
                f"FOR p IN {parts}])")
    return f"regexp_full_match({column}, '{shape}') AND try_strptime({column}, '{STRPTIME[fmt]}') IS NULL"


def _calendar_rules(schema: Schema) -> list[SqlRule]:
    rules = []
    for table_id in EPISODE_TABLES:
        for f in schema.table(table_id).fields:
            if f.format not in STRPTIME:
                continue
            if f.name == "NGAY_SINH":  # day or day and month may be 00 (year-only births)
                condition = (f"regexp_full_match(NGAY_SINH, '{BIRTH_PATTERN}') AND substr(NGAY_SINH, 7, 2) <> '00' "
                             f"AND try_strptime(NGAY_SINH, '%Y%m%d%H%M') IS NULL")
            else:
                condition = _valid_on_shape(f.name, f.format, f.separator)
            rules.append(SqlRule(table_id, f.name, "calendar", ERROR, _where(condition), (f.name,),
                                 "spec §4: a real calendar date and time"))
    return rules


def _money_rules() -> list[SqlRule]:
    """Spec §7 money identities; tolerance 1 VND per row involved (spec §7 proposal)."""
    def equal(table, field, expression, fields, severity, source, check="identity"):
        condition = f"abs({_num(field)} - ({expression})) > 1"
        return SqlRule(table, field, check, severity, _where(condition), fields, source)

    nk_parts = " + ".join(_num(c) for c in ("T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN", "T_NGUONKHAC_VTTN",
                                             "T_NGUONKHAC_CL"))
    split = " + ".join(_num(c) for c in ("T_BNTT", "T_BNCCT", "T_BHTT", "T_NGUONKHAC"))
    rules = [
        equal("xml1", "T_BHTT", f"{_num('T_TONGCHI_BH')} - {_num('T_BNCCT')}", ("T_BHTT", "T_TONGCHI_BH", "T_BNCCT"),
              ERROR, "spec §7.3 E1: T_BHTT = T_TONGCHI_BH - T_BNCCT"),
        equal("xml2", "THANH_TIEN_BV", f"round({_num('SO_LUONG')} * {_num('DON_GIA')}, 2)",
              ("THANH_TIEN_BV", "SO_LUONG", "DON_GIA"), WARNING, "spec §7.1 D1"),
        equal("xml2", "THANH_TIEN_BH", f"round({_num('SO_LUONG')} * {_num('DON_GIA')} * {_num('TYLE_TT_BH')} / 100, 2)",
              ("THANH_TIEN_BH", "SO_LUONG", "DON_GIA", "TYLE_TT_BH"), WARNING,
              "spec §7.1 D2; a warning because support given to the facility (D6) changes the base"),
        equal("xml3", "THANH_TIEN_BV",
              f"round({_num('SO_LUONG')} * {_num('DON_GIA_BV')} * {_num('TYLE_TT_DV')} / 100, 2)",
              ("THANH_TIEN_BV", "SO_LUONG", "DON_GIA_BV", "TYLE_TT_DV"), WARNING,
              "spec §7.2 S1 (4750 correction, TYLE_TT_DV read as a percentage: an interpretation)"),
        equal("xml3", "THANH_TIEN_BH", f"round({_num('SO_LUONG')} * {_num('DON_GIA_BH')} * {_num('TYLE_TT_DV')} / 100 "
              f"* {_num('TYLE_TT_BH')} / 100, 2)", ("THANH_TIEN_BH", "SO_LUONG", "DON_GIA_BH", "TYLE_TT_DV",
                                                    "TYLE_TT_BH"), WARNING, "spec §7.2 S2"),
    ]
    for table in ("xml2", "xml3"):
        rules.append(equal(table, "T_NGUONKHAC", nk_parts, ("T_NGUONKHAC", "T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN",
                                                            "T_NGUONKHAC_VTTN", "T_NGUONKHAC_CL"),
                           ERROR, "spec §7.1 D3, §7.2 S3"))
        rules.append(SqlRule(table, "THANH_TIEN_BV", "payer_split", WARNING,
                             _where(f"abs({split} - {_num('THANH_TIEN_BV')}) > 1"),
                             ("THANH_TIEN_BV", "T_BNTT", "T_BNCCT", "T_BHTT", "T_NGUONKHAC"),
                             "spec §7.1 D7 (derived; the spec says to use it as a warning)"))
    return rules


# XML1 totals against the sums of the detail rows (spec §7.3): field, line expression, line filter,
# detail tables, severity, source.
_TOTALS = (
    ("T_THUOC", "THANH_TIEN_BV", "TRUE", ("xml2",), ERROR, "spec §7.3 E5: sum of XML2 THANH_TIEN_BV"),
    ("T_VTYT", "THANH_TIEN_BV", "MA_VAT_TU IS NOT NULL", ("xml3",), ERROR,
     "spec §7.3 E6: sum of XML3 THANH_TIEN_BV over supply rows (MA_VAT_TU set; the selector is a proposal)"),
    ("T_TONGCHI_BV", "THANH_TIEN_BV", "TRUE", ("xml2", "xml3"), ERROR, "spec §7.3 E2"),
    ("T_TONGCHI_BH", "THANH_TIEN_BH", "TRUE", ("xml2", "xml3"), ERROR, "spec §7.3 E3"),
    ("T_BNTT", "T_BNTT", "TRUE", ("xml2", "xml3"), WARNING, "spec §7.3 E4 (E8: support can make it differ)"),
    ("T_BNCCT", "T_BNCCT", "TRUE", ("xml2", "xml3"), WARNING, "spec §7.3 E4 (E8: support can make it differ)"),
    ("T_NGUONKHAC", "T_NGUONKHAC", "TRUE", ("xml2", "xml3"), WARNING, "spec §7.3 E4"),
    ("T_BHTT_GDV", "T_BHTT", "MA_PTTT = '1'", ("xml2", "xml3"), WARNING, "spec §7.3 E7: rows paid fee-for-service"),
)


LINE_TOTALS = "line_totals"
_DETAIL_TABLES = ("xml2", "xml3")


def line_totals_query() -> str:
    """The derived table ``line_totals``: per ``MA_LK``, the detail line counts of XML2 and XML3 and,
    per XML1 total of :data:`_TOTALS`, the sum of its line expression. One pass over the detail
    tables serves every total rule, instead of one aggregation per rule."""
    parts = []
    for table in _DETAIL_TABLES:
        counts = ", ".join(f"{int(t == table)} AS n_{t}" for t in _DETAIL_TABLES)
        amounts = ", ".join(
            (f"CASE WHEN {line_filter} THEN {_num(line)} ELSE 0 END" if table in tables else "0")
            + f" AS total_{field_name}"
            for field_name, line, line_filter, tables, _, _ in _TOTALS)
        parts.append(f"SELECT MA_LK, {counts}, {amounts} FROM {table}")
    sums = ", ".join([f"sum(n_{t}) AS n_{t}" for t in _DETAIL_TABLES]
                     + [f"sum(total_{f[0]}) AS total_{f[0]}" for f in _TOTALS])
    return f"SELECT MA_LK, {sums} FROM ({' UNION ALL '.join(parts)}) GROUP BY MA_LK"


def derived_tables() -> dict[str, str]:
    """Tables the SQL rules may read besides ``xml1`` … ``xml5``, built once per run before them."""
    return {LINE_TOTALS: line_totals_query()}


def _total_rules() -> list[SqlRule]:
    rules = []
    for field_name, _, _, tables, severity, source in _TOTALS:
        lines = " + ".join(f"coalesce(d.n_{t}, 0)" for t in tables)
        query = (f"SELECT x._staged_row FROM {{batch}} x LEFT JOIN {LINE_TOTALS} d ON d.MA_LK = x.MA_LK "
                 f"WHERE abs(coalesce(d.total_{field_name}, 0) - {_num(field_name, 'x.')}) > 1 + {lines}")
        rules.append(SqlRule("xml1", field_name, "sum_of_lines", severity, query,
                             (field_name,), f"{source}; tolerance 1 VND per line"))
    return rules


def _in(column: str, codes) -> str:
    return f"{column} IN ({', '.join(repr(c) for c in sorted(codes))})"


def _date_rules(schema: Schema) -> list[SqlRule]:
    vao = "substr(NGAY_VAO, 1, 8)"
    dated = "regexp_full_match(NGAY_VAO, '\\d{12}')"
    new_kcb = sorted(schema.code_lists["ma_loai_kcb_1804"])
    so_ngay = _num("SO_NGAY_DTRI")
    stay_days = f"date_diff('day', {_day('NGAY_VAO')}, {_day('NGAY_RA')}) + 1"
    tu, den = "string_split(GT_THE_TU, ';')", "string_split(GT_THE_DEN, ';')"
    cccd_digit = "TRY_CAST(substr(SO_CCCD, 4, 1) AS INTEGER)"
    return [
        SqlRule("xml1", "NGAY_SINH", "not_after_NGAY_VAO", ERROR,
                _where(f"{dated} AND regexp_full_match(NGAY_SINH, '\\d{{12}}') AND substr(NGAY_SINH, 1, 8) > {vao}"),
                ("NGAY_SINH", "NGAY_VAO"), "born on or before the arrival day (compared by day: year-only births)"),
        SqlRule("xml1", "SO_NGAY_DTRI", "by_MA_LOAI_KCB", ERROR,
                _where(f"({_in('MA_LOAI_KCB', ('01', '07', '09'))} AND {so_ngay} <> 0) OR "
                       f"({_in('MA_LOAI_KCB', ('02', '03', '04', '06'))} AND {so_ngay} <> {stay_days})"),
                ("SO_NGAY_DTRI", "MA_LOAI_KCB", "NGAY_VAO", "NGAY_RA"),
                "spec §6, §7.4 C1: 01/07/09 -> 0; 02/03/04/06 -> days(NGAY_RA) - days(NGAY_VAO) + 1"),
        SqlRule("xml1", "MA_LOAI_KCB", "valid_on_NGAY_VAO", ERROR,
                _where(f"{_in('MA_LOAI_KCB', new_kcb)} AND {dated} AND {vao} < '{KCB_1804_DAY}'"),
                ("MA_LOAI_KCB", "NGAY_VAO"), "spec §6: codes 11-16 (QĐ 1804) only from 2026-08-01"),
        SqlRule("xml1", "MATINH_CU_TRU", "code_by_date", ERROR,
                _where(f"MATINH_CU_TRU IS NOT NULL AND {dated} AND CASE WHEN {vao} < '{REFORM_DAY}' "
                       f"THEN NOT {_in('MATINH_CU_TRU', LEGACY_PROVINCE_CODES)} "
                       f"ELSE NOT {_in('MATINH_CU_TRU', NEW_PROVINCE_CODES)} END"),
                ("MATINH_CU_TRU", "NGAY_VAO"),
                "admin_divisions §1.2: the 63 legacy codes before 2025-07-01, the 34 new ones from then"),
        SqlRule("xml1", "MAHUYEN_CU_TRU", "required", ERROR,
                _where(f"MAHUYEN_CU_TRU IS NULL AND (NOT {dated} OR {vao} < '{REFORM_DAY}')"),
                ("MAHUYEN_CU_TRU", "NGAY_VAO"),
                "registry: required; districts were abolished on 2025-07-01, so required only before then"),
        SqlRule("xml1", "GT_THE_TU", "not_after_GT_THE_DEN", WARNING,
                _where(f"list_bool_or([{tu}[i] > {den}[i] FOR i IN range(1, least(len({tu}), len({den})) + 1)])"),
                ("GT_THE_TU", "GT_THE_DEN"), "spec §7.4 C5 (proposal): each card valid from <= valid to"),
        SqlRule("xml1", "MA_THE_BHYT", "parts_match", WARNING,
                _where("len(string_split(MA_THE_BHYT, ';')) <> len(string_split(GT_THE_TU, ';')) OR "
                       "len(string_split(GT_THE_TU, ';')) <> len(string_split(GT_THE_DEN, ';')) OR "
                       "len(string_split(MA_THE_BHYT, ';')) <> len(string_split(MA_DKBD, ';'))"),
                ("MA_THE_BHYT", "MA_DKBD", "GT_THE_TU", "GT_THE_DEN"),
                "spec §7.4 C5 (proposal): as many ';' parts in card, registration and validity fields"),
        SqlRule("xml1", "SO_CCCD", "matches_NGAY_SINH", WARNING,
                _where("regexp_full_match(SO_CCCD, '\\d{12}') AND regexp_full_match(NGAY_SINH, '\\d{12}') AND ("
                       "substr(SO_CCCD, 5, 2) <> substr(NGAY_SINH, 3, 2) "
                       f"OR {cccd_digit} // 2 <> TRY_CAST(substr(NGAY_SINH, 1, 2) AS INTEGER) - 19 "
                       f"OR ({_in('GIOI_TINH', ('1', '2'))} AND {cccd_digit} % 2 <> TRY_CAST(GIOI_TINH AS INTEGER) - 1))"),
                ("SO_CCCD", "NGAY_SINH", "GIOI_TINH"),
                "identifiers §2 (proposal): century/sex digit and birth year agree with NGAY_SINH and GIOI_TINH"),
    ]


def sql_rules(schema: Schema | None = None) -> list[SqlRule]:
    """Every SQL rule, in a stable order."""
    schema = schema or load_schema()
    return _calendar_rules(schema) + _date_rules(schema) + _money_rules() + _total_rules()


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
    if f.required and (table.id, f.name) not in REQUIRED_BEFORE:
        out.append(make(gxe.ExpectColumnValuesToNotBeNull, "required", ERROR))
    if f.name == "NGAY_SINH":
        out.append(make(gxe.ExpectColumnValuesToMatchRegex, "format", ERROR, regex=full_match(BIRTH_PATTERN)))
    elif f.format in FORMAT_PATTERNS:
        out.append(make(gxe.ExpectColumnValuesToMatchRegex, "format", ERROR,
                        regex=full_match(FORMAT_PATTERNS[f.format], f.separator)))
    elif f.format:
        raise ValueError(f"{table.id}.{f.name}: no pattern for format {f.format!r}")
    if f.code_list:
        codes = set(schema.code_lists[f.code_list])
        if f.code_list in DATED_CODE_LISTS:  # later codes are allowed here; their date is a SQL rule
            codes |= set(schema.code_lists[DATED_CODE_LISTS[f.code_list][0]])
        codes = sorted(codes)
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


def _sql_expectation(rule: SqlRule, schema: Schema) -> gxe.Expectation:
    if rule.severity not in SEVERITIES:
        raise ValueError(f"{rule.rule_id}: unknown severity {rule.severity!r}")
    table = schema.table(rule.table)
    unknown = [f for f in (rule.field, *rule.fields) if f not in table.by_name]
    if unknown:
        raise ValueError(f"{rule.rule_id}: {unknown} not fields of {table.id} in the registry")
    meta = _meta(table, rule.field, rule.check, rule.severity, rule.source)
    meta["fields"] = list(dict.fromkeys((rule.field, *rule.fields)))
    return gxe.UnexpectedRowsExpectation(unexpected_rows_query=rule.query, meta=meta,
                                         severity=GX_SEVERITY[rule.severity])


def suite_name(table_id: str, schema: Schema) -> str:
    return f"xml130_{schema.version}.{table_id}"


def build_suite(table_id: str, schema: Schema | None = None,
                hand_written: tuple[HandWrittenRule, ...] = HAND_WRITTEN_RULES) -> gx.ExpectationSuite:
    """The expectation suite of one table: registry-derived rules, then the hand-written ones."""
    schema = schema or load_schema()
    table = schema.table(table_id)
    expectations = [e for f in table.fields for e in _field_expectations(table, f, schema)]
    expectations += [_hand_written_expectation(table, r) for r in hand_written if r.table == table.id]
    expectations += [_sql_expectation(r, schema) for r in sql_rules(schema) if r.table == table.id]
    rule_ids = [e.meta["rule_id"] for e in expectations]
    duplicates = sorted({r for r in rule_ids if rule_ids.count(r) > 1})
    if duplicates:
        raise ValueError(f"{table.id}: duplicate rule ids {duplicates}")
    return gx.ExpectationSuite(
        name=suite_name(table.id, schema), expectations=expectations,
        meta={"schema_version": schema.version, "table": table.id,
              "generated_by": "scripts/build_expectation_suites.py",
              "derived_tables": {name: query for name, query in derived_tables().items()
                                 if any(re.search(rf"\b{name}\b", getattr(e, "unexpected_rows_query", "") or "")
                                        for e in expectations)}},
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
