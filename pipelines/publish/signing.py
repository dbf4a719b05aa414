"""Ed25519 signing of release manifests.

The private key comes from ``ANDANH_SIGNING_KEY`` (settings field ``signing_key``: a PEM private key or
32 bytes as 64 hex digits). In embedded mode, when none is set, one is generated once under
``restricted/keys/`` (0600); where a key is required (deployed mode) a missing key stops the release.
The public key ships with every release (``signing_key.pub``) and its id is in the manifest.
"""
from __future__ import annotations

import base64
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pipelines.workdir import Workdir, private_files, write_private_bytes

SIGNING_ENV = "ANDANH_SIGNING_KEY"
EMBEDDED_SIGNING_KEY = "signing_ed25519.pem"
PUBLIC_KEY_FILE = "signing_key.pub"
_HEX32 = re.compile(r"^[0-9a-fA-F]{64}$")


class SigningKeyError(RuntimeError):
    """No usable signing key (the message names the variable, never the key)."""


def parse_private_key(text: str, source: str = SIGNING_ENV) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if _HEX32.match(text):
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise SigningKeyError(f"{source} is neither an Ed25519 PEM private key nor 64 hex digits") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{source} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def embedded_key_path(workdir: Workdir):
    return workdir.restricted / "keys" / EMBEDDED_SIGNING_KEY


def signing_key(workdir: Workdir) -> Ed25519PrivateKey:
    """The key in force: the environment, else the embedded key (generated once, when allowed)."""
    from pipelines.settings import get_settings
    settings = get_settings()
    if settings.signing_key and settings.signing_key.get_secret_value():
        return parse_private_key(settings.signing_key.get_secret_value())
    path = embedded_key_path(workdir)
    if settings.key_required:
        raise SigningKeyError(f"a signing key is required here (deployed mode or ANDANH_REQUIRE_KEY=1): set "
                              f"{SIGNING_ENV}; an embedded key file is not used")
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        with private_files():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_private_bytes(path, pem)
    return parse_private_key(path.read_text(encoding="ascii"), str(path))


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise SigningKeyError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"the public key is a {type(key).__name__}, not Ed25519")
    return key


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The signature file's content: base64 of the Ed25519 signature, one line."""
    return base64.b64encode(key.sign(data)) + b"\n"


def signature_valid(public: Ed25519PublicKey, data: bytes, signature_text: bytes) -> bool:
    try:
        public.verify(base64.b64decode(signature_text.strip(), validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
