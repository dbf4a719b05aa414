"""The publish audit: an independent re-check of every table before anything is written.

The rules come from the dataset's declared disclosure config (not from what the disclose step says it
did), and a config below the policy floor is refused outright:

- ``sdc``: ``min_count`` >= ``POLICY_MIN_COUNT_FLOOR`` and ``round_to`` >= ``POLICY_ROUND_FLOOR``; no
  unsuppressed count in 1..min_count-1, every unsuppressed count a multiple of ``round_to``; a suppressed
  row carries no value in any measure (money included) or extra column.
- ``dp``: a positive ``epsilon``; noisy counts may take any value (negative too) but are integers; every
  measure has its 95% interval (``<measure>_low`` <= value <= ``<measure>_high``, of positive width, no
  NULL); the release's ε accounting (``metadata["dp"]``) is present, names the configured mechanism,
  has an entry for every period the tables carry, and no period spends more than the configured
  ``epsilon`` (nor certifies more than it spent).
- every method: only declared columns (the dataset's dimensions, measures, documented extras); the ``suppression`` reason and single contributions
  (``<measure>__max1``/``__max2``) are never published; the ``suppressed`` flag is boolean and not NULL.

Findings are counts per rule and table, never cell values.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.hierarchies import ALL

from pipelines.publish.spec import (FORBIDDEN_COLUMNS, FORBIDDEN_SUFFIXES, POLICY_MIN_COUNT_FLOOR,
                                    POLICY_ROUND_FLOOR, SUPPRESSED, DatasetSpecLike, attr, count_measures,
                                    period_column, table_spec)

METHODS = ("sdc", "dp")
DP_INTERVAL = ("_low", "_high")
EPSILON_TOLERANCE = 1e-9


class ReleaseAuditError(RuntimeError):
    """A release failed its audit and was not published."""


@dataclass
class AuditReport:
    method: str
    rules: dict
    tables: dict[str, dict] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"passed": not self.findings, "method": self.method, "rules": self.rules, "tables": self.tables}


def disclosure_rules(spec: DatasetSpecLike) -> dict:
    """The rules the dataset's config asks for, refused when below the policy floor."""
    config = dict(spec.disclosure or {})
    method = config.get("method")
    if method not in METHODS:
        raise ReleaseAuditError(f"dataset {spec.name}: disclosure method {method!r} is not one of {METHODS}")
    if method == "dp":
        epsilon = config.get("epsilon")
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or not epsilon > 0:
            raise ReleaseAuditError(f"dataset {spec.name}: a dp release needs a positive epsilon, got {epsilon!r}")
        mechanism = config.get("mechanism", "laplace")
        return {"method": "dp", "epsilon": float(epsilon), "mechanism": mechanism}
    min_count, round_to = config.get("min_count"), config.get("round_to")
    for key, value, floor in (("min_count", min_count, POLICY_MIN_COUNT_FLOOR),
                              ("round_to", round_to, POLICY_ROUND_FLOOR)):
        if not isinstance(value, int) or isinstance(value, bool) or value < floor:
            raise ReleaseAuditError(f"dataset {spec.name}: disclosure {key}={value!r} is below the policy floor "
                                    f"{floor}; refusing to publish")
    return {"method": "sdc", "min_count": min_count, "round_to": round_to}


def audit_release(spec: DatasetSpecLike, tables: Mapping[str, pa.Table], *,
                  extra_columns: Iterable[str] = (), privacy: Mapping | None = None) -> AuditReport:
    """Check every table (and, for ``dp``, the ε accounting ``privacy``: the manifest's ``dp`` entry);
    raise :class:`ReleaseAuditError` naming each broken rule (counts only)."""
    rules = disclosure_rules(spec)
    report = AuditReport(rules["method"], rules)
    for name, table in tables.items():
        report.tables[name] = _audit_table(spec, name, table, rules, set(extra_columns), report.findings)
    if rules["method"] == "dp":
        report.findings += _privacy_findings(rules, privacy)
        report.findings += _unpaid_periods(spec, tables, privacy)
    if report.findings:
        raise ReleaseAuditError(f"release of {spec.name} refused by the publish audit: " + "; ".join(report.findings))
    return report


def _audit_table(spec, name: str, table: pa.Table, rules: dict, extra: set[str], findings: list[str]) -> dict:
    if not _check_columns(spec, name, table, extra, rules["method"], findings):
        return {"rows": table.num_rows}
    counts = [c for c in count_measures(spec) if c in table.column_names]
    values = [c for c in table.column_names if c in set(spec.measures) | extra]
    has_flag = SUPPRESSED in table.column_names
    checks = _sql_checks(rules, counts, values, has_flag)
    con = duckdb.connect()
    try:
        con.register("t", table)
        for rule, condition in checks.items():
            broken = con.execute(f"SELECT count(*) FROM t WHERE {condition}").fetchone()[0]
            if broken:
                findings.append(f"{name}: {broken} cell(s) break '{rule}'")
        suppressed = con.execute(f'SELECT count(*) FILTER ("{SUPPRESSED}") FROM t').fetchone()[0] if has_flag else 0
    finally:
        con.close()
    return {"rows": table.num_rows, "suppressed_cells": int(suppressed), "checked": sorted(checks)}


