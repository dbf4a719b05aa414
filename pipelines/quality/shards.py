"""A batch validated in shards: plan -> one task per shard -> close (what :func:`validate_batch` runs in
one process and the ``andanh_kcb`` DAG maps over Celery workers).

- :func:`plan_validate` lists the staged files (the fingerprint of the inputs, with the suites' SHA-256,
  the error threshold and the number of shards), copies once the rows of a table staged in many small
  files (``<table>.rows.parquet``, what downstream reads too), and with more than one shard writes the
  small key table ``keys.parquet``: per table each episode key (``MA_LK`` without surrounding spaces,
  as the rules match them) with its row count and its shard (MD5 modulo the shards,
  :func:`pipelines.shards.shard_of`); rows without a key go to shard 0. The plan records, per table and
  shard, the rows each shard must find (each shard checks it found them) and, from the key table, the
  batch's XML1 keys and how many hold more than one XML1 row. One shard needs no key table.
- :func:`validate_shard` runs every rule (the same GE suites and DuckDB rules) over the rows whose
  episode is in its shard. Every row of an episode, in every table, is in one shard, so the rules that
  cross rows — ``MA_LK`` unique in XML1, a child's XML1 parent, the XML1 totals against the sum of the
  lines, an episode quarantined with all its rows — see the whole episode, whichever staged file or
  part each row came from. Its verdicts, quarantined rows, failures, HOSO verdicts and counts appear
  whole in ``shards/shard-<k>/`` or not at all.
- :func:`close_validate` checks that every shard of the attempt completed on the same inputs, merges
  the shards' files into the validated and quarantine zones (in ``_staged_row`` order), sums the
  counts and rule results (examples: the first rows over every shard), counts HOSO over every shard (a
  HOSO can hold rows of episodes in several shards), builds the gate exactly as one run did, writes the
  reports and the ledger rows, ``committed.json``, and removes the shard files and the key table.

Everything lives in ``restricted/validate/<batch>/`` (0700/0600). Verdicts, quarantine, failures,
report and ledger are the same whatever the number of shards (``tests/test_validate_shards.py``). A
failed shard leaves only its scratch; nothing reaches the validated zone before the close. Re-running a
shard or the close of a committed attempt returns what was committed and changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
from dataclasses import asdict
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines import duck
from pipelines import shards as shared
from pipelines.ingest import staged_files
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.logs import logged_stage
from pipelines.quality.engine import expectations_dir as default_expectations_dir
from pipelines.quality.engine import load_suite
from pipelines.quality.validate import (EXAMPLE_ROWS, HOSO_FILE, ROW, STAGE, RuleSummary, TableSummary, ValidationSummary, _Outputs,
                                        _episode_key, _stage_view, _staged_rows_sql, copied_into_scratch,
                                        gate_reasons, output_name, validate_rows, write_report)
from pipelines.quality.validated import (INDEX, StagedDataChanged, file_entries, index_document, verdicts_path,
                                         write_json_atomic)
from pipelines.schema import EPISODE_TABLES, load_schema
from pipelines.shards import COMMITTED, PLAN, RESULT, read_json, shard_of
from pipelines.workdir import Workdir, sha256_file, write_parquet_atomic, writes_private

log = logging.getLogger(__name__)
KEYS = "keys.parquet"


def default_shards(*, mapped: bool = False) -> int:
    """``ANDANH_VALIDATE_SHARDS``, else 4 shards for mapped tasks and 1 in one process (where each
    more shard reads the staged files again)."""
    from pipelines.settings import get_settings
    return shared.default_shards(get_settings().validate_shards, mapped=mapped)


def work_root(workdir: Workdir, batch_id: str) -> Path:
    return workdir.restricted / "validate" / batch_id


def shards_dir(workdir: Workdir, batch_id: str) -> Path:
    return work_root(workdir, batch_id) / "shards"


def keys_path(workdir: Workdir, batch_id: str) -> Path:
    return work_root(workdir, batch_id) / KEYS


def planned_rows(plan: dict, table_id: str, shard: int) -> int:
    """The rows of ``table_id`` the plan put in ``shard``."""
    return plan["shard_rows"][table_id][shard]


def read_plan(workdir: Workdir, batch_id: str) -> dict:
    plan = read_json(work_root(workdir, batch_id) / PLAN)
    if plan is None:
        raise FileNotFoundError(f"batch {batch_id} has no validate plan; plan its shards first")
    return plan


def suite_ids(suite_dir: Path) -> dict[str, dict[str, str]]:
    """Each table's suite name and file SHA-256 (after checking that every suite loads)."""
    return {t: {"name": load_suite(t, suite_dir).name, "sha256": sha256_file(suite_dir / f"{t}.json")}
            for t in EPISODE_TABLES}


