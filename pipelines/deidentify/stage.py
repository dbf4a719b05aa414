"""The de-identify stage itself: :func:`deidentify_batch` and the :class:`Deidentifier` that applies the
policy table by table (what it does, and where it writes, is in the package docstring)."""
from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather

from pipelines.duck import batch_rows
from pipelines.deidentify.actions import ACTIONS, TableContext
from pipelines.deidentify.freetext import FreeTextAnonymizer
from pipelines.deidentify.known import KnownIdentifiers
from pipelines.deidentify.gate import SURROGATE_METADATA
from pipelines.deidentify.person import Persons
from pipelines.deidentify.policy import Policy
from pipelines.deidentify.special import SpecialCategories
from pipelines.deidentify.transforms import Keyring, Pseudonymiser, Surrogates
from pipelines.logs import logged_stage
from pipelines.quality.validated import iter_validated, read_validated
from pipelines.schema import EPISODE_TABLES, Schema, load_schema
from pipelines.workdir import AtomicParquetWriter, Workdir, writes_private

if TYPE_CHECKING:
    from pipelines.detect.redact import CleanTexts

log = logging.getLogger(__name__)

KEPT_LINEAGE = ("_batch_id",)
SPECIAL_DIR = "special"
SPECIAL_COLUMN = "special_category"
PIECE_ROWS = 500_000  # detail rows de-identified at a time (bounds memory on large batches)
ROW_POSITION = "_row_position"  # a row's place among its table's validated rows; kept beside a shard's files
POSITIONS_SUFFIX = ".positions.arrow"
ShardFilter = Callable[[pa.Table, int], pa.Table]  # (piece, its first row's position) -> the shard's rows


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
def deidentify_batch(workdir: Workdir, batch_id: str, *, policy_path: str | Path | None = None,
                     shards: int | None = None) -> DeidentifySummary:
    """Apply the policy to one validated batch: plan its shards, de-identify each shard (with its own
    residual-PII gate), then commit the batch (``pipelines.deidentify.shards``; the DAG maps the same
    three steps). Re-running with the same key and policy rewrites the same files with the same tokens.
    Refuses a batch whose quality gate or reconciliation failed or whose staged data changed."""
    from pipelines.deidentify.shards import close_shards, deidentify_shard, plan_shards

    plan = plan_shards(workdir, batch_id, policy_path=policy_path, shards=shards)
    results = [deidentify_shard(workdir, batch_id, k) for k in range(plan["shards"])]
    summary = close_shards(workdir, batch_id, results)
    log.info("de-identified batch %s: %s rows by policy %s in %d shard(s)", batch_id, sum(summary.rows.values()),
             summary.policy_version, plan["shards"])
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

    def run(self, present: list[str], xml1: pa.Table, persons: Persons, target: Path,
            in_shard: ShardFilter) -> dict:
        """One shard: its XML1 rows whole (with their persons, linked over the whole batch), the rows of
        XML2–XML5 that ``in_shard`` keeps, read in pieces of ``PIECE_ROWS``; safe files under ``target``.
        Returns the shard's counts per table (summed over shards by :func:`merge_counts`)."""
        text_columns = {t: self.text_columns(t) for t in EPISODE_TABLES if t in present}
        texts = {t: xml1.select(["MA_LK", *cols]) if t == "xml1" else
                 self.shard_rows(t, in_shard, ["MA_LK", *cols]).select(["MA_LK", *cols])
                 for t, cols in text_columns.items()}
        flags = self.special_flags(xml1, texts)
        self.free_text.known = KnownIdentifiers.of_batch(self.workdir, self.batch_id)
        self.free_text.detect(self.free_text_values(texts))  # one detector pass over every table's notes
        del texts
        tables: dict[str, dict] = {}
        for table_id in (t for t in EPISODE_TABLES if t in present):
            pieces = [xml1] if table_id == "xml1" else self.shard_pieces(
                table_id, in_shard, rows_per_piece=min(PIECE_ROWS, batch_rows()))
            writer = _SafeWriter(self.workdir, target, table_id)
            stats: dict = {}
            try:
                for piece in pieces:
                    main, special, piece_stats = self.run_table(table_id, piece, xml1, persons, flags)
                    writer.write(main, special)
                    stats = merge_counts(stats, piece_stats)
                writer.close()
            except BaseException:
                writer.abort()
                raise
            tables[table_id] = stats
        return {"episodes": xml1.num_rows, "tables": tables, "special_episodes": self.summary.special_episodes}

    def shard_pieces(self, table_id: str, in_shard: ShardFilter, columns: list[str] | None = None,
                     rows_per_piece: int | None = None) -> Iterator[pa.Table]:
        """The shard's validated rows of one table, piece by piece, each with its position ``ROW_POSITION``
        among the table's validated rows."""
        offset = 0
        for piece in iter_validated(self.workdir, self.batch_id, table_id, columns=columns,
                                    rows_per_piece=rows_per_piece):
            yield in_shard(as_strings(piece), offset)
            offset += piece.num_rows

    def shard_rows(self, table_id: str, in_shard: ShardFilter, columns: list[str]) -> pa.Table:
        pieces = list(self.shard_pieces(table_id, in_shard, columns))
        return pa.concat_tables(pieces) if pieces else in_shard(as_strings(
            read_validated(self.workdir, self.batch_id, table_id, columns=columns)), 0)

    def vault_table(self) -> pa.Table:
        """The shard's (domain, token, original) pairs for the vault, recorded when the batch commits."""
        rows = sorted({(d, t, o) for d, pairs in self.vault_pairs.items() for t, o in pairs})
        return pa.table({name: pa.array([r[i] for r in rows], pa.string())
                         for i, name in enumerate(("domain", "token", "original"))})

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
        for name in (*KEPT_LINEAGE, ROW_POSITION):
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