def _check_columns(spec, name: str, table: pa.Table, extra: set[str], method: str, findings: list[str]) -> bool:
    """Only declared columns, none restricted; for sdc a boolean flag and integer counts. False: stop here."""
    t = table_spec(spec, name)
    dims = list(attr(t, "dimensions") or [])
    allowed = set(spec.dimensions) | set(spec.measures) | {SUPPRESSED} | extra | set(spec.partition_by or [])
    if period_column(spec):
        allowed.add(period_column(spec))
    cols, schema = table.column_names, table.schema
    bad = [c for c in cols if c in FORBIDDEN_COLUMNS or c.endswith(FORBIDDEN_SUFFIXES)]
    problems = []
    if bad:
        problems.append(f"restricted column(s) {bad} may never be published")
    if unknown := [c for c in cols if c not in allowed and c not in bad]:
        problems.append(f"undeclared column(s) {unknown}")
    if missing := [d for d in dims if d not in cols]:
        problems.append(f"dimension column(s) {missing} missing")
    counts = [c for c in count_measures(spec) if c in cols]
    if method == "sdc":
        if SUPPRESSED not in cols or not pa.types.is_boolean(schema.field(SUPPRESSED).type):
            problems.append(f"a boolean '{SUPPRESSED}' column is required")
        if not counts:
            problems.append("no count measure to check the threshold on")
        problems += [f"count {c} is {schema.field(c).type}, not an integer" for c in counts
                     if not pa.types.is_integer(schema.field(c).type)]
    elif method == "dp":
        problems += _dp_columns(spec, cols, schema)
    findings += [f"{name}: {p}" for p in problems]
    return not problems


def _dp_columns(spec, cols: list[str], schema: pa.Schema) -> list[str]:
    """A dp table: the count (integer) and every measure with its ``_low``/``_high`` interval."""
    problems = []
    counts = [c for c in count_measures(spec) if c in cols]
    if not counts:
        problems.append("no count measure")
    problems += [f"count {c} is {schema.field(c).type}, not an integer" for c in counts
                 if not pa.types.is_integer(schema.field(c).type)]
    for m in [c for c in cols if c in spec.measures]:
        if missing := [m + s for s in DP_INTERVAL if m + s not in cols]:
            problems.append(f"measure {m} is published without its 95% interval ({', '.join(missing)} missing)")
    return problems


def _unpaid_periods(spec, tables: Mapping[str, pa.Table], privacy: Mapping | None) -> list[str]:
    """Every release period a dp table carries has its ε entry (no noisy figure without a spend)."""
    column = attr(spec, "release_period")
    paid = set((privacy or {}).get("periods") or {})
    seen = {v for t in tables.values() if column and column in t.column_names
            for v in pc.unique(t.column(column)).to_pylist()}
    unpaid = sorted(str(v) for v in seen - paid if v != ALL)
    return [f"dp: period(s) {', '.join(unpaid)} are published without ε spent"] if unpaid and paid else []


def _privacy_findings(rules: dict, privacy: Mapping | None) -> list[str]:
    """The ε accounting against the config: every period at most ``epsilon``, the configured mechanism."""
    if not privacy or not isinstance(privacy.get("periods"), Mapping) or not privacy["periods"]:
        return ["dp: the release states no ε spent per period (metadata 'dp')"]
    findings = []
    if privacy.get("mechanism") != rules["mechanism"]:
        findings.append(f"dp: mechanism {privacy.get('mechanism')!r} is not the configured {rules['mechanism']!r}")
    limit = rules["epsilon"] + EPSILON_TOLERANCE
    for period, entry in privacy["periods"].items():
        spent, certified = entry.get("epsilon"), entry.get("certified_epsilon")
        if not isinstance(spent, (int, float)) or not 0 < spent <= limit:
            findings.append(f"dp: period {period} spent ε={spent!r}, above the configured {rules['epsilon']:g}")
        elif not isinstance(certified, (int, float)) or certified > spent + EPSILON_TOLERANCE:
            findings.append(f"dp: period {period}: OpenDP certifies ε={certified!r}, more than the {spent:g} spent")
    return findings


def _dp_checks(values: list[str]) -> dict[str, str]:
    checks = {}
    for m in (v for v in values if not v.endswith(DP_INTERVAL)):
        low, value, high = f'"{m}_low"', f'"{m}"', f'"{m}_high"'
        checks[f"{m}: every figure has its interval"] = f"{value} IS NULL OR {low} IS NULL OR {high} IS NULL"
        checks[f"{m}: the interval contains the figure"] = f"NOT ({low} <= {value} AND {value} <= {high})"
        checks[f"{m}: the interval has a positive width (noise)"] = f"{high} - {low} <= 0"
    return checks


def _sql_checks(rules: dict, counts: list[str], values: list[str], has_flag: bool) -> dict[str, str]:
    visible = f'NOT "{SUPPRESSED}"' if has_flag else "true"
    checks: dict[str, str] = {}
    if has_flag:
        checks["suppressed flag is never NULL"] = f'"{SUPPRESSED}" IS NULL'
        if values:
            any_value = " OR ".join(f'"{c}" IS NOT NULL' for c in values)
            checks["suppressed cells carry no values"] = f'"{SUPPRESSED}" AND ({any_value})'
    if rules["method"] == "dp":
        return checks | _dp_checks(values)
    low, step = rules["min_count"], rules["round_to"]
    for c in counts:
        checks[f"{c}: no published count in 1..{low - 1}"] = f'{visible} AND "{c}" BETWEEN 1 AND {low - 1}'
        checks[f"{c}: published counts are multiples of {step}"] = f'{visible} AND "{c}" % {step} <> 0'
        checks[f"{c}: no negative count"] = f'"{c}" < 0'
        checks[f"{c}: an unsuppressed cell has a count"] = f'{visible} AND "{c}" IS NULL'
    return checks
