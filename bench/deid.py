"""De-identification speed: ``deidentify_batch`` on N encounters (all five tables, free text
included), and the structured pseudonyms beside a per-cell Presidio anonymizer loop.

Input: a generated batch of ``BENCH_DEID_BASE`` encounters (default 20,000), staged once, then
replicated to N (``BENCH_DEID_ENCOUNTERS``, default 1,000,000) with fresh keys: each copy gets its
own ``MA_LK``, ``MA_BN``, CCCD and card numbers (so persons, episodes and tokens are all distinct,
as in N real encounters); free text is copied as it is, so the detector sees only the base batch's
distinct notes (real notes would repeat less: the free-text share is flattered). The replica is
recorded as validated with every row passing (the validate stage has its own bench).

Cases (each in its own process, peak RSS its own):
- ``deidentify_batch``: rows/s over all tables and peak memory;
- the structured pseudonymised columns (``MA_LK`` with ``MA_CSKCB``, staff codes) once through
  our column action (per distinct value over Arrow) and once through a plain loop calling
  Presidio's ``AnonymizerEngine.anonymize`` per cell with the same operator; the loop runs on the
  first ``BENCH_DEID_BASELINE_CELLS`` cells (default 200,000) and its rate is compared per cell;
  tokens are compared on those cells (``identical``).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEID_ENCOUNTERS = int(os.environ.get("BENCH_DEID_ENCOUNTERS", "1000000"))
DEID_BASE = int(os.environ.get("BENCH_DEID_BASE", "20000"))
BASELINE_CELLS = int(os.environ.get("BENCH_DEID_BASELINE_CELLS", "200000"))
BENCH_KEY = "3b8f1d6e0a9c4725b1e8d3f6a0c9b2e7154d8a3f6c0e9b2d5a8f1c4e7b0d3a69"  # bench data only
STRUCTURED = {"xml1": ("MA_LK", "MA_TTDV"), "xml2": ("MA_LK", "MA_BAC_SI"), "xml3": ("MA_LK", "MA_BAC_SI", "NGUOI_THUC_HIEN"),
              "xml4": ("MA_LK", "MA_BS_DOC_KQ"), "xml5": ("MA_LK", "NGUOI_THUC_HIEN")}

REPLICA_SQL = """
SELECT * REPLACE (
    MA_LK || '~{k}' AS MA_LK,
    {person}
    _source_sha256 || '~{k}' AS _source_sha256, '{batch}' AS _batch_id)
FROM src
"""
PERSON_SQL = """
    CASE WHEN length(SO_CCCD) = 12 THEN substr(SO_CCCD, 1, 6) ||
         lpad(CAST((TRY_CAST(substr(SO_CCCD, 7) AS BIGINT) + {k} * 7919) % 1000000 AS VARCHAR), 6, '0')
         ELSE SO_CCCD END AS SO_CCCD,
    CASE WHEN length(MA_THE_BHYT) = 15 THEN substr(MA_THE_BHYT, 1, 7) ||
         lpad(CAST((TRY_CAST(substr(MA_THE_BHYT, 8) AS BIGINT) + {k} * 104729) % 100000000 AS VARCHAR), 8, '0')
         ELSE MA_THE_BHYT END AS MA_THE_BHYT,
    MA_BN || '-{k}' AS MA_BN,
