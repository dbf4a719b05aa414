"""``publish_release``: one immutable, signed, versioned release of a dataset, published atomically.

Write-audit-publish: the tables are normalised and audited (:mod:`pipelines.publish.audit`) before
anything is written; the release is assembled in a scratch folder under ``tmp/`` (Hive-partitioned
Parquet per table, data dictionary, public key, manifest, signature), fsynced, and moved to
``published/<dataset>/<version>/`` in one rename. Then ``LATEST`` is replaced atomically, the releases
it supersedes are archived and the catalog is rebuilt. A failure at any step before the rename leaves
the published zone as it was; one after it is repaired by the next run (same content resumes).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipelines import __version__
from pipelines.publish import catalog
from pipelines.publish.audit import AuditReport, audit_release
from pipelines.publish.dictionary import build_dictionary, render_markdown
from pipelines.publish.digest import combine, normalise, schema_of, table_digest
from pipelines.publish.signing import PUBLIC_KEY_FILE, key_id, public_pem, sign, signing_key
from pipelines.publish.spec import FORBIDDEN_COLUMNS, DatasetSpecLike, check_names
from pipelines.publish.verify import MANIFEST, SIGNATURE, verify_release
from pipelines.workdir import Workdir, scratch_path, sha256_file

FORMAT = "andanh.release/1"


class ReleaseExistsError(RuntimeError):
    """A version that exists already with other content: releases are immutable."""


@dataclass
class PublishSummary:
    dataset: str
    version: str
    path: Path
    duckdb_path: Path
    rows: int
    already_published: bool
    content_digest: str
    tables: dict[str, int] = field(default_factory=dict)
    suppressed_cells: int = 0
    retired: list[str] = field(default_factory=list)

    @property
    def release_id(self) -> str:  # the first version's name for the same thing
        return self.version

    def ledger_entry(self):
        """The run-ledger row of this release (stage ``publish``): cells in = published + suppressed."""
        from pipelines.ledger import LedgerEntry
        return LedgerEntry(f"{self.dataset}@{self.version}"[:64], "publish", self.dataset[:32], received=self.rows,
                           passed=self.rows - self.suppressed_cells, quarantined=self.suppressed_cells,
                           details={"version": self.version, "content_digest": self.content_digest,
                                    "tables": self.tables, "already_published": self.already_published,
                                    "retired": self.retired})


def publish_release(workdir: Workdir, spec: DatasetSpecLike, version: str, tables: Mapping[str, Any], *,
                    metadata: Mapping[str, Any] | None = None) -> PublishSummary:
    """Audit, write and publish ``tables`` as release ``version`` of ``spec``; a no-op for content already
    current. Raises :class:`~pipelines.publish.audit.ReleaseAuditError` (nothing written) or
    :class:`ReleaseExistsError`."""
    metadata = dict(metadata or {})
    check_names(spec, version, tables)
    workdir.published.mkdir(parents=True, exist_ok=True)
    workdir.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
    arrow = {name: drop_restricted(normalise(spec, t)) for name, t in tables.items()}
    report = audit_release(spec, arrow, extra_columns=metadata.get("columns", {}), privacy=metadata.get("dp"))
    parts = {name: table_digest(t) for name, t in arrow.items()}
    digest = combine(parts)
    dataset_dir = workdir.published / spec.name
    current = catalog.read_pointer(dataset_dir)
    if current and (catalog.read_manifest(dataset_dir / current) or {}).get("content_digest") == digest:
        target = workdir.published / catalog.DUCKDB_FILE
        if not target.exists():
            catalog.rebuild_catalog(workdir)
        return _summary(spec, current, dataset_dir / current, target, arrow, report, digest, already=True)
    final = dataset_dir / version
    _check_immutable(workdir, spec.name, version, final, digest)
    if not final.exists():
        _move_in(assemble(workdir, spec, version, arrow, report, parts, metadata), final)
    elif not verify_release(final).ok:  # left by a run that stopped after the rename: only if intact
        raise ReleaseExistsError(f"{final} exists but fails verification (andanh verify {final}); not published")
    catalog.write_pointer(dataset_dir / catalog.LATEST, version)
    retired = catalog.retire_superseded(workdir, spec.name)
    target = catalog.rebuild_catalog(workdir)
    summary = _summary(spec, version, final, target, arrow, report, digest, already=False)
    summary.retired = retired
    return summary


def _move_in(staging: Path, final: Path) -> None:
    final.parent.mkdir(exist_ok=True)
    os.chmod(final.parent, 0o755)
    try:
        os.rename(staging, final)  # one step: consumers see the whole release or none of it
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    catalog.fsync_dir(final.parent)


def drop_restricted(table: pa.Table) -> pa.Table:
    """The ``suppression`` reason of ``pipelines.disclose.protect`` stays in the restricted zone: dropped here,
    only the ``suppressed`` flag is published (the audit refuses the column should it still be there)."""
    return table.drop_columns([c for c in FORBIDDEN_COLUMNS if c in table.column_names])


def _check_immutable(workdir: Workdir, dataset: str, version: str, final: Path, digest: str) -> None:
    for place in (final, workdir.published / catalog.ARCHIVE / dataset / version):
        if place.exists():
            existing = (catalog.read_manifest(place) or {}).get("content_digest")
            if existing != digest or place != final:
                raise ReleaseExistsError(f"release {dataset}/{version} exists already ({place}) with other content "
                                         "or retired; releases are immutable, publish a new version")


def _summary(spec, version, path, target, arrow, report: AuditReport, digest, *, already) -> PublishSummary:
    return PublishSummary(spec.name, version, path, target, sum(t.num_rows for t in arrow.values()), already,
                          digest, {n: t.num_rows for n, t in arrow.items()},
                          sum(t.get("suppressed_cells", 0) for t in report.tables.values()))


def assemble(workdir: Workdir, spec: DatasetSpecLike, version: str, arrow: Mapping[str, pa.Table],
             report: AuditReport, parts: Mapping[str, str], metadata: dict) -> Path:
    """The whole release in a scratch folder under ``tmp/``, fsynced, world-readable; removed on failure."""
    staging = scratch_path(workdir.tmp, f"release-{spec.name}-{version}")
    staging.mkdir()
    try:
        key = signing_key(workdir)
        tables = {name: write_table(staging, name, t, spec.partition_by or []) | {"digest": parts[name]}
                  for name, t in arrow.items()}
        for name, info in tables.items():
            info["suppressed_cells"] = report.tables[name].get("suppressed_cells", 0)
        dictionary = build_dictionary(spec, version, arrow, metadata.get("columns"))
        (staging / "DATA_DICTIONARY.md").write_text(render_markdown(dictionary), encoding="utf-8")
        (staging / "data_dictionary.json").write_text(_dumps(dictionary), encoding="utf-8")
        (staging / PUBLIC_KEY_FILE).write_bytes(public_pem(key))
        manifest = build_manifest(workdir, spec, version, tables, report, combine(parts), metadata, key_id(key))
        manifest["files"] = {p.relative_to(staging).as_posix(): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
                             for p in sorted(staging.rglob("*")) if p.is_file()}
        data = _dumps(manifest).encode("utf-8")
        (staging / MANIFEST).write_bytes(data)
        (staging / SIGNATURE).write_bytes(sign(key, data))
        _seal(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def write_table(staging: Path, name: str, table: pa.Table, partition_by: list[str]) -> dict:
    """Hive-partitioned Parquet under ``staging/<name>/``, rows sorted."""
    partitions = [c for c in partition_by if c in table.column_names]
    if partitions and len(partitions) == len(table.column_names):
        raise ValueError(f"{name}: every column is a partition column")
    target = staging / name
    con = duckdb.connect()
    try:
        con.register("t", table)
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE t)").fetchall())
        order = ", ".join(catalog.quote(c) for c in table.column_names)
        query = f"SELECT * FROM t ORDER BY {order}"
        if partitions:
            con.execute(f"COPY ({query}) TO '{target.as_posix()}' (FORMAT parquet, COMPRESSION zstd, "
                        f"PARTITION_BY ({', '.join(catalog.quote(c) for c in partitions)}))")
        else:
            target.mkdir()
            con.execute(f"COPY ({query}) TO '{(target / 'data_0.parquet').as_posix()}' (FORMAT parquet, "
                        "COMPRESSION zstd)")
    finally:
        con.close()
    schema = [f | {"duckdb_type": types[f["name"]]} for f in schema_of(table)]
    return {"rows": table.num_rows, "schema": schema, "partition_by": partitions, "path": f"{name}/"}


def build_manifest(workdir: Workdir, spec, version: str, tables: dict, report: AuditReport, digest: str,
                   metadata: dict, signer: str) -> dict:
    batches = sorted(metadata.get("source_batches") or metadata.get("batches") or [])
    return {
        "format": FORMAT, "dataset": spec.name, "version": version, "title_vi": spec.title_vi,
        "title_en": spec.title_en, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "content_digest": digest,
        "software": {"andanh": __version__, "duckdb": duckdb.__version__, "pyarrow": pa.__version__},
        "tables": tables, "rows": sum(t["rows"] for t in tables.values()),
        "suppressed_cells": sum(t["suppressed_cells"] for t in tables.values()),
        "disclosure": {"method": report.method, "config": dict(spec.disclosure or {}), "audit": report.to_dict()}
        | ({"interval_audit": metadata["interval_audit"]} if "interval_audit" in metadata else {}),
        "source_batches": batches,
        "lineage": batch_lineage(workdir, batches),
        "data_dictionary": ["DATA_DICTIONARY.md", "data_dictionary.json"],
        "signature": {"algorithm": "Ed25519", "key_id": signer, "public_key": PUBLIC_KEY_FILE,
                      "signed_file": MANIFEST, "signature_file": SIGNATURE},
        "metadata": {k: v for k, v in metadata.items() if k not in ("columns", "interval_audit")},
        "extra_columns": metadata.get("columns", {}),
    }


def batch_lineage(workdir: Workdir, batches: list[str]) -> dict:
    """Per source batch, from the run ledger: the policy version and pseudonym key id it was
    de-identified with, and its data-quality counts (episodes passed / quarantined)."""
    if not batches:
        return {}
    from pipelines.ledger import Ledger
    wanted, out = set(batches), {b: {} for b in batches}
    for e in Ledger(workdir.ledger_url()).entries():
        if e.batch_id not in wanted:
            continue
        if e.stage == "deidentify" and e.table_name == "persons":
            out[e.batch_id] |= {"policy_version": e.details.get("policy_version"), "key_id": e.details.get("key_id")}
        elif e.stage == "validate" and e.table_name == "episodes":
            out[e.batch_id] |= {"episodes_passed": e.passed, "episodes_quarantined": e.quarantined}
    return out


def _seal(staging: Path) -> None:
    """Published files are world-readable and read-only, folders 0755; everything fsynced."""
    for path in sorted(staging.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_file():
            os.chmod(path, 0o444)
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        else:
            os.chmod(path, 0o755)
            catalog.fsync_dir(path)
    os.chmod(staging, 0o755)
    catalog.fsync_dir(staging)


def _default(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (dt.date, dt.datetime, Path)):
        return str(value)
    raise TypeError(f"metadata value of type {type(value).__name__} is not JSON-serialisable")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=_default) + "\n"