def staged_entries(workdir: Workdir, batch_id: str) -> dict[str, list[dict]]:
    return {t: file_entries(workdir, staged_files(workdir, batch_id, t)) for t in EPISODE_TABLES}


def inputs_fingerprint(staged: dict, suites: dict, error_threshold: float, shards: int) -> str:
    """What the verdicts depend on besides the code: the staged files (path, rows, bytes), the suites,
    the error threshold and the number of shards."""
    document = json.dumps({"staged": staged, "suites": suites, "error_threshold": error_threshold,
                           "shards": shards}, sort_keys=True)
    return hashlib.sha256(document.encode()).hexdigest()[:32]


def check_inputs(workdir: Workdir, batch_id: str, plan: dict) -> None:
    """Refuse when the staged files, the suites or validate's own copies changed since the plan."""
    staged = staged_entries(workdir, batch_id)
    suites = suite_ids(Path(plan["expectations_dir"]))
    copies_changed = any(is_copy and not _same_file(workdir, entries[0])
                         for entries, is_copy in ((plan["index"][t], plan["index"][t] != plan["staged"][t])
                                                  for t in EPISODE_TABLES))
    if (inputs_fingerprint(staged, suites, plan["error_threshold"], plan["shards"]) != plan["inputs"]
            or copies_changed):
        raise StagedDataChanged(f"batch {batch_id}: the staged files or the suites changed since its validate "
                                "shards were planned; plan again")


def _same_file(workdir: Workdir, entry: dict) -> bool:
    path = workdir.root / entry["path"]
    return path.exists() and path.stat().st_size == entry["bytes"]