"""


def replicate(base_work, base_batch: str, work, batch: str, copies: int) -> dict[str, int]:
    """Stage ``copies`` copies of a staged batch with fresh episode and person keys; record it validated."""
    import duckdb
    import pyarrow.parquet as pq

    from pipelines.ingest import staged_files
    from pipelines.ledger import Ledger, LedgerEntry
    from pipelines.quality.validated import (VERDICT_SCHEMA, file_entries, index_document, verdicts_path,
                                             write_json_atomic)
    from pipelines.schema import EPISODE_TABLES

    work.ensure()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows, entries = {}, {}
    for table_id in EPISODE_TABLES:
        files = [str(p) for p in staged_files(base_work, base_batch, table_id)]
        con.execute("CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM read_parquet(?, union_by_name = true)", [files])
        target = work.staged_table(table_id) / f"{batch}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        parts = " UNION ALL ".join(REPLICA_SQL.format(k=k, batch=batch, person=PERSON_SQL.format(k=k)
                                                      if table_id == "xml1" else "") for k in range(copies))
        con.execute(f"COPY ({parts}) TO '{target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 200000)")
        rows[table_id] = pq.ParquetFile(target).metadata.num_rows
        entries[table_id] = file_entries(work, [target])
    con.close()
    write_json_atomic(work.validated / batch / "index.json", index_document(batch, entries))
    for table_id in EPISODE_TABLES:
        pq.write_table(VERDICT_SCHEMA.empty_table(), verdicts_path(work, batch, table_id))
    # what de-identify checks first: a passed quality gate and counts that reconcile
    write_json_atomic(work.reports / batch / "validation.json", {"gate": {"passed": True, "reasons": []}})
    entries = [LedgerEntry(batch, stage, "hoso", received=rows["xml1"], passed=rows["xml1"])
               for stage in ("ingest", "validate")]
    entries += [LedgerEntry(batch, stage, t, received=n, passed=n) for t, n in rows.items()
                for stage in ("ingest", "validate")]
    Ledger(work.ledger_url()).record(entries)
    return rows


def prepare(n: int, base: int, data: Path, child) -> tuple[Path, int]:
    copies = max(1, n // base)
    synth = data / f"synth-deid-{base}"
    if not (synth / "xml").exists():
        child(f"from pipelines import synth; from pathlib import Path; "
              f"synth.generate({base}, 17, Path({str(synth)!r})); print('{{}}')")
    base_work = data / f"deid-base-{base}"
    if not (base_work / "restricted" / "batches" / "bdbase").exists():
        subprocess.run(["rm", "-rf", str(base_work)], check=True)
        child(f"from pipelines.ingest import ingest; from pipelines.workdir import Workdir; "
              f"ingest({str(synth / 'xml')!r}, Workdir.at({str(base_work)!r}), batch_id='bdbase'); print('{{}}')")
    work = data / f"deid-{copies * base}"
    subprocess.run(["rm", "-rf", str(work)], check=True)
    child("from bench.deid import replicate; from pipelines.workdir import Workdir; import json; "
          f"print(json.dumps(replicate(Workdir.at({str(base_work)!r}), 'bdbase', Workdir.at({str(work)!r}), "
          f"'bdbig', {copies})))")
    return work, copies * base


CASE_DEIDENTIFY = """
import time, json, resource, os
os.environ['ANDANH_PSEUDONYM_KEY'] = {key!r}
from pipelines.workdir import Workdir
import pipelines.deidentify.stage as stage
from pipelines.deidentify.gate import ResidualPIIError
wd = Workdir.at({work!r})
done = {{}}
run = stage.Deidentifier.run
def timed_run(self, present):  # the stage's own work, then the gate (timed apart)
    out = run(self, present); done['stage'] = time.perf_counter() - t; done['summary'] = out; return out
stage.Deidentifier.run = timed_run
t = time.perf_counter()
try:
    stage.deidentify_batch(wd, 'bdbig'); gate = 'released'
except ResidualPIIError as exc:  # fail closed: the detector still finds something in the safe output
    gate = f'blocked ({{len(exc.report.blocking_hits)}} findings)'
