"""The de-identify stage itself: :func:`deidentify_batch` and the :class:`Deidentifier` that applies the
policy table by table (what it does, and where it writes, is in the package docstring)."""
from __future__ import annotations

import json
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.duck import batch_rows
from pipelines.deidentify.actions import ACTIONS, TableContext
from pipelines.deidentify.freetext import FreeTextAnonymizer
from pipelines.deidentify.known import KnownIdentifiers
from pipelines.deidentify.gate import SURROGATE_METADATA
from pipelines.deidentify.keys import master_key
from pipelines.deidentify.person import Persons, link_persons
from pipelines.deidentify.policy import DEFAULT_POLICY, Policy, load_policy
from pipelines.deidentify.special import SpecialCategories
from pipelines.deidentify.transforms import Keyring, Pseudonymiser, Surrogates
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.logs import logged_stage
from pipelines.quality.validated import iter_validated, read_validated, validated_tables
from pipelines.schema import EPISODE_TABLES, Schema, load_schema
from pipelines.workdir import Workdir, scratch_path, writes_private

if TYPE_CHECKING:
    from pipelines.detect.redact import CleanTexts

log = logging.getLogger(__name__)

KEPT_LINEAGE = ("_batch_id",)
SPECIAL_DIR = "special"
SPECIAL_COLUMN = "special_category"
PIECE_ROWS = 500_000  # detail rows de-identified at a time (bounds memory on large batches)


@dataclass
class DeidentifySummary:
    batch_id: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written (main + special)
    actions: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> action -> columns
    special_rows: dict[str, int] = field(default_factory=dict)
    special_episodes: dict[str, int] = field(default_factory=dict)  # category -> episodes
    linked_by: dict[str, int] = field(default_factory=dict)  # link kind -> episodes
    policy_version: str = ""
    key_id: str = ""


class _EpisodeColumns(dict):
    """XML1 columns for each row of a child table, taken on first use (MA_LK -> XML1)."""

    def __init__(self, xml1: pa.Table, index: pa.Array):
        super().__init__()
        self._xml1, self._index = xml1, index

    def __contains__(self, name) -> bool:
        return name in self._xml1.column_names

    def __missing__(self, name: str) -> pa.Array:
        value = pc.take(self._xml1.column(name).combine_chunks().cast(pa.string()), self._index)
        self[name] = value
        return value


@writes_private
@logged_stage("deidentify")
def deidentify_batch(workdir: Workdir, batch_id: str, *, policy_path: str | Path | None = None) -> DeidentifySummary:
    """Apply the policy to one validated batch; re-running with the same key and policy rewrites the
    same files with the same tokens. Refuses a batch whose quality gate or reconciliation failed or
    whose staged data changed; ends with the residual-PII gate, which fails closed."""
    from pipelines.deidentify.gate import run_gate
    from pipelines.detect.redact import CleanTexts
    from pipelines.deidentify.preconditions import require_deidentifiable
    from pipelines.settings import get_settings

    schema = load_schema()
    policy = load_policy(policy_path or get_settings().policy or DEFAULT_POLICY, schema)
    require_deidentifiable(workdir, batch_id)
    present = validated_tables(workdir, batch_id)
    keyring = Keyring(master_key(workdir), policy.scope)
    clean = CleanTexts()  # what the detector already cleared in this process, so the gate scans the rest
    summary = Deidentifier(workdir, batch_id, policy, schema, keyring, clean=clean).run(present)
    run_gate(workdir, batch_id, exempt=exempt_columns(policy), clean=clean)  # raises ResidualPIIError when blocked
    log.info("de-identified batch %s: %s rows by policy %s", batch_id, sum(summary.rows.values()),
             summary.policy_version)
    return summary


def exempt_columns(policy: Policy) -> set[tuple[str, str]]:
    """(table, column) pairs the policy keeps on purpose, with a documented exception."""
    return {(table_id, rule.output) for table_id, fields in policy.rules.items()
            for rules in fields.values() for rule in rules if rule.exception}


