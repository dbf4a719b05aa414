"""A batch de-identified in shards: plan -> one task per shard -> close (what :func:`deidentify_batch`
runs in one process and the ``andanh_kcb`` DAG maps over Celery workers).

- :func:`plan_shards` checks the stage's preconditions, links the persons of the **whole batch**
  (``person.py``: a card or ``MA_BN`` seen in one shard still resolves to the CCCD another shard
  shows) and writes the small key table ``persons.parquet`` (``MA_LK``, shard, person pseudonym, link
  kind, date offset, in validated XML1 order) and ``plan.json`` (a new attempt id, the fingerprint of
  the inputs: validation report, validated index and verdicts, policy file, key id, number of shards).
- :func:`deidentify_shard` de-identifies the episodes whose ``MA_LK`` hashes to its shard (MD5 of the
  key, modulo the number of shards: every row of an episode, in every table, lands in the same shard),
  runs the residual-PII gate on its output against every raw identifier of the batch, and only then
  renames its folder ``shards/shard-<k>`` into place with ``shard.json`` (its counts, its gate report).
  Memory is the shard's share of the batch; detail tables are still read in pieces.
- :func:`close_shards` checks that every shard of the attempt completed on the same inputs, merges the
  shards' files into ``restricted/safe/<batch>/<table>.parquet`` (and ``special/``), records the vault
  pairs, the ledger rows and the gate marker, writes ``committed.json``, and removes the shard files and
  the key table. Rows are grouped by shard in the merged files, in staged order within a shard; the
  rows themselves are the same whatever the number of shards (``tests/test_deidentify_shards.py``).

Everything lives in ``restricted/deidentify/<batch>/`` (0700/0600). A failed shard leaves only its
scratch folder (removed, or cleaned as stale scratch); nothing reaches the safe zone, the ledger or the
vault before the close. Re-running a shard or the close of a committed attempt returns what was
committed and changes nothing; re-running the batch plans a new attempt that rewrites the same files.
"""
from __future__ import annotations

import hashlib
import secrets
import shutil
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

from pipelines.deidentify.gate import GateReport, scan_safe_files, write_outcome
from pipelines.deidentify.keys import master_key
from pipelines.deidentify.person import Persons, link_persons
from pipelines.deidentify.policy import DEFAULT_POLICY, Policy, load_policy
from pipelines.deidentify.preconditions import BatchNotReady, require_deidentifiable
from pipelines.deidentify.stage import (ROW_POSITION, SPECIAL_DIR, DeidentifySummary, Deidentifier, ShardFilter,
                                        as_strings, exempt_columns, merge_counts, positions_path,
                                        read_validated_empty)
from pipelines.duck import batch_rows
from pipelines.deidentify.transforms import Keyring, Pseudonymiser
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.logs import logged_stage
from pipelines.quality.validated import (StagedDataChanged, read_validated, validated_tables,
                                         verdicts_path, write_json_atomic)
from pipelines import shards as shared
from pipelines.schema import EPISODE_TABLES, load_schema
from pipelines.shards import (COMMITTED, PLAN, RESULT, ShardsIncomplete, read_json, replace_folder,  # noqa: F401
                              shard_of)  # ShardsIncomplete: raised here, by the close
from pipelines.workdir import AtomicParquetWriter, Workdir, sha256_file, write_parquet_atomic, writes_private

PERSONS, VAULT_PAIRS = "persons.parquet", "vault.arrow"
PERSON_COLUMNS = ["MA_LK", "MA_CSKCB", "SO_CCCD", "MA_THE_BHYT", "MA_BN"]


def work_root(workdir: Workdir, batch_id: str) -> Path:
    return workdir.restricted / "deidentify" / batch_id


def shards_dir(workdir: Workdir, batch_id: str) -> Path:
    return work_root(workdir, batch_id) / "shards"


def default_shards(*, mapped: bool = False) -> int:
    """``ANDANH_DEIDENTIFY_SHARDS``, else 4 shards for mapped tasks and 1 in one process. In one
    process the shards run one after the other and each reads every table of the batch and the batch's
    raw identifiers again, so sharding pays only where the shards run on several workers."""
    from pipelines.settings import get_settings
    return shared.default_shards(get_settings().deidentify_shards, mapped=mapped)