def as_strings(table: pa.Table) -> pa.Table:
    return pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names})


def read_validated_empty(table_id: str) -> pa.Table:
    from pipelines.ingest.staging import table_arrow_schema
    return table_arrow_schema(load_schema().table(table_id).columns).empty_table()


def _value_counts(values: pa.Array) -> tuple[list, list]:
    vc = pc.value_counts(pc.drop_null(values))
    return vc.field("values").to_pylist(), vc.field("counts").to_pylist()


NOT_SUMMED = ("columns_by_action",)  # the same for every piece of a table: kept, not added up


def merge_counts(total: dict, more: dict) -> dict:
    """Sum the counts of two pieces or shards (nested dicts of ints; other values, and ``NOT_SUMMED``,
    from the latest piece)."""
    out = dict(total)
    for key, value in more.items():
        if key in NOT_SUMMED:
            out[key] = value or out.get(key, value)
        elif isinstance(value, dict):
            out[key] = merge_counts(out.get(key) or {}, value)
        elif isinstance(value, int) and not isinstance(value, bool) and isinstance(out.get(key), int):
            out[key] = out[key] + value
        else:
            out[key] = value
    return out


class _SafeWriter:
    """The main and special file of one safe table of a shard, written piece by piece in scratch files
    under ``tmp/`` and renamed into place at the end (an empty main file when every row is special).
    The rows' ``ROW_POSITION`` goes beside each file (``<table>.positions.arrow``), not into it: the
    close merges the shards back into validated order with it."""

    def __init__(self, workdir: Workdir, target: Path, table_id: str):
        self.workdir = workdir
        self.paths = {"main": target / f"{table_id}.parquet", "special": target / SPECIAL_DIR / f"{table_id}.parquet"}
        self.writers: dict[str, AtomicParquetWriter] = {}
        self.positions: dict[str, list[pa.Array]] = {"main": [], "special": []}
        self.empty_main: pa.Table | None = None

    def write(self, main: pa.Table, special: pa.Table) -> None:
        if self.empty_main is None:
            self.empty_main = main.drop_columns([ROW_POSITION]).schema.empty_table()
        for kind, table in (("main", main), ("special", special)):
            if table.num_rows == 0:
                continue
            self.positions[kind].append(table.column(ROW_POSITION).combine_chunks())
            table = table.drop_columns([ROW_POSITION])
            if kind not in self.writers:
                path = self.paths[kind]
                self.writers[kind] = AtomicParquetWriter(path, table.schema, scratch_dir=self.workdir.tmp,
                                                         scratch_stem=f"safe-{path.parent.name}-{path.stem}")
            self.writers[kind].write(table.cast(self.writers[kind].schema))

    def close(self) -> None:
        if "main" not in self.writers and self.empty_main is not None:  # every row special: an empty main file
            self.write_empty()
        for kind, path in self.paths.items():
            if kind in self.writers:
                self.writers[kind].commit()
                positions = pa.chunked_array(self.positions[kind], pa.int64())
                feather.write_feather(pa.table({ROW_POSITION: positions}), positions_path(path))

    def abort(self) -> None:
        """Drop the scratch files of a table that failed half-way."""
        for writer in self.writers.values():
            writer.abort()

    def write_empty(self) -> None:
        self.writers["main"] = AtomicParquetWriter(self.paths["main"], self.empty_main.schema, scratch_dir=self.workdir.tmp,
                                                   scratch_stem=f"safe-{self.paths['main'].stem}")


def positions_path(parquet: Path) -> Path:
    return parquet.with_name(parquet.stem + POSITIONS_SUFFIX)
