"""De-identify stage: validated tables of a batch -> safe tables, by the policy in ``policy.yaml``.

Reads the validated rows of each table (:func:`pipelines.quality.validated.read_validated`) and
writes ``restricted/safe/<batch>/<table>.parquet``
with direct identifiers dropped or replaced by keyed pseudonyms, dates coarsened to the month,
birth dates turned into age bands and residence codes mapped to the 34 provinces of 2025.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.deidentify.keys import domain_key, master_key
from pipelines.deidentify.policy import FieldRule, Policy, load_policy
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.quality.validated import read_validated, validated_tables
from pipelines.reference import legacy_to_new_province, provinces_34
from pipelines.schema import EPISODE_TABLES, Schema, load_schema
from pipelines.workdir import Workdir

KEPT_LINEAGE = ("_batch_id",)
PSEUDONYM_PREFIX = {"episode": "E", "patient": "P", "staff": "S"}


@dataclass
class DeidentifySummary:
    batch_id: str
    rows: dict[str, int] = field(default_factory=dict)
    actions: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> action -> columns


class Pseudonymizer:
    """Keyed HMAC-SHA-256 pseudonyms; ';'-joined lists are split, mapped and re-joined in order."""

    def __init__(self, master: bytes):
        self._keys = {d: domain_key(master, d) for d in PSEUDONYM_PREFIX}
        self._cache: dict[tuple[str, str], str] = {}

    def one(self, domain: str, value: str) -> str:
        cached = self._cache.get((domain, value))
        if cached is None:
            digest = hmac.new(self._keys[domain], value.encode("utf-8"), hashlib.sha256).digest()
            cached = PSEUDONYM_PREFIX[domain] + base64.b32encode(digest[:10]).decode("ascii")
            self._cache[(domain, value)] = cached
        return cached

    def series(self, domain: str, values: pd.Series, scope: pd.Series | None = None,
               separator: str | None = None) -> pd.Series:
        def convert(value, scope_value=None):
            if value is None or value is pd.NA or value == "" or (isinstance(value, float) and np.isnan(value)):
                return None
            parts = value.split(separator) if separator else [value]
            prefix = f"{scope_value}|" if scope_value is not None else ""
            return (separator or "").join(self.one(domain, prefix + p.strip()) for p in parts)

        if scope is None:
            return values.map(convert).astype("string")
        return pd.Series([convert(v, s) for v, s in zip(values, scope)], index=values.index, dtype="string")


def month_of(values: pd.Series) -> pd.Series:
    """yyyymmdd[HHMM] -> yyyymm; anything shorter than a month is withheld."""
    s = values.astype("string")
    return s.str.slice(0, 6).where(s.str.fullmatch(r"\d{6}.*").fillna(False))


def age_years(birth: pd.Series, reference: pd.Series) -> pd.Series:
    """Completed years at the reference date; a year-only birth (YYYY0000...) counts from 1 July."""
    b, r = birth.astype("string"), reference.astype("string")
    by = pd.to_numeric(b.str.slice(0, 4), errors="coerce")
    bmd = pd.to_numeric(b.str.slice(4, 8), errors="coerce")
    bmd = bmd.where(bmd != 0, 701)
    ry = pd.to_numeric(r.str.slice(0, 4), errors="coerce")
    rmd = pd.to_numeric(r.str.slice(4, 8), errors="coerce")
    return ry - by - (rmd < bmd).astype("Int64")


def age_band(ages: pd.Series, bands: tuple[int, ...]) -> pd.Series:
    labels = [f"{lo}-{hi - 1}" if hi - lo > 1 else str(lo) for lo, hi in zip(bands, bands[1:])]
    labels.append(f"{bands[-1]}+")
    edges = list(bands) + [np.inf]
    banded = pd.cut(ages.astype("float"), bins=edges, right=False, labels=labels)
    return banded.astype("string")


def province_2025_of(codes: pd.Series, dates: pd.Series) -> pd.Series:
    legacy = legacy_to_new_province()
    new = {p["new_code"] for p in provinces_34()}
    c = codes.astype("string").str.strip().str.slice(-2).str.zfill(2)
    is_new_system = dates.astype("string").str.slice(0, 8) >= "20250701"
    mapped = c.map(lambda v: legacy.get(v) if isinstance(v, str) else None)
    as_new = c.where(c.isin(new))
    return as_new.where(is_new_system.fillna(False), mapped).astype("string")


def deidentify_table(df: pd.DataFrame, table_id: str, policy: Policy, pseudo: Pseudonymizer,
                     schema: Schema) -> tuple[pd.DataFrame, dict[str, int]]:
    table = schema.table(table_id)
    out: dict[str, pd.Series] = {}
    actions: dict[str, int] = {}
    redact_columns: list[str] = []
    for f in table.fields:
        if f.name not in df.columns:
            continue
        rule: FieldRule = policy.rule_for(table, f.name)
        actions[rule.action] = actions.get(rule.action, 0) + 1
        col = df[f.name]
        if rule.action == "keep":
            out[f.name] = col
        elif rule.action == "redact":
            out[f.name] = col  # replaced below, all free-text columns of the table in one detector pass
            redact_columns.append(f.name)
        elif rule.action == "pseudonymize":
            scope = df[rule.scope] if rule.scope and rule.scope in df.columns else None
            out[f.name] = pseudo.series(rule.domain, col, scope, f.separator)
        elif rule.action == "month":
            out[f.name] = month_of(col)
        elif rule.action == "age_band" and rule.reference in df.columns:
            out[rule.output] = age_band(age_years(col, df[rule.reference]), policy.age_bands)
        elif rule.action == "province_2025" and rule.reference in df.columns:
            out[rule.output] = province_2025_of(col, df[rule.reference])
        # "drop", and derivations whose reference column is absent, leave nothing behind
    if redact_columns:
        out.update(redact_frame(df, redact_columns))
    for name in KEPT_LINEAGE:
        if name in df.columns:
            out[name] = df[name]
    return pd.DataFrame(out, index=df.index), actions


def redact_frame(df: pd.DataFrame, columns: list[str]) -> dict[str, pd.Series]:
    """Replace PII in free-text columns with typed placeholders, one detector pass for all of them."""
    from pipelines.detect.redact import redact_texts

    texts = [None if pd.isna(v) else str(v) for name in columns for v in df[name].tolist()]
    redacted = redact_texts(texts)
    n = len(df)
    return {name: pd.Series(redacted[i * n:(i + 1) * n], index=df.index, dtype="string")
            for i, name in enumerate(columns)}


def deidentify_batch(workdir: Workdir, batch_id: str, *, policy_path: str | Path | None = None) -> DeidentifySummary:
    schema = load_schema()
    from pipelines.settings import get_settings

    policy = load_policy(policy_path or get_settings().policy or
                         Path(__file__).with_name("policy.yaml"), schema)
    pseudo = Pseudonymizer(master_key(workdir))
    target_dir = workdir.safe / batch_id
    present = validated_tables(workdir, batch_id)  # raises when the batch was not validated
    target_dir.mkdir(parents=True, exist_ok=True)
    summary = DeidentifySummary(batch_id)
    entries = []
    for table_id in EPISODE_TABLES:
        if table_id not in present:
            continue
        df = read_validated(workdir, batch_id, table_id).to_pandas(types_mapper=pd.ArrowDtype).astype("string")
        safe, actions = deidentify_table(df, table_id, policy, pseudo, schema)
        tmp = workdir.tmp / f"safe-{batch_id}-{table_id}.{os.getpid()}.parquet"
        pq.write_table(pa.Table.from_pandas(safe, preserve_index=False), tmp, compression="zstd")
        os.replace(tmp, target_dir / f"{table_id}.parquet")
        summary.rows[table_id], summary.actions[table_id] = len(safe), actions
        entries.append(LedgerEntry(batch_id, "deidentify", table_id, received=len(df), passed=len(safe),
                                   details={"columns_by_action": actions}))
    Ledger(workdir.ledger_url()).record(entries)
    return summary
