"""Pseudonym keys: strict decoding, per-domain and per-scope derivation, key ids, embedded fallback.

The master key comes, in this order, from the caller (Airflow task code passes the value of a
Connection or Variable), from ``ANDANH_PSEUDONYM_KEY``, or, in embedded mode only, from a key file
generated in the restricted zone (``restricted/vault/pseudonym.key``) with a loud warning on stderr.
When a key is required (``ANDANH_REQUIRE_KEY=1``, the default in deployed mode) nothing is generated
and no key file is read: a key kept inside the data root it protects protects nothing.

A key is text: strict hex (even length, only ``0-9a-f``) or strict, canonical base64 (standard or
URL-safe alphabet, correct padding, no stray characters), at least 32 bytes once decoded. Pass
phrases, all-zero or repetitive keys and low-variety bytes are refused, with a message that names the
variable but never echoes the value.

Keys are derived with HKDF-SHA-256 per **domain** (episode, person, staff, date shift, …) and per
**scope** (a release or research project id; ``None`` = the project-wide scope), so tokens of two
domains or two scopes never join. :func:`key_id` is a fingerprint safe to print and store with every
safe table and run, so a rotation is traceable.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
import hashlib
import re
import secrets
import sys
from pathlib import Path
from collections.abc import Iterator

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pipelines.workdir import Workdir, write_private_bytes

KEY_ENV = "ANDANH_PSEUDONYM_KEY"
REQUIRE_ENV = "ANDANH_REQUIRE_KEY"
MIN_KEY_BYTES = 32
DOMAINS = ("episode", "person", "patient", "name", "staff", "other", "date_shift", "surrogate", "vault", "gate")
_ALIASES = {"dateshift": "date_shift"}
DEFAULT_SCOPE = "default"
EMBEDDED_KEY_FILE = "pseudonym.key"
_HKDF_SALT = b"andanh/hkdf/v1"
_HEX = re.compile(r"[0-9a-fA-F]+")
_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_warned: set[str] = set()


class PseudonymKeyError(RuntimeError):
    """A missing, malformed or weak key; the message names the source, never the value."""


# --- decoding ------------------------------------------------------------------------------------

def decode_key(text: str, source: str = KEY_ENV) -> bytes:
    """The key bytes of a hex or base64 key text, or :class:`PseudonymKeyError` saying why not.

    Text that is valid hex is read as hex (hex digits are also base64 characters). Surrounding
    whitespace (a trailing newline from a secret file) is ignored; whitespace inside is not.
    """
    t = text.strip()
    if not t:
        raise PseudonymKeyError(f"{source} is empty")
    if any(c.isspace() for c in t):
        raise PseudonymKeyError(f"{source} contains spaces: a pass phrase is not a key; "
                                "generate one with `andanh keys init`")
    if _HEX.fullmatch(t) and len(t) % 2 == 0:
        key = bytes.fromhex(t)
    else:
        key = _strict_base64(t, source)
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"{source} decodes to {len(key)} bytes; at least {MIN_KEY_BYTES} are needed")
    _refuse_weak(key, t, source)
    return key


def _strict_base64(t: str, source: str) -> bytes:
    alphabet = None if _B64.fullmatch(t) else (b"-_" if _B64URL.fullmatch(t) else False)
    if alphabet is False or len(t) % 4:
        raise PseudonymKeyError(f"{source} is neither hex nor base64 (wrong characters or padding)")
    try:
        key = base64.b64decode(t, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise PseudonymKeyError(f"{source} is not valid base64") from None
    canonical = base64.b64encode(key, altchars=alphabet).decode("ascii")
    if canonical != t:  # non-zero padding bits: sloppy or hand-edited base64
        raise PseudonymKeyError(f"{source} is not canonical base64 (stray bits before the padding)")
    return key


def _refuse_weak(key: bytes, text: str, source: str) -> None:
    distinct = len(set(key))
    if distinct == 1:
        raise PseudonymKeyError(f"{source} is one byte repeated (e.g. all zero): not a key")
    # 32 random bytes have about 30 distinct values; fewer than 16 means a pattern, not randomness.
    if distinct < min(16, len(key) // 2):
        raise PseudonymKeyError(f"{source} has only {distinct} distinct byte values: a pattern, not a random key")
    for period in range(2, 17):
        if len(key) >= 2 * period and key == (key[:period] * (len(key) // period + 1))[:len(key)]:
            raise PseudonymKeyError(f"{source} repeats a {period}-byte pattern: not a random key")
    # Base64 of a pass phrase: random base64 almost never has 16 letters of one case in a row.
    if not _HEX.fullmatch(text) and re.search(r"[a-z]{16}|[A-Z]{16}", text):
        raise PseudonymKeyError(f"{source} looks like words written as base64: a pass phrase is not a key")


def new_key_text() -> str:
    """A fresh 32-byte key as base64 (what ``andanh keys init`` prints), re-drawn until it passes."""
    while True:
        text = base64.b64encode(secrets.token_bytes(MIN_KEY_BYTES)).decode("ascii")
        try:
            decode_key(text, "generated key")
            return text
        except PseudonymKeyError:  # vanishingly rare: a random draw that looks like a pattern
            continue


# --- derivation and ids --------------------------------------------------------------------------

def canonical_domain(domain: str) -> str:
    name = _ALIASES.get(domain, domain)
    if name not in DOMAINS:
        raise ValueError(f"unknown key domain {domain!r} (known: {', '.join(DOMAINS)})")
    return name


def derive_key(master: bytes, domain: str, scope: str | None = None) -> bytes:
    """A 32-byte key for one domain and scope: HKDF-SHA-256(master, info = domain + scope).

    ``scope`` None or ``"default"`` is the project-wide scope; any other text (a release id, a
    research project id) gives keys, and so tokens, that cannot be joined with another scope's.
    """
    scope_name = DEFAULT_SCOPE if scope in (None, "") else str(scope)
    info = b"andanh\x1f" + canonical_domain(domain).encode("utf-8") + b"\x1f" + scope_name.encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=info).derive(master)


def key_id(master: bytes) -> str:
    """The fingerprint of a key, ``k-`` and 16 hex digits: safe to print, log and store (one-way)."""
    return "k-" + hashlib.sha256(b"andanh/key-id\x1f" + master).hexdigest()[:16]


def domain_key(master: bytes, domain: str) -> bytes:
    """The project-wide key of a domain (kept for older callers; same as ``derive_key(master, domain)``)."""
    return derive_key(master, domain)


# --- where the master key comes from -------------------------------------------------------------

def warn(message: str) -> None:
    """A loud warning on stderr, once per process and message."""
    if message in _warned:
        return
    _warned.add(message)
    bar = "!" * 78
    print(f"{bar}\nWARNING: {message}\n{bar}", file=sys.stderr, flush=True)


def master_key(workdir: Workdir, *, key: str | None = None, required: bool | None = None) -> bytes:
    """The master pseudonym key. The same key gives the same pseudonyms in every run.

    ``key``: the key text when the caller has it (Airflow task code reads a Connection or Variable and
    passes it in). ``required`` overrides the setting (``ANDANH_REQUIRE_KEY``, on in deployed mode).
    """
    from pipelines.settings import get_settings

    settings = get_settings()
    key = key or passed_key("pseudonym")
    if key:
        return decode_key(key, "the pseudonym key passed in")
    if settings.pseudonym_key and settings.pseudonym_key.get_secret_value():
        return decode_key(settings.pseudonym_key.get_secret_value(), KEY_ENV)
    needed = settings.key_required if required is None else required
    if needed:
        raise PseudonymKeyError(f"{KEY_ENV} is not set and a key is required ({REQUIRE_ENV}=1 or deployed mode); "
                                "generate one with `andanh keys init` and keep it outside the data root")
    return embedded_key(workdir)


def embedded_key(workdir: Workdir) -> bytes:
    """Embedded mode only: the key file in the restricted zone, generated (0600) on first use."""
    path = workdir.vault / EMBEDDED_KEY_FILE
    if not path.exists():
        write_private_bytes(path, (new_key_text() + "\n").encode("ascii"))
        warn(f"generated a pseudonym key in {path} (embedded mode). It lives inside the data root it protects: "
             f"for real data set {KEY_ENV} from a secret store and {REQUIRE_ENV}=1.")
    else:
        warn(f"using the generated pseudonym key in {path} (embedded mode); set {KEY_ENV} for real data.")
    return decode_key(path.read_text(encoding="ascii"), str(path))


AIRFLOW_KEY_ID = "andanh_pseudonym_key"
AIRFLOW_VAULT_KEY_ID = "andanh_vault_key"
_passed: dict[str, contextvars.ContextVar[str | None]] = {
    kind: contextvars.ContextVar(f"andanh_{kind}_key", default=None) for kind in ("pseudonym", "vault")}


@contextlib.contextmanager
def using_keys(pseudonym: str | None = None, vault: str | None = None) -> Iterator[None]:
    """Keys task code passes in (e.g. from Airflow) for the stage calls inside the block; they win over
    the environment. Per context (thread / task), so concurrent tasks do not see each other's keys."""
    tokens = {kind: _passed[kind].set(value) for kind, value in (("pseudonym", pseudonym), ("vault", vault))}
    try:
        yield
    finally:
        for kind, token in tokens.items():
            _passed[kind].reset(token)