def shard_filter(shard: int, shards: int) -> ShardFilter:
    """Keep the rows of a piece (with ``MA_LK``) that belong to ``shard``, each with its position among
    the table's validated rows (the piece's first row is at ``offset``)."""
    def keep(table: pa.Table, offset: int) -> pa.Table:
        mine = np.flatnonzero(shard_of(table.column("MA_LK"), shards).to_numpy(zero_copy_only=False) == shard)
        kept = table.take(pa.array(mine, pa.int64())) if len(mine) < table.num_rows else table
        return kept.append_column(ROW_POSITION, pa.array(mine + offset, pa.int64()))
    return keep


def inputs_fingerprint(workdir: Workdir, batch_id: str, policy: Policy, key_id: str, shards: int) -> str:
    """What a shard's output depends on besides the code: validation report, validated index and
    verdicts, policy file, key and number of shards."""
    digest = hashlib.sha256()
    files = [workdir.reports / batch_id / "validation.json", workdir.validated / batch_id / "index.json",
             *(verdicts_path(workdir, batch_id, t) for t in validated_tables(workdir, batch_id)), policy.path]
    for path in files:
        digest.update(f"{path.name}:{sha256_file(path) if path.exists() else '-'}\n".encode())
    digest.update(f"{key_id}:{policy.scope}:{shards}".encode())
    return digest.hexdigest()[:32]


def read_plan(workdir: Workdir, batch_id: str) -> dict:
    plan = read_json(work_root(workdir, batch_id) / PLAN)
    if plan is None:
        raise BatchNotReady(f"batch {batch_id} has no de-identify plan; plan its shards first")
    return plan


def committed_attempt(workdir: Workdir, batch_id: str, plan: dict) -> dict | None:
    """The commit record of ``plan``'s attempt, if that attempt was already closed."""
    return shared.committed_attempt(work_root(workdir, batch_id), plan)


def checked_inputs(workdir: Workdir, batch_id: str, plan: dict) -> tuple[Policy, Keyring]:
    """The plan's policy and the current key, after the stage's preconditions and a check that the
    inputs are still the ones the plan was made from."""
    policy = load_policy(plan["policy"], load_schema())
    require_deidentifiable(workdir, batch_id)
    keyring = Keyring(master_key(workdir), policy.scope)
    if inputs_fingerprint(workdir, batch_id, policy, keyring.key_id, plan["shards"]) != plan["inputs"]:
        raise BatchNotReady(f"batch {batch_id}: the validated data, policy or key changed since its de-identify "
                            "shards were planned; plan again")
    return policy, keyring