@writes_private
@logged_stage("validate")
def plan_validate(workdir: Workdir | str | os.PathLike, batch_id: str, *, error_threshold: float = 0.2,
                  expectations_dir: str | os.PathLike | None = None, shards: int | None = None) -> dict:
    """Start a new attempt: list the staged files, copy the rows of tables staged in many files once,
    write the key table (more than one shard) and the plan. Shard output of an earlier attempt is removed."""
    workdir = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    workdir.ensure()
    suite_dir = Path(expectations_dir or default_expectations_dir()).resolve()
    suites = suite_ids(suite_dir)
    n = shards or default_shards()
    staged = staged_entries(workdir, batch_id)
    root = work_root(workdir, batch_id)
    shutil.rmtree(shards_dir(workdir, batch_id), ignore_errors=True)
    keys_path(workdir, batch_id).unlink(missing_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    from pipelines.settings import get_settings
    con = duck.connect(get_settings().validate_memory, workdir=workdir)
    try:
        index = {t: rows_to_read(con, workdir, batch_id, t, staged[t]) for t in EPISODE_TABLES}
        keys = key_table(con, workdir, index, n) if n > 1 else None  # one shard: every row, no key needed
    finally:
        con.close()
    rows = {t: sum(e["rows"] for e in staged[t]) for t in EPISODE_TABLES}
    plan = {"batch_id": batch_id, "attempt": secrets.token_hex(8), "shards": n,
            "inputs": inputs_fingerprint(staged, suites, error_threshold, n), "error_threshold": error_threshold,
            "expectations_dir": str(suite_dir), "suites": suites, "staged": staged, "index": index, "rows": rows,
            "shard_rows": {t: [rows[t]] for t in EPISODE_TABLES}}
    if keys is not None:
        write_parquet_atomic(keys, keys_path(workdir, batch_id))
        plan |= key_counts(keys, n)
    write_json_atomic(root / PLAN, plan)
    return plan


def rows_to_read(con: duckdb.DuckDBPyConnection, workdir: Workdir, batch_id: str, table_id: str, entries: list[dict]) -> list[dict]:
    """What the shards read of a table: its staged files, or for a table staged in many small files
    one copy of all its rows with ``_staged_row`` (made here, once; the close moves it to the validated
    zone, where downstream reads it)."""
    if not (entries and copied_into_scratch(entries)):
        return entries
    target = work_root(workdir, batch_id) / f"{table_id}.rows.parquet"
    outputs = _Outputs(con, workdir.tmp)
    con.execute("SET threads = 1")  # one thread reads many small files faster, in a third of the memory
    try:
        tmp = outputs.copy(_staged_rows_sql(entries, workdir.root), [], target)
        size = tmp.stat().st_size
        outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    finally:
        con.execute("RESET threads")
    return [{"path": str(target.relative_to(workdir.root)), "offset": 0, "rows": sum(e["rows"] for e in entries),
             "bytes": size, "staged_files": len(entries)}]


def key_table(con: duckdb.DuckDBPyConnection, workdir: Workdir, index: dict[str, list[dict]], shards: int) -> pa.Table:
    """Per table each episode key with its rows and its shard (one row per key: small beside the rows)."""
    schema = load_schema()
    parts = []
    for table_id in EPISODE_TABLES:
        columns = _stage_view(con, table_id, index[table_id], workdir.root, schema)
        key = _episode_key("s") if "MA_LK" in columns else "NULL::VARCHAR"
        counts = con.sql(f"SELECT {key} AS episode, count(*)::BIGINT AS rows FROM s_{table_id} s "
                         "GROUP BY ALL ORDER BY ALL").to_arrow_table()
        episode = counts.column("episode").combine_chunks().cast(pa.string())
        parts.append(pa.table({"table": pa.array([table_id] * counts.num_rows, pa.string()), "episode": episode,
                               "rows": counts.column("rows"), "shard": shard_of(episode, shards)}))
    return pa.concat_tables(parts)


def key_counts(keys: pa.Table, shards: int) -> dict:
    """From the key table: per table the rows of each shard; the batch's XML1 keys and how many of them
    hold more than one XML1 row (all in the key's one shard, where ``xml1.MA_LK.unique`` compares them)."""
    shard_rows = {}
    for table_id in EPISODE_TABLES:
        mine = keys.filter(pc.equal(keys.column("table"), table_id))
        counts = [0] * shards
        for shard, rows in zip(mine.column("shard").to_pylist(), mine.column("rows").to_pylist()):
            counts[shard] += rows
        shard_rows[table_id] = counts
    xml1 = keys.filter(pc.and_(pc.equal(keys.column("table"), "xml1"), pc.is_valid(keys.column("episode"))))
    return {"shard_rows": shard_rows, "xml1_episodes": xml1.num_rows,
            "xml1_duplicated_episodes": int(pc.sum(pc.greater(xml1.column("rows"), 1)).as_py() or 0)}


@writes_private
@logged_stage("validate")
def validate_shard(workdir: Workdir | str | os.PathLike, batch_id: str, shard: int) -> dict:
    """Validate one shard of the planned attempt; its folder appears whole or not at all. Returns its counts."""
    workdir = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    plan = read_plan(workdir, batch_id)
    shared.check_shard_number(batch_id, plan, shard)
    committed = shared.committed_attempt(work_root(workdir, batch_id), plan)
    if committed:  # this attempt is closed: its outputs are in the validated zone already
        return committed["shards"][shard]
    check_inputs(workdir, batch_id, plan)
    with shared.shard_output(shards_dir(workdir, batch_id), shard) as out:
        result = validate_rows(workdir, batch_id, plan, shard, out)
        result |= {"shard": shard, "attempt": plan["attempt"], "inputs": plan["inputs"]}
        write_json_atomic(out / RESULT, result)
    return shard_counts(result)


def shard_counts(result: dict) -> dict:
    return {"shard": result["shard"], "attempt": result["attempt"], "episodes": result["episodes"],
            "quarantined_episodes": result["quarantined_episodes"],
            "rows": {t: s["received"] for t, s in result["tables"].items()}}


@writes_private
@logged_stage("validate")
def close_validate(workdir: Workdir | str | os.PathLike, batch_id: str) -> ValidationSummary:
    """Commit the attempt once every shard is done: the validated and quarantine files, the reports,
    the ledger; the gate's verdict is in the summary (:func:`pipelines.quality.enforce_gate` raises)."""
    workdir = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    plan = read_plan(workdir, batch_id)
    committed = shared.committed_attempt(work_root(workdir, batch_id), plan)
    if committed:
        return summary_from_dict(committed["summary"])
    check_inputs(workdir, batch_id, plan)
    found = shared.completed_shards(shards_dir(workdir, batch_id), batch_id, plan)
    folders = [shards_dir(workdir, batch_id) / f"shard-{k}" for k in range(plan["shards"])]
    summary = merged_summary(plan, found)
    con = duck.connect(workdir=workdir)
    outputs = _Outputs(con, workdir.tmp)
    try:
        merge_outputs(outputs, workdir, batch_id, folders)
        summary.hoso = merged_hoso(con, folders)
        stored = {t: validated_copy(outputs, workdir, batch_id, plan, t) for t in EPISODE_TABLES}
        outputs.write_json(index_document(batch_id, stored), workdir.validated / batch_id / INDEX)
    except BaseException:
        outputs.discard()
        raise
    finally:
        con.close()
    outputs.commit()
    for table_id in EPISODE_TABLES:  # files this run did not write: older versions' copies, or a
        # rows file from a run that saw more staged files
        (workdir.validated / batch_id / f"{table_id}.parquet").unlink(missing_ok=True)
        if plan["index"][table_id] == plan["staged"][table_id]:
            (workdir.validated / batch_id / f"{table_id}.rows.parquet").unlink(missing_ok=True)
    summary.report_path = str(write_report(workdir, summary))
    from pipelines.quality.report import write_html_report
    summary.html_report_path = str(write_html_report(workdir, batch_id))
    Ledger(workdir.ledger_url()).record(ledger_entries(summary))
    write_json_atomic(work_root(workdir, batch_id) / COMMITTED, {
        "attempt": plan["attempt"], "inputs": plan["inputs"], "summary": asdict(summary),
        "shards": [shard_counts(r) for r in found]})
    shutil.rmtree(shards_dir(workdir, batch_id), ignore_errors=True)
    keys_path(workdir, batch_id).unlink(missing_ok=True)
    log.info("validated batch %s: %d episodes, %d quarantined (%.2f%%), gate %s, %d shard(s)", batch_id,
             summary.episodes, summary.quarantined_episodes, 100 * summary.error_rate,
             "passed" if summary.gate_passed else "FAILED", plan["shards"])
    return summary


def merged_summary(plan: dict, found: list[dict]) -> ValidationSummary:
    """The batch's summary from its shards': counts summed, each rule's results merged, the gate as
    one run over the whole batch builds it."""
    tables = {}
    for table_id in EPISODE_TABLES:
        parts = [TableSummary(**r["tables"][table_id]) for r in found]
        merged = parts[0]
        for name in ("received", "passed", "quarantined", "warned_rows"):
            setattr(merged, name, sum(getattr(p, name) for p in parts))
        tables[table_id] = merged
    rules: dict[tuple, RuleSummary] = {}
    for r in found:
        for key, rule in r["rules"]:
            rules[tuple(key)] = merge_rule(rules.get(tuple(key)), RuleSummary(**rule))
    keyed = sorted(rules.items())
    episodes = sum(r["episodes"] for r in found)
    quarantined = sum(r["quarantined_episodes"] for r in found)
    schema = load_schema()
    summary = ValidationSummary(
        batch_id=plan["batch_id"], schema_version=schema.version, error_threshold=plan["error_threshold"],
        episodes=episodes, quarantined_episodes=quarantined, tables=tables,
        rules=sorted((r for _, r in keyed), key=lambda r: (r.table, r.rule_id)),
        gate_reasons=gate_reasons(tables, [(list(k), r) for k, r in keyed]), suites=plan["suites"])
    if summary.error_rate > summary.error_threshold:
        summary.gate_reasons.insert(0, f"error rate {summary.error_rate:.4f} exceeds the threshold "
                                       f"{summary.error_threshold}")
    return summary


def merge_rule(merged: RuleSummary | None, part: RuleSummary) -> RuleSummary:
    """One rule's results over two sets of rows: counts summed, the first example rows of both."""
    if merged is None:
        return part
    merged.element_count += part.element_count
    merged.unexpected_count += part.unexpected_count
    merged.pass_rate = round(1 - merged.unexpected_count / merged.element_count, 6) if merged.element_count else 1.0
    merged.example_rows = sorted(merged.example_rows + part.example_rows)[:EXAMPLE_ROWS]
    merged.exception = merged.exception or part.exception
    return merged


def merge_outputs(outputs: _Outputs, workdir: Workdir, batch_id: str, folders: list[Path]) -> None:
    """The shards' failures, verdicts and quarantined rows, each merged into one file in row order."""
    def merged(name: str, order: str, target: Path) -> None:
        listing = ", ".join("'" + str(f / name).replace("'", "''") + "'" for f in folders)
        outputs.copy(f"SELECT * FROM read_parquet([{listing}], union_by_name = true) ORDER BY {order}", [], target)

    merged(output_name("failures"), f"table_name, {ROW}, rule_id, field", workdir.quarantine / batch_id /
           "failures.parquet")
    for table_id in EPISODE_TABLES:
        merged(output_name("verdicts", table_id), ROW, verdicts_path(workdir, batch_id, table_id))
        merged(output_name("quarantine", table_id), ROW, workdir.quarantine / batch_id / f"{table_id}.parquet")


def merged_hoso(con: duckdb.DuckDBPyConnection, folders: list[Path]) -> dict[str, int]:
    """HOSO received, passed and quarantined over every shard: a HOSO with any quarantined row, in any
    shard, is quarantined."""
    files = [f / HOSO_FILE for f in folders if (f / HOSO_FILE).exists()]
    if not files:
        return {"received": 0, "passed": 0, "quarantined": 0}
    listing = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
    received, quarantined = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE q) FROM (SELECT _source_sha256, _hoso_index, "
        f"bool_or(quarantined) AS q FROM read_parquet([{listing}], union_by_name = true) GROUP BY ALL)").fetchone()
    return {"received": received, "passed": received - quarantined, "quarantined": quarantined}


