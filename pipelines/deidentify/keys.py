"""Pseudonym keys: from the environment in deployments, from the restricted vault in embedded mode."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets

from pipelines.workdir import Workdir

log = logging.getLogger(__name__)
KEY_ENV = "ANDANH_PSEUDONYM_KEY"
REQUIRE_ENV = "ANDANH_REQUIRE_KEY"  # set to 1 where a missing key must stop the run


class PseudonymKeyError(RuntimeError):
    pass


def _decode(text: str) -> bytes:
    text = text.strip()
    for decode in (bytes.fromhex, base64.b64decode):
        try:
            key = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(key) >= 32:
            return key
    raise PseudonymKeyError(f"{KEY_ENV} must be at least 32 bytes, hex or base64 encoded")


def master_key(workdir: Workdir) -> bytes:
    """The master pseudonym key. The same key gives the same pseudonyms in every run."""
    from pipelines.settings import get_settings
    settings = get_settings()
    if settings.pseudonym_key and settings.pseudonym_key.get_secret_value():
        return _decode(settings.pseudonym_key.get_secret_value())
    if settings.key_required:
        raise PseudonymKeyError(f"{KEY_ENV} is not set and {REQUIRE_ENV}=1 forbids a generated key")
    path = workdir.vault / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        log.warning("generated a pseudonym key in %s; set %s in deployments", path, KEY_ENV)
    return _decode(path.read_text())


def domain_key(master: bytes, domain: str) -> bytes:
    """A separate key per identifier domain, so an episode and a patient pseudonym never link."""
    return hmac.new(master, f"andanh/pseudonym/{domain}".encode(), hashlib.sha256).digest()
