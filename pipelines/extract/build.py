"""Build a research extract from the safe zone: ``restricted/extracts/<extract_id>/``.

Only batches the residual-PII gate released are read (:func:`pipelines.aggregate.safe_xml1_files`);
a resent episode counts once (its latest version). The request's columns are checked against the
schema registry: a quasi-identifier (a ``QUASI-ID`` field or a generalised output of the policy) must
be declared as one, free text needs ``free_text: true`` and then passes the residual-PII detector
again on the extract's own values, and tokens (person, episode, staff) are re-keyed with a key derived
from the master pseudonym key and the project id, so two projects' extracts cannot be joined while
one project's extracts can. The report holds k and l achieved, the risks and the information loss.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from pipelines.extract.anonymise import anonymise
from pipelines.extract.request import PERIOD_COLUMN, ExtractRequest, RequestError, parse_filter, parse_period
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.workdir import Workdir, private_files, write_parquet_atomic, write_private_bytes, writes_private

TOKEN_DOMAINS = {"PERSON_ID": "person", "MA_LK": "episode", "MA_BAC_SI": "staff", "NGUOI_THUC_HIEN": "staff",
                 "MA_BS_DOC_KQ": "staff", "MA_TTDV": "staff"}
PERSON_COLUMN = "PERSON_ID"


class ExtractRefused(RuntimeError):
    """The extract would release something it must not (free text with identifiers, ...)."""


@dataclass
class ExtractResult:
    extract_id: str
    folder: Path
    data_path: Path
    report_path: Path
    report: dict

    @property
    def rows(self) -> int:
        return int(self.report["rows_out"])


def extracts_root(workdir: Workdir) -> Path:
    return workdir.restricted / "extracts"


def scope_for(project: str) -> str:
    """The key scope of a project's extracts (tokens of two scopes never join)."""
    return f"extract:{project}"


@lru_cache(maxsize=1)
def derived_quasi_identifiers() -> frozenset[str]:
    """Columns the de-identification policy writes by generalising a quasi-identifier (NHOM_TUOI, ...)."""
    from pipelines.deidentify.policy import DEFAULT_POLICY
    policy = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    out = set()
    for rules in (policy.get("fields") or {}).values():
        for rule in rules if isinstance(rules, list) else [rules]:
            if isinstance(rule, dict) and rule.get("output") and rule.get("action") == "generalise":
                out.add(rule["output"])
    return frozenset(out)


def check_columns(request: ExtractRequest, available: list[str]) -> dict[str, str]:
    """The deid class of every requested column; refuses what the request may not have."""
    from pipelines.schema import load_schema
    classes = {f.name: f.deid_class for f in load_schema().table(request.source).fields}
    classes.update({c: "QUASI-ID" for c in derived_quasi_identifiers()})
    declared = {q.column for q in request.qis}
    out = {}
    for column in request.columns:
        if column not in available:
            raise RequestError(f"column {column!r} is not in the safe {request.source} table")
        kind = "TOKEN" if column in TOKEN_DOMAINS else classes.get(column, "NON-ID")
        if kind == "DIRECT-ID":
            raise RequestError(f"column {column!r} is a direct identifier")
        if kind == "QUASI-ID" and column not in declared:
            raise RequestError(f"column {column!r} is a quasi-identifier: declare it under quasi_identifiers")
        if kind == "FREE-TEXT" and not request.free_text:
            raise RequestError(f"column {column!r} is free text: the request must say free_text: true")
        out[column] = kind
    return out