def validated_copy(outputs: _Outputs, workdir: Workdir, batch_id: str, plan: dict, table_id: str) -> list[dict]:
    """Where downstream reads the table's rows: its staged files, or validate's copy of them, moved
    into the validated zone with the other outputs."""
    entries = plan["index"][table_id]
    if entries == plan["staged"][table_id]:
        return entries
    target = workdir.validated / batch_id / f"{table_id}.rows.parquet"
    outputs.move(workdir.root / entries[0]["path"], target)
    return [entries[0] | {"path": str(target.relative_to(workdir.root))}]


def ledger_entries(summary: ValidationSummary) -> list[LedgerEntry]:
    """Per table, then ``episodes`` and ``hoso``."""
    batch_id = summary.batch_id
    entries = [LedgerEntry(batch_id, STAGE, t.table, received=t.received, passed=t.passed, quarantined=t.quarantined,
                           details={"warned_rows": t.warned_rows, "files": t.files}) for t in summary.tables.values()]
    entries.append(LedgerEntry(batch_id, STAGE, "episodes", received=summary.episodes,
                               passed=summary.passed_episodes, quarantined=summary.quarantined_episodes))
    hoso = summary.hoso
    entries.append(LedgerEntry(batch_id, STAGE, "hoso", received=hoso["received"], passed=hoso["passed"],
                               quarantined=hoso["quarantined"]))
    return entries


def summary_from_dict(data: dict) -> ValidationSummary:
    """A :class:`ValidationSummary` back from its ``asdict`` (the commit record)."""
    return ValidationSummary(**(data | {"tables": {t: TableSummary(**s) for t, s in data["tables"].items()},
                                        "rules": [RuleSummary(**r) for r in data["rules"]]}))
