"""Tamper-evident audit log (LEG-30): append-only entries chained by SHA-256, signed checkpoints.

Each entry's ``hash`` covers its sequence number, time, actor, action, outcome, purpose, resource,
details and ``prev_hash`` (the hash of the entry before it). Every ``checkpoint_every`` entries the
(seq, hash) of the newest entry is signed with the governance Ed25519 key. :func:`verify` recomputes
the chain and names the first entry that was changed, deleted, inserted or moved, and checks every
checkpoint (a truncated or rewritten chain cannot match a signed checkpoint).
Entries are written in their own transaction, so a refusal is recorded even when the refused
operation rolls back. Details carry SQL text and row counts, never query results or personal data.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pipelines.govern.models import AuditCheckpoint, AuditEntry
from pipelines.govern.signing import Signer

GENESIS = "0" * 64
_APPEND_LOCK = threading.Lock()


def _stamp(at: dt.datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(seq: int, at: dt.datetime, actor: str, org: str, action: str, outcome: str, purpose: str,
               resource: str, details: str, prev_hash: str) -> str:
    body = json.dumps([seq, _stamp(at), actor, org, action, outcome, purpose, resource, details, prev_hash],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _hash_of(e: AuditEntry) -> str:
    return entry_hash(e.seq, e.at, e.actor, e.org, e.action, e.outcome, e.purpose, e.resource, e.details,
                      e.prev_hash)


def checkpoint_message(seq: int, digest: str) -> bytes:
    return f"andanh-audit-checkpoint\n{seq}\n{digest}\n".encode("ascii")


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session], signer: Signer, checkpoint_every: int = 100):
        self.sessions, self.signer, self.checkpoint_every = sessions, signer, checkpoint_every

    def append(self, *, actor: str, action: str, outcome: str = "ok", org: str = "", purpose: str = "",
               resource: str = "", details: dict | None = None) -> AuditEntry:
        text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
        for _attempt in range(20):
            try:
                with _APPEND_LOCK, self.sessions.begin() as s:
                    entry = self._append(s, actor[:64], action, outcome, org[:64], purpose or "", resource[:256], text)
                    if entry.seq % self.checkpoint_every == 0:
                        self._checkpoint(s, entry)
                    return entry
            except IntegrityError:  # another process took this sequence number: read the chain's end again
                continue
        raise RuntimeError("could not append to the audit log")

    @staticmethod
    def _append(s: Session, actor, action, outcome, org, purpose, resource, text) -> AuditEntry:
        if s.bind.dialect.name == "postgresql":
            s.execute(sa.text("SELECT pg_advisory_xact_lock(7366)"))
        last = s.execute(sa.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        entry = AuditEntry(seq=seq, at=at, actor=actor, org=org, action=action, outcome=outcome, purpose=purpose,
                           resource=resource, details=text, prev_hash=prev)
        entry.hash = _hash_of(entry)
        s.add(entry)
        s.flush()
        return entry

    def _checkpoint(self, s: Session, entry: AuditEntry) -> AuditCheckpoint:
        cp = AuditCheckpoint(seq=entry.seq, hash=entry.hash, key_id=self.signer.key_id,
                             signature=self.signer.sign(checkpoint_message(entry.seq, entry.hash)))
        s.add(cp)
        return cp

    def checkpoint(self) -> AuditCheckpoint | None:
        """Sign the newest entry now (``andanh audit checkpoint``, and the portal at shutdown)."""
        with _APPEND_LOCK, self.sessions.begin() as s:
            last = s.execute(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar()
            return self._checkpoint(s, last) if last else None


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    checkpoints: int
    first_bad: int | None = None
    problem: str = ""


def verify(sessions: sessionmaker[Session], signer: Signer) -> VerifyResult:
    """Walk the whole chain; the first problem found is reported with the sequence number at fault."""
    with sessions() as s:
        entries = s.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        expected_seq, prev, count, hashes = 1, GENESIS, 0, {}
        for e in entries:
            count += 1
            if e.seq != expected_seq:
                return VerifyResult(False, count, 0, expected_seq,
                                    f"entry {expected_seq} is missing (deleted); the chain jumps to {e.seq}")
            if e.prev_hash != prev:
                return VerifyResult(False, count, 0, e.seq, f"entry {e.seq} does not follow entry {e.seq - 1} "
                                    "(an entry was inserted, removed or moved here)")
            if _hash_of(e) != e.hash:
                return VerifyResult(False, count, 0, e.seq, f"entry {e.seq} was changed (its hash does not match)")
            hashes[e.seq], prev, expected_seq = e.hash, e.hash, e.seq + 1
        checkpoints = s.execute(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).scalars().all()
    return _verify_checkpoints(checkpoints, hashes, count, signer)


def _verify_checkpoints(checkpoints, hashes: dict[int, str], count: int, signer: Signer) -> VerifyResult:
    for cp in checkpoints:
        if not signer.verify(checkpoint_message(cp.seq, cp.hash), cp.signature):
            return VerifyResult(False, count, len(checkpoints), cp.seq,
                                f"checkpoint at entry {cp.seq} has a bad signature (key {cp.key_id})")
        if cp.seq not in hashes:
            return VerifyResult(False, count, len(checkpoints), count + 1,
                                f"entries after {count} were deleted (a signed checkpoint names entry {cp.seq})")
        if hashes[cp.seq] != cp.hash:
            return VerifyResult(False, count, len(checkpoints), cp.seq,
                                f"entry {cp.seq} differs from its signed checkpoint (the chain was rewritten)")
    return VerifyResult(True, count, len(checkpoints))
