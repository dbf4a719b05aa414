"""Review, fix and replay quarantined episodes (restricted zone: for the data custodian / engineer).

A quarantined episode is every row of one ``MA_LK`` that had an error in some table; its rows sit in
``restricted/quarantine/<batch>/<table>.parquet`` and the failing rules, fields and values in
``restricted/quarantine/<batch>/failures.parquet``.

Fix and replay::

    andanh quarantine export --batch B --out fixes/      # fixes/xml1.csv ... xml5.csv, open episodes
    (edit the CSV files: correct values, delete episodes you do not want to replay)
    andanh quarantine replay --batch B --fixes fixes/    # a new batch, validated and published

The replay batch id is derived from the original batch id and the content of the fix files, so
replaying the same fixes twice is the same batch (idempotent). Its files are ingested like any CSV
extract, so the replay batch has its own ledger rows and reconciles on its own. Every episode
replayed is marked resolved in ``restricted/quarantine/<batch>/resolved.json`` (with the replay
batch id), so it is no longer listed as open; if it fails again, it is open in the replay batch.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.quality.validate import EPISODE_RULE
from pipelines.schema import EPISODE_TABLES, load_schema
from pipelines.workdir import Workdir, scratch_path, writes_private

RESOLVED_FILE = "resolved.json"


@dataclass
class QuarantinedEpisode:
    batch_id: str
    ma_lk: str | None
    rows: dict[str, int]
    rule_ids: list[str]
    resolved_by: str | None = None  # the replay batch, once replayed

    @property
    def status(self) -> str:
        return f"replayed in {self.resolved_by}" if self.resolved_by else "open"


@dataclass
class ReplayResult:
    original_batch: str
    replay_batch: str
    episodes: list[str]
    files: list[Path] = field(default_factory=list)


def quarantined_batches(workdir: Workdir) -> list[str]:
    if not workdir.quarantine.is_dir():
        return []
    return sorted(p.name for p in workdir.quarantine.iterdir() if (p / "xml1.parquet").exists())


def resolved(workdir: Workdir, batch_id: str) -> dict[str, dict]:
    path = workdir.quarantine / batch_id / RESOLVED_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _table_files(workdir: Workdir, batch_id: str) -> dict[str, Path]:
    folder = workdir.quarantine / batch_id
    if not (folder / "xml1.parquet").exists():
        raise FileNotFoundError(f"no quarantine for batch {batch_id!r} under {workdir.quarantine}")
    return {t: folder / f"{t}.parquet" for t in EPISODE_TABLES if (folder / f"{t}.parquet").exists()}


def list_episodes(workdir: Workdir, batch_id: str | None = None, *, include_resolved: bool = False
                  ) -> list[QuarantinedEpisode]:
    """Quarantined episodes, one per (batch, MA_LK), with their rows per table and error rule ids."""
    out = []
    for batch in [batch_id] if batch_id else quarantined_batches(workdir):
        files = _table_files(workdir, batch)
        parts = " UNION ALL ".join(
            f"SELECT '{t}' AS t, CAST(MA_LK AS VARCHAR) AS ma_lk, _rule_ids FROM read_parquet(?)" for t in files)
        rows = duckdb.sql(f"""
            SELECT ma_lk, t, count(*) AS n, string_agg(_rule_ids, ';') AS rules
            FROM ({parts}) GROUP BY ALL ORDER BY ma_lk NULLS LAST, t""",
                          params=[str(p) for p in files.values()]).fetchall() if files else []
        done = resolved(workdir, batch)
        episodes: dict[str | None, QuarantinedEpisode] = {}
        for ma_lk, table, n, rules in rows:
            ep = episodes.setdefault(ma_lk, QuarantinedEpisode(batch, ma_lk, {}, []))
            ep.rows[table] = n
            ep.rule_ids = sorted(set(ep.rule_ids) | {r for r in (rules or "").split(";") if r and r != EPISODE_RULE})
        for ep in episodes.values():
            ep.resolved_by = (done.get(ep.ma_lk) or {}).get("replay_batch") if ep.ma_lk else None
            if include_resolved or not ep.resolved_by:
                out.append(ep)
    return out


def show_episode(workdir: Workdir, ma_lk: str, batch_id: str | None = None) -> list[dict]:
    """The failing rules, fields and staged values of one quarantined episode (all batches by default)."""
    out = []
    for batch in [batch_id] if batch_id else quarantined_batches(workdir):
        path = workdir.quarantine / batch / "failures.parquet"
        if not path.exists():
            continue
        rows = duckdb.sql("""
            SELECT table_name, _staged_row, rule_id, severity, field, value FROM read_parquet(?)
            WHERE MA_LK = ? ORDER BY table_name, _staged_row, rule_id, field""",
                          params=[str(path), ma_lk]).fetchall()
        done = resolved(workdir, batch).get(ma_lk)
        out += [{"batch_id": batch, "table": t, "row": row, "rule_id": rule, "severity": severity, "field": f,
                 "value": value, "replayed_in": (done or {}).get("replay_batch")}
                for t, row, rule, severity, f, value in rows]
    return out


def export_dir(workdir: Workdir, batch_id: str, out_dir: str | os.PathLike | None) -> Path:
    """Where an export goes: the folder given explicitly, else ``restricted/quarantine/<batch>/export``.
    The rows hold every identifier of the episodes, so the published zone is refused."""
    if out_dir is None:
        return workdir.quarantine / batch_id / "export"
    out = Path(out_dir).resolve()
    if out == workdir.published or workdir.published in out.parents:
        raise PermissionError(f"quarantine export holds personal data and may not be written to the published "
                              f"zone ({workdir.published})")
    return out


@writes_private
def export_episodes(workdir: Workdir, batch_id: str, out_dir: str | os.PathLike | None = None,
                    ma_lks: list[str] | None = None) -> dict[str, Path]:
    """Write the open quarantined episodes' rows as ``<out_dir>/<table>.csv`` (the standard's columns,
    values as staged) for a data engineer to correct and replay. Without ``out_dir`` the files go to
    the restricted zone (:func:`export_dir`); files are 0600 and a created folder 0700."""
    schema = load_schema()
    open_keys = {ep.ma_lk for ep in list_episodes(workdir, batch_id) if ep.ma_lk}
    keys = sorted(open_keys if ma_lks is None else open_keys & set(ma_lks))
    if ma_lks is not None and len(keys) != len(set(ma_lks)):
        raise ValueError(f"{len(set(ma_lks)) - len(keys)} of the given MA_LK are not open in the quarantine "
                         f"of batch {batch_id}")
    out = export_dir(workdir, batch_id, out_dir)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = {}
    for table_id, path in _table_files(workdir, batch_id).items():
        columns = schema.table(table_id).columns
        present = set(duckdb.sql("SELECT * FROM read_parquet(?) LIMIT 0", params=[str(path)]).columns)
        select = ", ".join(f'"{c}"' if c in present else f'NULL AS "{c}"' for c in columns)
        rows = duckdb.sql(f"""SELECT {select} FROM read_parquet(?) WHERE list_contains(?, MA_LK)
                              ORDER BY _staged_row""", params=[str(path), keys]).fetchall()
        target = out / f"{table_id}.csv"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(target, 0o600)  # an existing file keeps its mode on open: tighten it
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            writer.writerows([["" if v is None else v for v in row] for row in rows])
        written[table_id] = target
    return written


def replay_batch_id(batch_id: str, fix_files: list[Path]) -> str:
    digest = hashlib.sha256(batch_id.encode("utf-8"))
    for path in sorted(fix_files, key=lambda p: p.name):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return "r" + digest.hexdigest()[:15]


def fix_files(fixes_dir: str | os.PathLike) -> list[Path]:
    folder = Path(fixes_dir)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".parquet")) if folder.is_dir() \
        else []
    if not files:
        raise FileNotFoundError(f"no CSV or Parquet fix files in {folder}")
    return files


@writes_private
def stage_replay(workdir: Workdir, batch_id: str, fixes_dir: str | os.PathLike) -> ReplayResult:
    """Stage the fixed rows as a new batch (ingested like any extract) after checking that every
    ``MA_LK`` in them is open in the quarantine of ``batch_id``; nothing is staged otherwise."""
    from pipelines.ingest import ingest

    files = fix_files(fixes_dir)
    open_keys = {ep.ma_lk for ep in list_episodes(workdir, batch_id) if ep.ma_lk}
    keys: set[str] = set()
    for path in files:
        keys |= {r[0] for r in duckdb.sql(
            f"SELECT DISTINCT CAST(MA_LK AS VARCHAR) FROM {'read_csv' if path.suffix.lower() == '.csv' else 'read_parquet'}"
            "(?" + (", all_varchar = true, header = true)" if path.suffix.lower() == ".csv" else ")"),
            params=[str(path)]).fetchall()}
    keys.discard(None)
    unknown = keys - open_keys
    if unknown:
        raise ValueError(f"{len(unknown)} MA_LK in the fix files are not open in the quarantine of batch {batch_id}; "
                         "export them again or remove those rows")
    new_batch = replay_batch_id(batch_id, files)
    summary = ingest(Path(fixes_dir), workdir, batch_id=new_batch, files=files)
    if not summary.anything_processed:
        raise RuntimeError(f"nothing could be staged from {fixes_dir}; see {workdir.rejects}")
    return ReplayResult(batch_id, new_batch, sorted(keys), files)


@writes_private
def mark_resolved(workdir: Workdir, result: ReplayResult) -> Path:
    """Record that the replayed episodes of the original batch are handled by the replay batch."""
    path = workdir.quarantine / result.original_batch / RESOLVED_FILE
    done = resolved(workdir, result.original_batch)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    for key in result.episodes:
        done[key] = {"replay_batch": result.replay_batch, "at": now}
    tmp = scratch_path(path.parent, path.name, ".tmp")
    tmp.write_text(json.dumps(done, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return path
