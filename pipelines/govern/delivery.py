"""Encrypted delivery of a released extract (LEG-10, LEG-12, LEG-13).

The extract folder is packed as a tar, encrypted to the researcher's age X25519 public key (pyrage),
written 0600 under ``restricted/deliveries/<request>/``, and described by a manifest signed with the
governance Ed25519 key (purpose, recipient, plaintext and ciphertext checksums, k and l achieved).
The link is a random token shown once; the database keeps its SHA-256, its expiry and uses left.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import tarfile
from pathlib import Path

import pyrage
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pipelines.govern.access import AccessDenied, aware
from pipelines.govern.models import Delivery, ExtractRequest, Organisation, Project, User, utcnow
from pipelines.govern.signing import Signer
from pipelines.workdir import write_private_bytes


def canonical(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _pack(folder: Path) -> tuple[bytes, list[dict]]:
    buf, files = io.BytesIO(), []
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            name = path.relative_to(folder).as_posix()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o600, 0
            tar.addfile(info, io.BytesIO(data))
            files.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    return buf.getvalue(), files


def deliver(s: Session, req: ExtractRequest, signer: Signer, deliveries_root: Path, *, max_uses: int = 1,
            days: int = 7) -> tuple[Delivery, str]:
    """Encrypt the built extract of ``req`` to its requester; returns the delivery and the link token (once)."""
    recipient = s.get(User, req.requester_id)
    if not recipient.age_recipient:
        raise AccessDenied("no_public_key", "the researcher has no age public key on file; add one first")
    try:
        key = pyrage.x25519.Recipient.from_str(recipient.age_recipient)
    except Exception:
        raise AccessDenied("bad_public_key", "the researcher's public key is not an age X25519 recipient") from None
    plain, files = _pack(Path(req.extract_path))
    cipher = pyrage.encrypt(plain, [key])
    name = f"extract-{req.id}.tar.age"
    target = write_private_bytes(deliveries_root / str(req.id) / name, cipher)
    token = secrets.token_urlsafe(32)
    project = s.get(Project, req.project_id)
    expires = utcnow() + dt.timedelta(days=days)
    manifest = {
        "request_id": req.id, "extract_id": req.extract_id, "project": project.code, "purpose": req.purpose,
        "recipient": recipient.username, "recipient_org": s.get(Organisation, recipient.org_id).code,
        "age_recipient": recipient.age_recipient, "files": files, "encrypted_file": name,
        "encrypted_sha256": hashlib.sha256(cipher).hexdigest(), "k_requested": req.k,
        "l_requested": req.l_diversity, "output_check": req.output_check, "retention_days": req.retention_days,
        "created_at": utcnow().isoformat(timespec="seconds"), "link_expires_at": expires.isoformat(timespec="seconds"),
        "signing_key_id": signer.key_id,
    }
    delivery = Delivery(request_id=req.id, recipient_id=recipient.id, link_hash=hashlib.sha256(token.encode()).hexdigest(),
                        file_path=str(target), file_name=name, sha256=manifest["encrypted_sha256"], manifest=manifest,
                        manifest_signature=signer.sign(canonical(manifest)), uses_left=max_uses, expires_at=expires)
    s.add(delivery)
    s.flush()
    return delivery, token


def redeem(s: Session, token: str, user: User, now: dt.datetime | None = None) -> Delivery:
    """Spend one use of a download link; refusals name why (unknown, someone else's, withdrawn, expired, used)."""
    now = now or utcnow()
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
    d = s.execute(sa.select(Delivery).where(Delivery.link_hash == digest).with_for_update()).scalar()
    if d is None:
        raise AccessDenied("link_unknown", "this download link does not exist")
    if d.recipient_id != user.id:
        raise AccessDenied("not_recipient", "this extract was delivered to someone else")
    if d.withdrawn_at is not None:
        raise AccessDenied("withdrawn", "this extract was withdrawn")
    if aware(d.expires_at) <= now:
        raise AccessDenied("link_expired", "this download link has expired")
    if d.uses_left <= 0:
        raise AccessDenied("link_used", "this download link was already used")
    d.uses_left -= 1
    s.flush()
    return d