def _where(request: ExtractRequest, available: list[str]) -> tuple[str, list]:
    clauses, params = [], []
    for column, op, value in parse_filter(request.filter):
        if column not in available:
            raise RequestError(f"filter column {column!r} is not in the safe {request.source} table")
        quoted = '"' + column.replace('"', '""') + '"'
        if op == "IN":
            clauses.append(f"CAST({quoted} AS VARCHAR) IN (SELECT unnest(?::VARCHAR[]))")
        else:
            clauses.append(f"CAST({quoted} AS VARCHAR) {op} ?")
        params.append(value)
    period = parse_period(request.period)
    if period:
        if PERIOD_COLUMN not in available:
            raise RequestError(f"a period needs the column {PERIOD_COLUMN} in the safe data")
        clauses.append(f"{PERIOD_COLUMN} BETWEEN ? AND ?")
        params += list(period)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def read_safe(workdir: Workdir, request: ExtractRequest) -> tuple[pa.Table, pa.Table, list[str], dict[str, str]]:
    """(sample, population, batches, classes): the requested rows and all records' quasi-identifiers."""
    from pipelines.aggregate import latest_episodes_sql, safe_xml1_files
    files = safe_xml1_files(workdir, include_special=request.include_special)
    if not files:
        raise FileNotFoundError(f"no released de-identified data under {workdir.safe}")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        # the latest version of each episode, by the batches' ingest order (pipelines.aggregate)
        con.execute(f"CREATE TEMP TABLE episodes AS {latest_episodes_sql(con, workdir, files)}", {"x1": files})
        available = [r[0] for r in con.execute("DESCRIBE episodes").fetchall()]
        classes = check_columns(request, available)
        where, params = _where(request, available)
        wanted = list(request.columns)
        for column in _dp_columns(request):  # aggregated under DP: not released row by row
            if column not in available:
                raise RequestError(f"dp column {column!r} is not in the safe {request.source} table")
            wanted += [column] if column not in wanted else []
        if PERSON_COLUMN in available and PERSON_COLUMN not in wanted:
            wanted.append(PERSON_COLUMN)  # for k counted over persons; dropped unless asked for
        cols = ", ".join('"' + c + '"' for c in wanted)
        sample = con.sql(f"SELECT {cols} FROM episodes{where}", params=params).to_arrow_table()
        qi_cols = ", ".join('"' + q.column + '"' for q in request.qis)
        population = con.sql(f"SELECT {qi_cols} FROM episodes").to_arrow_table()
        batches = sorted(r[0] for r in con.execute("SELECT DISTINCT _batch_id FROM episodes").fetchall()
                         if r[0] is not None) if "_batch_id" in available else []
    finally:
        con.close()
    return sample, population, batches, classes


def _dp_columns(request: ExtractRequest) -> list[str]:
    if not request.dp:
        return []
    groups = [g["column"] for g in request.dp.get("groups") or () if isinstance(g, dict) and "column" in g]
    return groups + list(request.dp.get("sums") or request.dp.get("bounds") or {})


def rekey(table: pa.Table, project: str, master: bytes) -> pa.Table:
    """Token columns re-keyed for the project's scope: HMAC of the safe token under the scope's key."""
    from pipelines.deidentify.transforms import Keyring, Pseudonymiser, map_distinct
    pseudo = Pseudonymiser(Keyring(master, scope=scope_for(project)))
    for column, domain in TOKEN_DOMAINS.items():
        if column in table.column_names:
            values = table.column(column).combine_chunks().cast(pa.string())
            table = table.set_column(table.column_names.index(column), column,
                                     map_distinct(values, lambda v, d=domain: pseudo.token(d, v, "code")))
    return table


def free_text_gate(table: pa.Table, columns: list[str]) -> dict[str, int]:
    """Run the residual-PII detector on every distinct value of the free-text columns; refuse on a hit."""
    if not columns:
        return {}
    from pipelines.detect import residual_pii
    checked, hits = {}, {}
    for column in columns:
        values = [v for v in pc.unique(table.column(column).combine_chunks()).to_pylist() if v]
        found = residual_pii(values)
        checked[column] = len(values)
        n = sum(1 for entities in found if entities)
        if n:
            hits[column] = sorted({e["entity_type"] for entities in found for e in entities})
    if hits:
        raise ExtractRefused("free text refused by the residual-PII gate: "
                             + "; ".join(f"{c}: {', '.join(t)}" for c, t in hits.items()))
    return checked