@writes_private
@logged_stage("deidentify")
def plan_shards(workdir: Workdir, batch_id: str, *, policy_path: str | Path | None = None,
                shards: int | None = None) -> dict:
    """Start a new attempt: check the preconditions, link the batch's persons, write the key table and
    the plan. Any shard output of an earlier attempt is removed."""
    from pipelines.settings import get_settings

    schema = load_schema()
    policy = load_policy(policy_path or get_settings().policy or DEFAULT_POLICY, schema)
    require_deidentifiable(workdir, batch_id)
    keyring = Keyring(master_key(workdir), policy.scope)
    n = shards or default_shards()
    present = validated_tables(workdir, batch_id)
    xml1 = as_strings(read_validated(workdir, batch_id, "xml1", columns=PERSON_COLUMNS) if "xml1" in present
                      else read_validated_empty("xml1").select(PERSON_COLUMNS))
    persons = link_persons(xml1, Pseudonymiser(keyring), policy.max_shift_days, workdir=workdir)
    root = work_root(workdir, batch_id)
    shutil.rmtree(shards_dir(workdir, batch_id), ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    key_table = pa.table({"MA_LK": xml1.column("MA_LK"), "shard": shard_of(xml1.column("MA_LK"), n),
                          "person_id": persons.person_id, "link": persons.link, "shift_days": persons.shift_days})
    write_parquet_atomic(key_table, root / PERSONS)
    plan = {"batch_id": batch_id, "attempt": secrets.token_hex(8), "shards": n,
            "inputs": inputs_fingerprint(workdir, batch_id, policy, keyring.key_id, n),
            "policy": str(policy.path), "policy_version": policy.version, "key_id": keyring.key_id,
            "present": present, "episodes": xml1.num_rows, "linked_by": persons.counts()}
    write_json_atomic(root / PLAN, plan)
    return plan


@writes_private
@logged_stage("deidentify")
def deidentify_shard(workdir: Workdir, batch_id: str, shard: int) -> dict:
    """De-identify one shard of the planned attempt and gate its output; its folder appears whole or
    not at all. Returns the shard's row counts."""
    from pipelines.detect.redact import CleanTexts

    plan = read_plan(workdir, batch_id)
    shared.check_shard_number(batch_id, plan, shard)
    committed = committed_attempt(workdir, batch_id, plan)
    if committed:  # this attempt is closed: its outputs are in the safe zone already
        return committed["shards"][shard]
    policy, keyring = checked_inputs(workdir, batch_id, plan)
    in_shard = shard_filter(shard, plan["shards"])
    clean = CleanTexts()  # what the detector cleared in this process, so the gate scans the rest
    deid = Deidentifier(workdir, batch_id, policy, load_schema(), keyring, clean=clean)
    xml1, persons = shard_episodes(workdir, batch_id, deid, shard, in_shard)
    with shared.shard_output(shards_dir(workdir, batch_id), shard) as out:
        result = deid.run(plan["present"], xml1, persons, out, in_shard)
        feather.write_feather(deid.vault_table(), out / VAULT_PAIRS)
        report = gate_shard(workdir, batch_id, out, shard, policy, clean)
        result |= {"shard": shard, "attempt": plan["attempt"], "inputs": plan["inputs"], "gate": asdict(report)}
        write_json_atomic(out / RESULT, result)
    return shard_row_counts(result)


def shard_row_counts(result: dict) -> dict:
    return {"shard": result["shard"], "attempt": result["attempt"], "episodes": result["episodes"],
            "rows": {t: s.get("written", 0) for t, s in result["tables"].items()}}


def shard_episodes(workdir: Workdir, batch_id: str, deid: Deidentifier, shard: int,
                   in_shard: ShardFilter) -> tuple[pa.Table, Persons]:
    """The shard's XML1 rows (strings, staged order) and their persons from the plan's key table."""
    xml1 = deid.shard_rows("xml1", in_shard, None)
    keys = pq.read_table(work_root(workdir, batch_id) / PERSONS)
    keys = keys.filter(pc.equal(keys.column("shard"), shard))
    if not keys.column("MA_LK").combine_chunks().equals(xml1.column("MA_LK").combine_chunks()):
        raise StagedDataChanged(f"batch {batch_id}: the XML1 rows of shard {shard} are not the planned ones; "
                                "plan again")
    persons = Persons(person_id=keys.column("person_id").combine_chunks(), link=keys.column("link").combine_chunks(),
                      shift_days=keys.column("shift_days").combine_chunks())
    return xml1, persons


def gate_shard(workdir: Workdir, batch_id: str, out: Path, shard: int, policy: Policy, clean) -> GateReport:
    """The residual-PII gate on one shard's output (against the whole batch's raw identifiers); a
    blocking finding blocks the batch (marker and report written) and fails the shard."""
    if not any(out.rglob("*.parquet")):
        return GateReport(batch_id)
    report = scan_safe_files(workdir, batch_id, out, exempt=exempt_columns(policy), clean=clean)
    for hit in report.hits:
        hit["shard"] = shard
    if report.blocking_hits:
        write_outcome(workdir, report)  # raises ResidualPIIError
    return report


@writes_private
@logged_stage("deidentify")
def close_shards(workdir: Workdir, batch_id: str, results: list[dict] | None = None) -> DeidentifySummary:
    """Commit the attempt once every shard is done: merged safe files, vault, ledger, gate marker."""
    plan = read_plan(workdir, batch_id)
    committed = committed_attempt(workdir, batch_id, plan)
    if committed:
        return DeidentifySummary(**committed["summary"])
    policy, keyring = checked_inputs(workdir, batch_id, plan)
    found = completed_shards(workdir, batch_id, plan)
    folders = [shards_dir(workdir, batch_id) / f"shard-{k}" for k in range(plan["shards"])]
    merge_safe_files(workdir, batch_id, folders, plan["present"])
    summary, entries = batch_summary(plan, policy, keyring, found)
    record_vault(workdir, batch_id, folders)
    Ledger(workdir.ledger_url()).record(entries)
    write_outcome(workdir, merged_gate_report(workdir, batch_id, [r["gate"] for r in found]))
    write_json_atomic(work_root(workdir, batch_id) / COMMITTED, {
        "attempt": plan["attempt"], "inputs": plan["inputs"], "summary": asdict(summary),
        "shards": [shard_row_counts(r) for r in found]})
    shutil.rmtree(shards_dir(workdir, batch_id), ignore_errors=True)
    (work_root(workdir, batch_id) / PERSONS).unlink(missing_ok=True)
    return summary


def completed_shards(workdir: Workdir, batch_id: str, plan: dict) -> list[dict]:
    """Every shard's ``shard.json``, each checked to be of this attempt and these inputs."""
    return shared.completed_shards(shards_dir(workdir, batch_id), batch_id, plan)


def merge_safe_files(workdir: Workdir, batch_id: str, folders: list[Path], present: list[str]) -> None:
    """One safe file per table (and per table in ``special/``): the shards' files in shard order. A
    special file no shard wrote any more is removed."""
    target = workdir.safe / batch_id
    names = sorted({str(p.relative_to(f)) for f in folders for p in f.rglob("*.parquet")})
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        merge_parquet([f / name for f in folders if (f / name).exists()], target / name, workdir)
    for table_id in present:
        stale = target / SPECIAL_DIR / f"{table_id}.parquet"
        if f"{SPECIAL_DIR}/{table_id}.parquet" not in names and stale.exists():
            stale.unlink()


def merge_parquet(paths: list[Path], target: Path, workdir: Workdir) -> None:
    """Merge the shards' files of one table back into validated order (by the positions kept beside
    them), streaming a few row groups at a time, into ``target``, atomically."""
    schemas = [pq.read_schema(p) for p in paths]
    schema = pa.unify_schemas(schemas, promote_options="permissive").with_metadata(schemas[0].metadata)
    positions = [feather.read_table(positions_path(p)).column(ROW_POSITION).to_numpy() for p in paths]
    order = np.concatenate([np.full(len(pos), k, dtype=np.int32) for k, pos in enumerate(positions)])
    order = order[np.argsort(np.concatenate(positions), kind="stable")]  # the shard of each output row
    readers = [_Rows(p, schema) for p in paths]
    step = batch_rows()
    with AtomicParquetWriter(target, schema, scratch_dir=workdir.tmp,
                             scratch_stem=f"safe-{target.parent.name}-{target.stem}") as writer:
        if not len(order):
            writer.write(schema.empty_table())
        for start in range(0, len(order), step):
            writer.write(interleave(order[start:start + step], readers))


def interleave(shard_of_row: np.ndarray, readers: list[_Rows]) -> pa.Table:
    """The next rows of the shards, in the order ``shard_of_row`` gives (each shard's rows in its order)."""
    counts = np.bincount(shard_of_row, minlength=len(readers))
    parts = [r.take(int(n)) for r, n in zip(readers, counts)]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    index = np.empty(len(shard_of_row), dtype=np.int64)
    for k, n in enumerate(counts):
        index[shard_of_row == k] = starts[k] + np.arange(n)
    return pa.concat_tables(parts).take(pa.array(index))


class _Rows:
    """A shard's Parquet file read forward ``n`` rows at a time, cast to the merged schema."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.batches = pq.ParquetFile(path).iter_batches(batch_size=batch_rows())
        self.schema = schema
        self.pending: pa.Table = schema.empty_table()

    def take(self, n: int) -> pa.Table:
        while self.pending.num_rows < n:
            batch = pa.Table.from_batches([next(self.batches)])
            self.pending = pa.concat_tables([self.pending, self.conform(batch)])
        out, self.pending = self.pending.slice(0, n), self.pending.slice(n)
        return out

    def conform(self, table: pa.Table) -> pa.Table:
        return pa.table([table.column(f.name).cast(f.type) if f.name in table.column_names
                         else pa.nulls(table.num_rows, f.type) for f in self.schema], schema=self.schema)


def batch_summary(plan: dict, policy: Policy, keyring: Keyring, found: list[dict]
                  ) -> tuple[DeidentifySummary, list[LedgerEntry]]:
    """The batch's summary and de-identify ledger rows from the shards' counts (summed)."""
    batch_id = plan["batch_id"]
    summary = DeidentifySummary(batch_id, policy_version=policy.version, key_id=keyring.key_id,
                                linked_by=plan["linked_by"])
    special: Counter = Counter()
    for r in found:
        special.update(r["special_episodes"])
    summary.special_episodes = dict(sorted(special.items()))
    entries = [LedgerEntry(batch_id, "deidentify", "persons", received=plan["episodes"], passed=plan["episodes"],
                           details={"linked_by": summary.linked_by, "lower_confidence": ["facility_mrn", "episode"],
                                    "policy_version": policy.version, "key_id": keyring.key_id,
                                    "shards": plan["shards"]})]
    for table_id in (t for t in EPISODE_TABLES if t in plan["present"]):
        stats: dict = {}
        for r in found:
            stats = merge_counts(stats, r["tables"].get(table_id, {}))
        entries.append(table_entry(summary, policy, keyring, table_id, stats))
    entries.append(LedgerEntry(
        batch_id, "deidentify", "special", received=plan["episodes"], passed=plan["episodes"],
        details={"episodes_by_category": summary.special_episodes, "rows": summary.special_rows,
                 "compartment": f"restricted/safe/{batch_id}/{SPECIAL_DIR}/"}))
    return summary, entries


def table_entry(summary: DeidentifySummary, policy: Policy, keyring: Keyring, table_id: str,
                stats: dict) -> LedgerEntry:
    written, orphans = stats.get("written", 0), stats.get("orphans_not_written", 0)
    summary.rows[table_id] = written
    summary.actions[table_id] = stats.get("columns_by_action", {})
    summary.special_rows[table_id] = stats.get("special_rows", 0)
    return LedgerEntry(
        summary.batch_id, "deidentify", table_id, received=written + orphans, passed=written, rejected=orphans,
        details={"columns_by_action": stats.get("columns_by_action", {}), "rules": stats.get("rules", {}),
                 "policy_version": policy.version, "policy": policy.path.name, "key_id": keyring.key_id,
                 "scope": policy.scope, "special_rows": stats.get("special_rows", 0), "orphans_not_written": orphans})


def record_vault(workdir: Workdir, batch_id: str, folders: list[Path]) -> None:
    """Token -> original for the ``vault: true`` fields, from every shard, encrypted by keys' vault."""
    pairs: dict[str, set[tuple[str, str]]] = {}
    for folder in folders:
        table = feather.read_table(folder / VAULT_PAIRS)
        for domain, token, original in zip(*(table.column(c).to_pylist() for c in ("domain", "token", "original"))):
            pairs.setdefault(domain, set()).add((token, original))
    if not pairs:
        return
    from pipelines.deidentify.vault import record_tokens
    for domain, items in sorted(pairs.items()):
        record_tokens(workdir, batch_id, domain, sorted(items))


def merged_gate_report(workdir: Workdir, batch_id: str, reports: list[dict]) -> GateReport:
    """The batch's gate report from its shards' (their non-blocking findings; the merged files' rows)."""
    merged = GateReport(batch_id, checked_at=max((r["checked_at"] for r in reports if r["checked_at"]), default=""))
    for r in reports:
        merged.hits += r["hits"]
        for name in ("string_columns", "distinct_values", "detector_values", "detector_values_known_clean"):
            setattr(merged, name, getattr(merged, name) + r[name])
        merged.raw_identifiers = max(merged.raw_identifiers, r["raw_identifiers"])
        merged.seconds = round(merged.seconds + r["seconds"], 3)
    root = workdir.safe / batch_id
    merged.tables = {str(p.relative_to(root)): pq.ParquetFile(p).metadata.num_rows
                     for p in sorted(root.rglob("*.parquet"))}
    return merged
