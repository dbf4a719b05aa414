"""Where each stage reads and writes under one data root (the work directory).

Zones (see README): ``landing/`` files as received; ``staging/``, ``rejects/`` and ``restricted/``
hold personal data and are the restricted zone; ``published/`` holds releases only.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workdir:
    root: Path

    @classmethod
    def at(cls, root: str | os.PathLike | None = None) -> "Workdir":
        if root is None:
            from pipelines.settings import get_settings
            root = get_settings().workdir
        return cls(Path(root).resolve())

    landing = property(lambda self: self.root / "landing")
    staging = property(lambda self: self.root / "staging")
    rejects = property(lambda self: self.root / "rejects")
    restricted = property(lambda self: self.root / "restricted")
    published = property(lambda self: self.root / "published")
    tmp = property(lambda self: self.root / "tmp")
    batches = property(lambda self: self.restricted / "batches")
    vault = property(lambda self: self.restricted / "vault")
    quarantine = property(lambda self: self.restricted / "quarantine")
    validated = property(lambda self: self.restricted / "validated")
    safe = property(lambda self: self.restricted / "safe")
    reports = property(lambda self: self.restricted / "reports")

    def staged_table(self, table_id: str) -> Path:
        return self.staging / table_id

    def ledger_url(self) -> str:
        from pipelines.settings import get_settings
        url = get_settings().ledger_url
        return url.get_secret_value() if url else f"sqlite:///{self.restricted / 'ledger.sqlite'}"

    def ensure(self) -> "Workdir":
        for path in (self.landing, self.staging, self.rejects, self.restricted, self.published, self.tmp,
                     self.batches):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.restricted, 0o700)
        return self


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def batch_id_for(source: str, interval_start: str | None = None, interval_end: str | None = None) -> str:
    """Stable batch id: the same source over the same interval always gets the same id."""
    key = "\x1f".join([source, interval_start or "", interval_end or ""])
    return "b" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:15]
