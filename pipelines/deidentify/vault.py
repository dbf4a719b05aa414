"""Re-identification vault: token -> original identifier, encrypted, in the restricted zone only.

Only where the policy allows re-contact (a rule with ``vault: true``) does the de-identify stage hand
``(token, original)`` pairs to :func:`record_tokens`. Each original is encrypted with AES-256-GCM under
a key derived from the custodian key (``ANDANH_VAULT_KEY``, never stored by the pipeline), with the
domain and token as associated data, so a ciphertext cannot be moved to another token. The vault is
one SQLite file, ``restricted/vault/reidentify.sqlite`` (0600), which no stage ever reads for output:
aggregation and release read ``restricted/safe`` only.

:func:`reidentify` needs the custodian key and a reason, and writes a ledger entry (stage
``reidentify``: token, domain, reason, custodian key id, outcome; never the value) for every request,
found or not.
"""
from __future__ import annotations

import datetime as dt
import getpass
import os
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pipelines.deidentify.keys import canonical_domain, decode_key, derive_key, key_id, passed_key
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.workdir import Workdir, private_files

VAULT_ENV = "ANDANH_VAULT_KEY"
VAULT_FILE = "reidentify.sqlite"
STAGE = "reidentify"
MIN_REASON = 10


class VaultKeyMissing(RuntimeError):
    """The custodian key is needed (to record re-contact tokens, or to re-identify) and is not set."""


class VaultError(RuntimeError):
    """The vault cannot answer: unknown token, ambiguous token, wrong custodian key."""


@dataclass(frozen=True)
class Reidentified:
    token: str
    domain: str
    batch_id: str
    value: str
    request_id: str


def vault_path(workdir: Workdir) -> Path:
    return workdir.vault / VAULT_FILE


def custodian_key(vault_key: str | None = None) -> bytes:
    """The custodian key bytes: given, or from ``ANDANH_VAULT_KEY``; strict decoding like pseudonym keys."""
    vault_key = vault_key or passed_key("vault")
    if vault_key:
        return decode_key(vault_key, "the vault key passed in")
    from pipelines.settings import get_settings
    secret = get_settings().vault_key
    if not secret or not secret.get_secret_value():
        raise VaultKeyMissing(f"{VAULT_ENV} is not set: the re-identification vault needs the custodian key")
    return decode_key(secret.get_secret_value(), VAULT_ENV)


def _connect(workdir: Workdir) -> sqlite3.Connection:
    path = vault_path(workdir)
    with private_files():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        con = sqlite3.connect(path)
        con.execute("""CREATE TABLE IF NOT EXISTS tokens (
            domain TEXT NOT NULL, token TEXT NOT NULL, batch_id TEXT NOT NULL, key_id TEXT NOT NULL,
            nonce BLOB NOT NULL, ciphertext BLOB NOT NULL, recorded_at TEXT NOT NULL,
            PRIMARY KEY (domain, token))""")
        con.execute("CREATE INDEX IF NOT EXISTS tokens_by_token ON tokens (token)")
        con.commit()
    os.chmod(path, 0o600)
    return con


def _aad(domain: str, token: str) -> bytes:
    return f"andanh/vault\x1f{domain}\x1f{token}".encode("utf-8")


def record_tokens(workdir: Workdir, batch_id: str, domain: str, pairs: Iterable[tuple[str, str]], *,
                  vault_key: str | None = None) -> int:
    """Store ``(token, original)`` pairs encrypted; returns how many tokens were new. A token already in
    the vault keeps its first entry (the same token always stands for the same original)."""
    domain = canonical_domain(domain)
    custodian = custodian_key(vault_key)
    aead, kid = AESGCM(derive_key(custodian, "vault")), key_id(custodian)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows = []
    for token, original in dict(pairs).items():
        if token is None or original is None or original == "":
            continue
        nonce = os.urandom(12)
        rows.append((domain, token, batch_id, kid, nonce,
                     aead.encrypt(nonce, str(original).encode("utf-8"), _aad(domain, token)), now))
    con = _connect(workdir)
    try:
        before = con.total_changes
        con.executemany("INSERT OR IGNORE INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        con.commit()
        return con.total_changes - before
    finally:
        con.close()


def reidentify(workdir: Workdir, token: str, reason: str, *, domain: str | None = None,
               vault_key: str | None = None) -> Reidentified:
    """The original identifier behind ``token``, for a custodian with the key and a stated reason.

    Every request is written to the ledger (found or not, never the value). Raises
    :class:`VaultKeyMissing` without the key, :class:`VaultError` for an unknown or ambiguous token or a
    key that does not open the entry."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValueError(f"re-identification needs a reason of at least {MIN_REASON} characters (it is logged)")
    custodian = custodian_key(vault_key)
    request_id = uuid.uuid4().hex
    wanted = canonical_domain(domain) if domain else None
    rows: list = []
    if vault_path(workdir).exists():
        con = _connect(workdir)
        try:
            query = "SELECT domain, token, batch_id, key_id, nonce, ciphertext FROM tokens WHERE token = ?"
            params: list = [token]
            if wanted:
                query, params = query + " AND domain = ?", [token, wanted]
            rows = con.execute(query, params).fetchall()
        finally:
            con.close()
    details = {"token": token, "domain": wanted, "reason": reason, "custodian_key_id": key_id(custodian),
               "requested_by": _user(), "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    if len(rows) != 1:
        outcome = "not found" if not rows else "ambiguous: give --domain"
        _log(workdir, "vault", request_id, details | {"outcome": outcome}, found=False)
        raise VaultError(f"token {token}: {outcome}")
    found_domain, _, batch_id, stored_kid, nonce, ciphertext = rows[0]
    details["domain"] = found_domain
    try:
        value = AESGCM(derive_key(custodian, "vault")).decrypt(nonce, ciphertext, _aad(found_domain, token))
    except InvalidTag:
        _log(workdir, batch_id, request_id, details | {"outcome": "wrong custodian key"}, found=False)
        raise VaultError(f"the custodian key ({key_id(custodian)}) does not open this entry "
                         f"(recorded with {stored_kid})") from None
    _log(workdir, batch_id, request_id, details | {"outcome": "re-identified"}, found=True)
    return Reidentified(token, found_domain, batch_id, value.decode("utf-8"), request_id)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _log(workdir: Workdir, batch_id: str, request_id: str, details: dict, *, found: bool) -> None:
    with private_files():
        Ledger(workdir.ledger_url()).record([LedgerEntry(batch_id, STAGE, request_id[:32], received=1,
                                                         passed=1 if found else 0, rejected=0 if found else 1,
                                                         details=details)])
