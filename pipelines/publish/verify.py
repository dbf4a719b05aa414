"""Verify a release folder: the Ed25519 signature of its manifest and the SHA-256 of every file."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.publish.signing import PUBLIC_KEY_FILE, SigningKeyError, key_id, load_public_key, signature_valid
from pipelines.workdir import sha256_file

MANIFEST, SIGNATURE = "manifest.json", "manifest.json.sig"


@dataclass
class VerifyResult:
    path: Path
    signature: str = "missing"  # valid | invalid | missing
    key_id: str | None = None
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature == "valid" and not (self.changed or self.missing or self.extra or self.problems)

    def lines(self) -> list[str]:
        out = [f"{self.path}: {'OK' if self.ok else 'FAILED'}", f"  signature: {self.signature}"
               + (f" (key {self.key_id})" if self.key_id else "")]
        out += [f"  changed: {p}" for p in self.changed] + [f"  missing: {p}" for p in self.missing]
        out += [f"  extra:   {p}" for p in self.extra] + [f"  problem: {p}" for p in self.problems]
        return out


def release_files(path: Path) -> set[str]:
    return {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file() or p.is_symlink()} \
        - {MANIFEST, SIGNATURE}


def verify_release(path: str | Path, *, public_key: bytes | None = None) -> VerifyResult:
    """Check ``path``; ``public_key`` (PEM) pins the signer, else the key shipped in the release is used."""
    path = Path(path)
    result = VerifyResult(path)
    try:
        data = (path / MANIFEST).read_bytes()
        manifest = json.loads(data)
    except (OSError, ValueError) as exc:
        if (path / MANIFEST).exists():
            result.problems.append(f"{MANIFEST} unreadable: {type(exc).__name__}")
        else:
            result.missing.append(MANIFEST)
        return result
    _check_signature(path, data, manifest, public_key, result)
    listed = manifest.get("files") or {}
    present = release_files(path)
    for name, entry in sorted(listed.items()):
        target = path / name
        if name not in present:
            result.missing.append(name)
        elif target.is_symlink() or target.stat().st_size != entry.get("bytes") \
                or sha256_file(target) != entry.get("sha256"):
            result.changed.append(name)
    result.extra = sorted(present - set(listed))
    return result


def _check_signature(path: Path, data: bytes, manifest: dict, pinned: bytes | None, result: VerifyResult) -> None:
    sig = path / SIGNATURE
    if not sig.exists():
        result.missing.append(SIGNATURE)
        return
    try:
        pem = pinned if pinned is not None else (path / PUBLIC_KEY_FILE).read_bytes()
        public = load_public_key(pem)
    except (OSError, SigningKeyError) as exc:
        result.problems.append(f"no usable public key: {exc}")
        result.signature = "invalid"
        return
    result.key_id = key_id(public)
    result.signature = "valid" if signature_valid(public, data, sig.read_bytes()) else "invalid"
    declared = (manifest.get("signature") or {}).get("key_id")
    if result.signature == "valid" and declared != result.key_id:
        result.problems.append(f"manifest names signing key {declared}, signed by {result.key_id}")