def passed_key(kind: str) -> str | None:
    """The key text passed in with :func:`using_keys` for ``kind`` (pseudonym / vault), if any."""
    return _passed[kind].get()


def pseudonym_key_from_airflow(conn_id: str = AIRFLOW_KEY_ID, variable: str = AIRFLOW_KEY_ID) -> str | None:
    """Inside an Airflow task: the key text from the Connection ``conn_id`` (its password) or else the
    Variable ``variable``; None when neither exists or Airflow is not there. Task code passes the result
    in (:func:`using_keys`, or ``master_key(key=...)``), so the key need not be in the worker's environment.
    The same function reads the custodian key: ``pseudonym_key_from_airflow(AIRFLOW_VAULT_KEY_ID, ...)``."""
    try:
        from airflow.sdk import Connection, Variable
    except ImportError:
        return None
    try:
        password = Connection.get(conn_id).password
        if password:
            return password
    except Exception:  # noqa: BLE001 - no such connection (or no task context): try the Variable
        pass
    try:
        return Variable.get(variable, default=None)
    except Exception:  # noqa: BLE001 - no such variable, or not inside a task
        return None


# --- per-project keys and crypto-shredding ---------------------------------------------------------

PROJECT_KEYS_DIR = "keys/projects"  # under restricted/
SHREDDED_FILE = "keys/shredded.json"
_PROJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class ProjectShredded(PseudonymKeyError):
    """The project's pseudonym scope was crypto-shredded: its key can no longer be derived."""


