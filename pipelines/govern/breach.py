"""Breach scope (LEG-31): who received data from batch B, release R, or containing person token T,
when and for which purpose — answered from the audit log, release manifests and delivered extracts."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pipelines.govern.models import AuditEntry, ExtractRequest

DELIVERING = ("data.read", "query.run", "release.download", "extract.download", "api.query", "api.data")


@dataclass
class Recipient:
    seq: int
    at: str
    actor: str
    org: str
    purpose: str
    action: str
    resource: str
    via: str  # the release or extract that carried the data


def releases_with_batch(published: Path, batch: str) -> set[str]:
    """Releases (current and retired) whose manifest lists ``batch`` (read through the portal's catalog module)."""
    from pipelines.portal.catalog import datasets
    return {r.release_id for d in datasets(published).values() for r in d.releases if batch in r.batches}


def extracts_with(s: Session, *, batch: str | None = None, token: str | None = None) -> set[int]:
    """Requests whose built extract came from ``batch`` (its report) or holds ``token`` in any text column."""
    found = set()
    for req in s.execute(sa.select(ExtractRequest).where(ExtractRequest.extract_path.is_not(None))).scalars():
        if batch and batch in (req.report or {}).get("batches", []):
            found.add(req.id)
        if token and _holds(Path(req.extract_path), token):
            found.add(req.id)
    return found


def _holds(folder: Path, token: str) -> bool:
    files = [str(p) for p in folder.rglob("*.parquet")]
    if not files:
        return False
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE x AS SELECT * FROM read_parquet($f, union_by_name = true)", {"f": files})
        text = [r[0] for r in con.execute("DESCRIBE x").fetchall() if r[1] == "VARCHAR"]
        if not text:
            return False
        where = " OR ".join(f'"{c}" = $t' for c in text)
        return con.execute(f"SELECT count(*) FROM x WHERE {where}", {"t": token}).fetchone()[0] > 0
    finally:
        con.close()


def scope(s: Session, published: Path, *, batch: str | None = None, release: str | None = None,
          token: str | None = None) -> list[Recipient]:
    releases = set([release] if release else []) | (releases_with_batch(published, batch) if batch else set())
    requests = extracts_with(s, batch=batch, token=token)
    out = []
    query = sa.select(AuditEntry).where(AuditEntry.action.in_(DELIVERING), AuditEntry.outcome == "ok")
    for e in s.execute(query.order_by(AuditEntry.seq)).scalars():
        details = json.loads(e.details)
        carried = set(details.get("releases", {}).values() if isinstance(details.get("releases"), dict)
                      else details.get("releases", []))
        carried |= {details[k] for k in ("release",) if k in details}
        via = sorted(carried & releases)
        if e.action == "extract.download" and e.resource.startswith("request:") \
                and int(e.resource.split(":")[1]) in requests:
            via.append(e.resource)
        if via:
            out.append(Recipient(e.seq, e.at.isoformat(), e.actor, e.org, e.purpose, e.action, e.resource,
                                 ", ".join(via)))
    return out