class Deidentifier:
    def __init__(self, workdir: Workdir, batch_id: str, policy: Policy, schema: Schema, keyring: Keyring,
                 n_process: int | None = None, clean: CleanTexts | None = None):
        self.workdir, self.batch_id, self.policy, self.schema = workdir, batch_id, policy, schema
        self.keyring = keyring
        self.pseudonymiser = Pseudonymiser(keyring)
        self.surrogates = Surrogates(self.pseudonymiser)
        self.free_text = FreeTextAnonymizer(policy.free_text, self.pseudonymiser, self.surrogates, n_process, clean)
        self.summary = DeidentifySummary(batch_id, policy_version=policy.version, key_id=keyring.key_id)
        self.vault_pairs: dict[str, list[tuple[str, str]]] = {}

    def record_vault(self) -> None:
        """Token -> original for the fields whose rule says ``vault: true`` (re-contact), encrypted by keys' vault."""
        pairs = {d: p for d, p in self.vault_pairs.items() if p}
        if not pairs:
            return
        from pipelines.deidentify.vault import record_tokens
        for domain, items in pairs.items():
            record_tokens(self.workdir, self.batch_id, domain, sorted(set(items)))

    def run(self, present: list[str]) -> DeidentifySummary:
        """XML1 whole (the persons and flags of every episode); XML2–XML5 in pieces of ``PIECE_ROWS``."""
        xml1 = as_strings(read_validated(self.workdir, self.batch_id, "xml1") if "xml1" in present
                          else read_validated_empty("xml1"))
        persons = link_persons(xml1, self.pseudonymiser, self.policy.max_shift_days, workdir=self.workdir)
        self.summary.linked_by = persons.counts()
        text_columns = {t: self.text_columns(t) for t in EPISODE_TABLES if t in present}
        texts = {t: xml1.select(["MA_LK", *cols]) if t == "xml1" else as_strings(
            read_validated(self.workdir, self.batch_id, t, columns=["MA_LK", *cols]))
            for t, cols in text_columns.items()}
        flags = self.special_flags(xml1, texts)
        self.free_text.known = KnownIdentifiers.of_batch(self.workdir, self.batch_id)
        self.free_text.detect(self.free_text_values(texts))  # one detector pass over every table's notes
        del texts
        self.entries: list[LedgerEntry] = [LedgerEntry(
            self.batch_id, "deidentify", "persons", received=xml1.num_rows, passed=xml1.num_rows,
            details={"linked_by": self.summary.linked_by, "lower_confidence": ["facility_mrn", "episode"],
                     "policy_version": self.policy.version, "key_id": self.keyring.key_id})]
        target = self.workdir.safe / self.batch_id
        for table_id in (t for t in EPISODE_TABLES if t in present):
            pieces = [xml1] if table_id == "xml1" else (
                as_strings(p) for p in iter_validated(self.workdir, self.batch_id, table_id,
                                                   rows_per_piece=min(PIECE_ROWS, batch_rows())))
            writer = _SafeWriter(self.workdir, target, table_id)
            stats: dict = {}
            for piece in pieces:
                main, special, piece_stats = self.run_table(table_id, piece, xml1, persons, flags)
                writer.write(main, special)
                stats = merge_counts(stats, piece_stats)
            writer.close()
            self.finish_table(table_id, stats)
        self.entries.append(LedgerEntry(
            self.batch_id, "deidentify", "special", received=xml1.num_rows, passed=xml1.num_rows,
            details={"episodes_by_category": self.summary.special_episodes, "rows": self.summary.special_rows,
                     "compartment": f"restricted/safe/{self.batch_id}/{SPECIAL_DIR}/"}))
        self.record_vault()
        self.record()
        return self.summary

    def text_columns(self, table_id: str) -> list[str]:
        """Columns read before the main pass: FREE-TEXT fields and fields a free-text action reads."""
        return [f.name for f in self.schema.table(table_id).fields if f.name != "MA_LK" and (
            f.deid_class == "FREE-TEXT" or any(getattr(ACTIONS[r.action], "profile", "")
                                               for r in self.policy.rules[table_id][f.name]))]

    def free_text_values(self, tables: dict[str, pa.Table]) -> set[str]:
        """Distinct values of every column a free-text action will read, over all tables."""
        values: set[str] = set()
        for table_id, data in tables.items():
            for name in data.column_names:
                rules = self.policy.rules[table_id].get(name, ())
                if any(getattr(ACTIONS[r.action], "profile", "") for r in rules):
                    values.update(v for v in pc.unique(data.column(name).combine_chunks()).to_pylist() if v)
        return values

    def finish_table(self, table_id: str, stats: dict) -> None:
        self.summary.rows[table_id] = stats.get("written", 0)
        self.summary.actions[table_id] = stats.get("columns_by_action", {})
        self.summary.special_rows[table_id] = stats.get("special_rows", 0)
        orphans = stats.get("orphans_not_written", 0)
        self.entries.append(LedgerEntry(
            self.batch_id, "deidentify", table_id, received=stats.get("written", 0) + orphans,
            passed=stats.get("written", 0), rejected=orphans,
            details={"columns_by_action": stats.get("columns_by_action", {}), "rules": stats.get("rules", {}),
                     "policy_version": self.policy.version, "policy": self.policy.path.name,
                     "key_id": self.keyring.key_id, "scope": self.policy.scope,
                     "special_rows": stats.get("special_rows", 0), "orphans_not_written": orphans}))

    def special_flags(self, xml1: pa.Table, tables: dict[str, pa.Table]) -> pa.Array:
        if not self.policy.special_enabled:
            return pa.nulls(xml1.num_rows, pa.string())
        finder = SpecialCategories(self.policy.special_extra, self.policy.special_coverage)
        texts = []
        for table_id, data in tables.items():
            for f in self.schema.table(table_id).fields_of_class("FREE-TEXT"):
                if f.name in data.column_names:
                    texts.append((data.column("MA_LK").combine_chunks(), data.column(f.name).combine_chunks()))
        flags = finder.episode_flags(xml1, texts)
        counts: Counter = Counter()
        for value, n in zip(*_value_counts(flags)):
            for category in value.split(";"):
                counts[category] += n
        self.summary.special_episodes = dict(sorted(counts.items()))
        return flags

    def run_table(self, table_id: str, data: pa.Table, xml1: pa.Table, persons: Persons, flags: pa.Array
                  ) -> tuple[pa.Table, pa.Table, dict]:
        """One table (or a piece of one): the safe main rows, the special-category rows, what was done."""
        raw_keys = xml1.column("MA_LK").combine_chunks()
        index = pc.index_in(data.column("MA_LK").combine_chunks(), value_set=raw_keys) if table_id != "xml1" \
            else pa.array(range(data.num_rows), pa.int32())
        orphans = int(pc.sum(pc.is_null(index).cast(pa.int64())).as_py() or 0)
        if orphans:  # a detail row with no XML1 episode cannot be linked to a person: not written
            keep = pc.is_valid(index)
            data, index = data.filter(keep), pc.filter(index, keep)
        ctx = TableContext(table_id, data, _EpisodeColumns(xml1, index), pc.take(persons.shift_days, index),
                           self.pseudonymiser, self.surrogates, self.schema, vault_pairs=self.vault_pairs)
        columns: dict[str, pa.Array] = {}
        rules_done: dict[str, dict] = {}
        actions: Counter = Counter()
        for f in self.schema.table(table_id).fields:
            if f.name not in data.column_names:
                continue
            values = data.column(f.name).combine_chunks()
            for rule in self.policy.rules_for(table_id, f.name):
                produced, counts = ACTIONS[rule.action]().apply(rule, values, ctx)
                columns.update(produced)
                actions[rule.action] += 1
                rules_done[rule.output if rule.output != f.name else f.name] = {
                    "field": f.name, "action": rule.action, "rule": rule.origin, **counts}
        if ctx.free_text_jobs:
            years = pc.cast(pc.utf8_slice_codeunits(pc.fill_null(ctx.column("NGAY_VAO"), ""), 0, 4), pa.string())
            jobs = [(rule, profile, data.column(rule.field).combine_chunks()) for rule, profile in ctx.free_text_jobs]
            texts, stats = self.free_text.run(jobs, ctx.shift_days, years)
            columns.update(texts)
            for name, s in stats.items():
                rules_done[name].update(s, profile=next(p for r, p in ctx.free_text_jobs if r.output == name))
        columns[self.policy.person_output] = pc.take(persons.person_id, index)
        columns[self.policy.person_link_output] = pc.take(persons.link, index)
        for name in KEPT_LINEAGE:
            if name in data.column_names:
                columns[name] = data.column(name).combine_chunks()
        columns["_key_id"] = pa.array([self.keyring.key_id] * data.num_rows, pa.string()).dictionary_encode()
        surrogate = sorted(r.output for r, profile in ctx.free_text_jobs if profile == "surrogate")
        safe = pa.table(columns).replace_schema_metadata({
            "andanh.policy_version": self.policy.version, "andanh.key_id": self.keyring.key_id,
            "andanh.scope": self.policy.scope, SURROGATE_METADATA: json.dumps(surrogate)})
        special_mask = pc.fill_null(pc.is_valid(pc.take(flags, index)), False)
        main = safe.filter(pc.invert(special_mask))
        special = safe.filter(special_mask).append_column(SPECIAL_COLUMN, pc.filter(pc.take(flags, index), special_mask))
        stats = {"written": safe.num_rows, "special_rows": special.num_rows, "orphans_not_written": orphans,
                 "columns_by_action": dict(actions), "rules": rules_done}
        return main, special, stats

    def record(self) -> None:
        Ledger(self.workdir.ledger_url()).record(self.entries)