def _project_salt_path(workdir: Workdir, project: str) -> Path:
    if not _PROJECT_ID.fullmatch(project):
        raise ValueError("a project id is 1-64 letters, digits, '.', '_' or '-'")
    return workdir.restricted / PROJECT_KEYS_DIR / f"{project}.salt"


def shredded_projects(workdir: Workdir) -> dict[str, str]:
    """Shredded project ids and when (ISO time, UTC)."""
    import json
    path = workdir.restricted / SHREDDED_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def project_key(workdir: Workdir, master: bytes, project: str, domain: str = "person") -> bytes:
    """The key of a research project's pseudonym scope: HKDF of the master key with the project id
    and a random per-project salt kept in ``restricted/keys/projects/`` (0600, made on first use).
    Destroying that salt (:func:`shred_project`) makes the key, and so the project's tokens,
    impossible to derive again, even with the master key."""
    if project in shredded_projects(workdir):
        raise ProjectShredded(f"project {project!r} was crypto-shredded; its pseudonym scope no longer exists")
    path = _project_salt_path(workdir, project)
    if not path.exists():
        write_private_bytes(path, secrets.token_bytes(32))
    salt = path.read_bytes()
    return derive_key(master, domain, scope=f"project\x1f{project}\x1f{salt.hex()}")


def shred_project(workdir: Workdir, project: str) -> bool:
    """Destroy the project's salt (overwritten, then removed) and record the project as shredded.
    Returns whether a salt existed. Irreversible by design."""
    import datetime as dt
    import json
    import os

    path = _project_salt_path(workdir, project)
    existed = path.exists()
    if existed:
        with open(path, "r+b") as fh:  # overwrite in place before unlinking (best effort on journaling fs)
            fh.write(secrets.token_bytes(max(32, path.stat().st_size)))
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
    done = shredded_projects(workdir) | {project: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    write_private_bytes(workdir.restricted / SHREDDED_FILE, json.dumps(done, sort_keys=True).encode())
    return existed
