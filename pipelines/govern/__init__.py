"""Access governance: consumer registry, grants, extract requests and the tamper-evident audit log.

:func:`open_governance` gives everything a caller needs for one data root: the migrated database's
session factory, the audit log and the signing key.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipelines.govern.audit import AuditLog
from pipelines.govern.signing import Signer


@dataclass
class Governance:
    url: str
    sessions: sessionmaker[Session]
    audit: AuditLog
    signer: Signer
    restricted: Path
    published: Path

    @property
    def deliveries(self) -> Path:
        return self.restricted / "deliveries"


def open_governance(workdir, url: str | None = None) -> Governance:
    """The governance database of ``workdir`` (the run ledger's database unless ``url`` is given), migrated."""
    from pipelines.govern.db import session_factory
    from pipelines.govern.signing import load_signer
    from pipelines.settings import get_settings
    from pipelines.workdir import private_files
    url = url or workdir.ledger_url()
    with private_files():
        workdir.restricted.mkdir(parents=True, exist_ok=True, mode=0o700)
        sessions = session_factory(url)
        signer = load_signer(workdir.restricted)
    audit = AuditLog(sessions, signer, get_settings().audit_checkpoint_every)
    return Governance(url, sessions, audit, signer, workdir.restricted, workdir.published)