def as_strings(table: pa.Table) -> pa.Table:
    return pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names})


def read_validated_empty(table_id: str) -> pa.Table:
    from pipelines.ingest.staging import table_arrow_schema
    return table_arrow_schema(load_schema().table(table_id).columns).empty_table()


def _value_counts(values: pa.Array) -> tuple[list, list]:
    vc = pc.value_counts(pc.drop_null(values))
    return vc.field("values").to_pylist(), vc.field("counts").to_pylist()


def merge_counts(total: dict, more: dict) -> dict:
    """Sum the counts of two pieces (nested dicts of ints; other values from the latest piece)."""
    out = dict(total)
    for key, value in more.items():
        if isinstance(value, dict):
            out[key] = merge_counts(out.get(key) or {}, value)
        elif isinstance(value, int) and not isinstance(value, bool) and isinstance(out.get(key), int):
            out[key] = out[key] + value
        else:
            out[key] = value
    return out


class _SafeWriter:
    """The main and special file of one safe table, written piece by piece in scratch files under
    ``tmp/`` and renamed into place at the end (readers never see half a file; a re-run that finds
    no special rows removes the old special file)."""

    def __init__(self, workdir: Workdir, target: Path, table_id: str):
        self.workdir = workdir
        self.paths = {"main": target / f"{table_id}.parquet", "special": target / SPECIAL_DIR / f"{table_id}.parquet"}
        self.writers: dict[str, tuple[pq.ParquetWriter, Path]] = {}
        self.empty_main: pa.Table | None = None

    def write(self, main: pa.Table, special: pa.Table) -> None:
        if self.empty_main is None:
            self.empty_main = main.schema.empty_table()
        for kind, table in (("main", main), ("special", special)):
            if table.num_rows == 0:
                continue
            if kind not in self.writers:
                self.workdir.tmp.mkdir(parents=True, exist_ok=True)
                tmp = scratch_path(self.workdir.tmp, f"safe-{self.paths[kind].parent.name}-{self.paths[kind].stem}",
                                   ".parquet")
                self.writers[kind] = (pq.ParquetWriter(tmp, table.schema, compression="zstd"), tmp)
            self.writers[kind][0].write_table(table.cast(self.writers[kind][0].schema))

    def close(self) -> None:
        if "main" not in self.writers and self.empty_main is not None:  # every row special: an empty main file
            self.write_empty()
        for kind, path in self.paths.items():
            if kind in self.writers:
                writer, tmp = self.writers[kind]
                writer.close()
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, path)
            elif kind == "special" and path.exists():
                path.unlink()

    def write_empty(self) -> None:
        tmp = scratch_path(self.workdir.tmp, f"safe-{self.paths['main'].stem}", ".parquet")
        self.workdir.tmp.mkdir(parents=True, exist_ok=True)
        self.writers["main"] = (pq.ParquetWriter(tmp, self.empty_main.schema, compression="zstd"), tmp)
