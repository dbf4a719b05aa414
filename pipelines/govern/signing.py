"""The governance signing key (Ed25519): audit checkpoints and extract-delivery manifests.

``ANDANH_AUDIT_SIGNING_KEY`` (PEM or 32-byte hex) when set; in embedded mode a key generated once
under ``restricted/keys/audit-ed25519.pem`` (0600). Deployed mode without the variable is refused.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "audit-ed25519.pem"


class SigningKeyError(RuntimeError):
    """No usable signing key."""


@dataclass(frozen=True)
class Signer:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private.sign(data)).decode("ascii")

    def verify(self, data: bytes, signature: str) -> bool:
        return verify(self.public, data, signature)

    def public_pem(self) -> str:
        return self.public.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def verify(public: Ed25519PublicKey, data: bytes, signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature), data)
        return True
    except (InvalidSignature, ValueError):
        return False


def parse_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError("ANDANH_AUDIT_SIGNING_KEY is not an Ed25519 key")
        return key
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise SigningKeyError("ANDANH_AUDIT_SIGNING_KEY is neither PEM nor hex") from None
    if len(raw) != 32:
        raise SigningKeyError("ANDANH_AUDIT_SIGNING_KEY must be 32 bytes of hex")
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_signer(restricted: Path) -> Signer:
    """The key from the environment, else (embedded mode only) the key file under ``restricted/keys``."""
    from pipelines.settings import get_settings
    from pipelines.workdir import write_private_bytes
    settings = get_settings()
    if settings.audit_signing_key and settings.audit_signing_key.get_secret_value():
        return Signer(parse_key(settings.audit_signing_key.get_secret_value()))
    if settings.mode == "deployed":
        raise SigningKeyError("set ANDANH_AUDIT_SIGNING_KEY: deployed mode never generates a signing key")
    path = restricted / "keys" / KEY_FILE
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private_bytes(path, pem)
    return Signer(parse_key(path.read_text(encoding="ascii")))