def _extract_id(request: ExtractRequest, batches: list[str]) -> str:
    if request.extract_id:
        return request.extract_id
    digest = hashlib.sha256(json.dumps([request.to_dict(), batches], sort_keys=True, default=str).encode())
    return f"{request.project}-{digest.hexdigest()[:12]}"


@writes_private
def build_extract(workdir: Workdir, request: ExtractRequest | dict, *, key: str | None = None,
                  say: Callable[[str], None] | None = None) -> ExtractResult:
    """Build the extract the request (or its dict form) describes (see the module docstring); ``key``: the
    master pseudonym key text when the caller has it (else the environment / embedded key, as de-identify
    reads it)."""
    from pipelines.deidentify.keys import key_id, master_key
    say = say or (lambda _m: None)
    if isinstance(request, dict):
        request = ExtractRequest.from_dict(request)
    sample, population, batches, classes = read_safe(workdir, request)
    say(f"read {sample.num_rows} of {population.num_rows} safe records from {len(batches)} released batch(es)")
    if request.dp:
        return _build_dp(workdir, request, sample, batches, say)
    person = PERSON_COLUMN if PERSON_COLUMN in sample.column_names else None
    result = anonymise(sample, list(request.qis), request.sensitive, k=request.k, l=request.l,
                       max_suppression=request.max_suppression, metric=request.metric, person=person,
                       population=population, say=say)
    table = result.table.select(request.columns)
    free = [c for c, kind in classes.items() if kind == "FREE-TEXT"]
    checked = free_text_gate(table, free)
    master = master_key(workdir, key=key)
    table = rekey(table, request.project, master)
    extract_id = _extract_id(request, batches)
    report = result.report | {"extract_id": extract_id, "project": request.project, "key_scope": scope_for(request.project),
                              "key_id": key_id(master), "batches": batches, "request": request.to_dict(),
                              "columns": {c: classes[c] for c in request.columns}, "free_text_checked": checked}
    return _write(workdir, extract_id, table, report, say)


def _write(workdir: Workdir, extract_id: str, table: pa.Table, report: dict, say) -> ExtractResult:
    with private_files():
        folder = extracts_root(workdir) / extract_id
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(extracts_root(workdir), 0o700)
        os.chmod(folder, 0o700)
        data_path = write_parquet_atomic(table, folder / "extract.parquet", scratch_stem="extract")
        report_path = write_private_bytes(folder / "report.json",
                                          json.dumps(report, ensure_ascii=False, indent=2, default=str).encode())
    Ledger(workdir.ledger_url()).record([LedgerEntry(
        extract_id, "extract", "xml1", received=int(report.get("rows_in", 0)), passed=int(report.get("rows_out", 0)),
        rejected=int(report.get("suppressed", 0)),
        details={k: report.get(k) for k in ("project", "k_achieved", "l_achieved", "levels", "epsilon")})])
    say(f"wrote {data_path} ({table.num_rows} rows) and {report_path}")
    return ExtractResult(extract_id, folder, data_path, report_path, report)


def _build_dp(workdir: Workdir, request: ExtractRequest, sample: pa.Table, batches: list[str], say) -> ExtractResult:
    """An extract request with ``dp``: noisy counts and sums instead of rows (see :mod:`pipelines.dp`)."""
    from pipelines.dp import DpRequest, EpsilonLedger, release_dp
    spec = DpRequest.from_config(request.dp)
    extract_id = _extract_id(request, batches)
    ledger = EpsilonLedger(workdir.ledger_url())
    released = release_dp(sample.to_pandas(), spec, ledger=ledger, consumer=spec.consumer or request.project,
                          release_id=extract_id, person=PERSON_COLUMN if PERSON_COLUMN in sample.column_names else None)
    report = released.report | {"extract_id": extract_id, "project": request.project, "batches": batches,
                                "request": request.to_dict(), "rows_in": sample.num_rows,
                                "rows_out": len(released.table), "suppressed": 0}
    return _write(workdir, extract_id, pa.Table.from_pandas(released.table, preserve_index=False), report, say)