el = time.perf_counter() - t
s = done['summary']
rss = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({{'seconds': round(el, 2), 'stage_seconds': round(done['stage'], 2),
                   'gate_seconds': round(el - done['stage'], 2), 'gate': gate,
                   'rows': sum(s.rows.values()), 'rows_by_table': s.rows,
                   'linked_by': s.linked_by, 'special_episodes': s.special_episodes, 'peak_rss_mb': rss // 1024}}))
"""

CASE_STRUCTURED = """
import time, json, resource, os
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult
from pipelines.deidentify.actions import ACTIONS, TableContext
from pipelines.deidentify.operators import PseudonymiseOperator, anonymizer_engine
from pipelines.deidentify.policy import FieldRule
from pipelines.deidentify.transforms import Keyring, Pseudonymiser, Surrogates
from pipelines.schema import load_schema
schema = load_schema()
work, structured, limit = {work!r}, {structured!r}, {limit}
xml1 = pq.read_table(f'{{work}}/staging/xml1/bdbig.parquet', columns=['MA_LK', 'MA_CSKCB'])
facility = dict(zip(xml1.column('MA_LK').to_pylist(), xml1.column('MA_CSKCB').to_pylist()))
cols = {{}}
for t, names in structured.items():
    tab = pq.read_table(f'{{work}}/staging/{{t}}/bdbig.parquet', columns=list(names))
    lk = tab.column('MA_LK').combine_chunks()
    index = pc.index_in(lk, value_set=xml1.column('MA_LK').combine_chunks())
    cols[t] = (tab, pc.take(xml1.column('MA_CSKCB').combine_chunks(), index))
def rules(t, n):
    return FieldRule(n, 'pseudonymise', {{'domain': 'episode', 'normalise': 'id', 'scope_by': ['MA_CSKCB']}}
                     if n == 'MA_LK' else {{'domain': 'staff', 'normalise': 'id'}})
p = Pseudonymiser(Keyring(bytes.fromhex({key!r})))
t0 = time.perf_counter(); ours = {{}}; cells = 0
for t, (tab, cskcb) in cols.items():
    ctx = TableContext(t, tab, {{'MA_CSKCB': cskcb}}, pa.nulls(tab.num_rows, pa.int32()), p, Surrogates(p), schema)
    for n in tab.column_names:
        out, _ = ACTIONS['pseudonymise']().apply(rules(t, n), tab.column(n).combine_chunks(), ctx)
        ours[(t, n)] = out[n]; cells += tab.num_rows
ours_s = time.perf_counter() - t0
engine = anonymizer_engine()
class NoCache(dict):
    def __setitem__(self, k, v):
        pass
plain = Pseudonymiser(Keyring(bytes.fromhex({key!r})))
plain._cache = NoCache()  # the loop computes every cell, as a per-cell anonymizer does
def per_cell(value, rule, scope):
    if value is None or value == '':
        return None
    spans, start = [], 0
    sep = schema.table(t).by_name[rule.field].separator
    for part in (value.split(sep) if sep else [value]):
        spans.append(RecognizerResult('ID', start, start + len(part), 1.0)); start += len(part) + 1
    params = {{'pseudonymiser': plain, 'domain': rule.get('domain'),
              'normalise': 'id', 'scope_value': scope if rule.field == 'MA_LK' else None}}
    return engine.anonymize(value, spans, operators={{'ID': OperatorConfig(PseudonymiseOperator.NAME, params)}},
                            merge_entities_with_spaces=False).text
t0 = time.perf_counter(); done = 0; same = 0; compared = 0
for t, (tab, cskcb) in cols.items():
    if done >= limit:
        break
    scopes = cskcb.to_pylist()
    for n in tab.column_names:
        values = tab.column(n).to_pylist()[: max(0, limit - done)]
        mine = ours[(t, n)].to_pylist()
        for i, v in enumerate(values):
            token = per_cell(v, rules(t, n), scopes[i])
            compared += 1; same += token == mine[i]
        done += len(values)
base_s = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({{'cells': cells, 'ours_seconds': round(ours_s, 2), 'baseline_cells': done,
                   'baseline_seconds': round(base_s, 2), 'identical': same == compared, 'compared': compared,
                   'peak_rss_mb': rss}}))
"""


def bench_deidentify(n: int, base: int, data: Path, child) -> list[dict]:
    work, encounters = prepare(n, base, data, child)
    r = child(CASE_DEIDENTIFY.format(key=BENCH_KEY, work=str(work)))
    r.update(case=f"deidentify_batch, {encounters:,} encounters ({encounters // base} copies of {base:,} generated, "
                  f"fresh keys), all five tables and free text: {round(r['rows'] / max(r['seconds'], 1e-9)):,} rows/s "
                  f"({r['stage_seconds']} s policy, {r['gate_seconds']} s residual-PII gate: {r['gate']})",
             encounters=encounters, encounters_per_s=round(encounters / max(r["seconds"], 1e-9), 1),
             rows_per_s=round(r["rows"] / max(r["seconds"], 1e-9), 1))
    s = child(CASE_STRUCTURED.format(key=BENCH_KEY, work=str(work), structured=STRUCTURED, limit=BASELINE_CELLS))
    ours_rate = s["cells"] / max(s["ours_seconds"], 1e-9)
    base_rate = s["baseline_cells"] / max(s["baseline_seconds"], 1e-9)
    s.update(case=f"structured pseudonyms ({s['cells']:,} cells: MA_LK with MA_CSKCB, staff codes): column action "
                  f"{ours_rate:,.0f} cells/s vs per-cell Presidio AnonymizerEngine loop {base_rate:,.0f} cells/s "
                  f"= {ours_rate / max(base_rate, 1e-9):.0f}x, identical tokens: {str(s['identical']).lower()}",
             encounters=encounters, seconds=s["ours_seconds"], encounters_per_s=round(encounters / max(s["ours_seconds"], 1e-9), 1),
             ratio_to_presidio_loop=round(ours_rate / max(base_rate, 1e-9), 1))
    return [r, s]
