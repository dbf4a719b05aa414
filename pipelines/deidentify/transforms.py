"""The one implementation of each transformation, shared by column actions and free-text operators.

A column action (``actions.py``) and a Presidio operator (``operators.py``) both call the objects
here, so a name pseudonymised in ``HO_TEN`` and the same name in a note give the same token, and a
date shifted in ``NGAY_VAO`` and in a note move by the same number of days.

- :func:`normalise` makes ``NGUYỄN VĂN AN`` / ``Nguyễn Văn  An`` / ``nguyen van an`` one value
  (kind ``name``) and card numbers with spaces, dots or dashes one value (kind ``id``);
- :class:`Keyring` derives one key per domain and scope from the master key;
- :class:`Pseudonymiser` is keyed HMAC-SHA-256 of the normalised value;
- :func:`shift_offset` is the per-person date offset (never zero), :func:`shift_date_text` and
  :func:`shift_dates` move ``yyyymmdd[HHMM]`` values by it (one value / a whole Arrow column);
- :class:`Surrogates` makes consistent readable fakes (same real value, same fake, per scope).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from random import Random
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc

PREFIX = {"episode": "E", "person": "P", "staff": "S", "name": "N", "other": "X"}
DOMAINS = tuple(PREFIX)
_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s.\-_/]+")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def normalise_name(value: str) -> str:
    """Case, diacritics and spacing do not matter: 'NGUYỄN VĂN AN' == 'nguyen van  an'."""
    return _SPACES.sub(" ", _strip_marks(value).casefold()).strip()


def normalise_id(value: str) -> str:
    """Identifiers compare without separators and case: 'HC4-01-1234567890' == 'hc4011234567890'."""
    return _SEPARATORS.sub("", value).upper()


def normalise_code(value: str) -> str:
    return value.strip().upper()


NORMALISERS: dict[str, Callable[[str], str]] = {"name": normalise_name, "id": normalise_id, "code": normalise_code}


def normalise(value: str, kind: str) -> str:
    return NORMALISERS[kind](value)


class Keyring:
    """Keys per domain and scope, derived from one master key (keys.py holds the derivation)."""

    def __init__(self, master: bytes, scope: str = "default"):
        self.scope = scope
        self._master = master
        self._keys: dict[str, bytes] = {}
        self.key_id = _key_id(master)

    def key(self, domain: str) -> bytes:
        if domain not in self._keys:
            self._keys[domain] = _derive(self._master, domain, self.scope)
        return self._keys[domain]


def _derive(master: bytes, domain: str, scope: str) -> bytes:
    from pipelines.deidentify import keys
    derive = getattr(keys, "derive_key", None)
    if derive is not None:
        return derive(master, domain, scope)
    base = keys.domain_key(master, domain)  # before keys.derive_key exists: scope folded in here
    return base if scope == "default" else hmac.new(base, f"scope/{scope}".encode(), hashlib.sha256).digest()


def _key_id(master: bytes) -> str:
    from pipelines.deidentify import keys
    fingerprint = getattr(keys, "key_id", None) or getattr(keys, "fingerprint", None)
    if fingerprint is not None:
        return fingerprint(master)
    return hashlib.sha256(b"andanh/key-id/" + master).hexdigest()[:16]


class Pseudonymiser:
    """Keyed HMAC-SHA-256 of the normalised value: ``<prefix><16 base32 chars>``, stable per key and scope."""

    def __init__(self, keyring: Keyring):
        self.keyring = keyring
        self._cache: dict[tuple[str, str, str], str] = {}

    def token(self, domain: str, value: str, normaliser: str = "id", scope_value: str | None = None) -> str:
        cache_key = (domain, normaliser, value, scope_value)  # as received: a hit skips normalising too
        cached = self._cache.get(cache_key)
        if cached is None:
            norm = normalise(value, normaliser)
            message = norm if scope_value is None else f"{normalise_code(scope_value)}\x1f{norm}"
            digest = hmac.new(self.keyring.key(domain), message.encode("utf-8"), hashlib.sha256).digest()
            cached = PREFIX[domain] + base64.b32encode(digest[:10]).decode("ascii")
            if len(self._cache) < 4_000_000:
                self._cache[cache_key] = cached
        return cached

    def digest_int(self, domain: str, message: str) -> int:
        return int.from_bytes(hmac.new(self.keyring.key(domain), message.encode("utf-8"), hashlib.sha256)
                              .digest()[:8], "big")


def shift_offset(pseudonymiser: Pseudonymiser, person_source: str, max_days: int) -> int:
    """One offset per person in [-max_days, -1] U [1, max_days], from a keyed HMAC (never zero)."""
    h = pseudonymiser.digest_int("dateshift", person_source) % (2 * max_days)
    return h - max_days if h < max_days else h - max_days + 1


def shift_date_text(value: str, days: int) -> str | None:
    """'yyyymmdd' or 'yyyymmddHHMM' moved by ``days``, same format; None when it is not a real date."""
    text = value.strip()
    try:
        if len(text) == 12:
            return (datetime.strptime(text, "%Y%m%d%H%M") + timedelta(days=days)).strftime("%Y%m%d%H%M")
        if len(text) == 8:
            return (datetime.strptime(text, "%Y%m%d") + timedelta(days=days)).strftime("%Y%m%d")
    except ValueError:
        return None
    return None


def shift_day(day: date, days: int) -> date:
    return day + timedelta(days=days)


def shift_dates(values: pa.Array, offsets: pa.Array) -> pa.Array:
    """A column of 'yyyymmdd[HHMM]' strings, each moved by its row's offset in days (vectorised)."""
    values = pc.utf8_trim_whitespace(values.cast(pa.string()))
    lengths = pc.utf8_length(values)
    seconds = pc.multiply(offsets.cast(pa.int64()), 86400).cast(pa.duration("s"))
    out = pa.nulls(len(values), pa.string())
    for width, fmt in ((12, "%Y%m%d%H%M"), (8, "%Y%m%d")):
        mask = pc.fill_null(pc.equal(lengths, width), False)
        parsed = pc.strptime(pc.if_else(mask, values, None), format=fmt, unit="s", error_is_null=True)
        moved = pc.strftime(pc.add(parsed, seconds), format=fmt)
        out = pc.if_else(mask, moved, out)
    return out


# --------------------------------------------------------------------------------------------
# Surrogates: readable fakes in valid shapes, the same for the same real value within a scope.
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _province_codes() -> tuple[str, ...]:
    from pipelines.reference import provinces_63
    return tuple(p["old_code"] for p in provinces_63())


class Surrogates:
    """Consistent fakes: a seeded RNG per (entity type, normalised real value) under the surrogate key."""

    def __init__(self, pseudonymiser: Pseudonymiser):
        self.p = pseudonymiser
        self._cache: dict[tuple[str, str], str] = {}

    def _rng(self, kind: str, norm: str) -> Random:
        return Random(self.p.digest_int("surrogate", f"{kind}\x1f{norm}"))

    def fake(self, entity_type: str, real: str) -> str:
        maker = getattr(self, "_" + entity_type.lower(), None)
        if maker is None:
            raise KeyError(f"no surrogate for entity type {entity_type}")
        norm = normalise_name(real) if entity_type in ("PERSON", "VN_ADDRESS") else normalise_id(real)
        key = (entity_type, norm)
        if key not in self._cache:
            self._cache[key] = maker(self._rng(entity_type, norm), real)
        fake = self._cache[key]
        return fake.upper() if entity_type == "PERSON" and real.isupper() else fake

    @staticmethod
    def _person(rng: Random, real: str) -> str:
        from pipelines.synth.names import person_name
        female = " thi " in f" {normalise_name(real)} "
        name = person_name(rng, not female, 1950 + int(rng.random() * 60), _pick(rng, _province_codes()))
        return name.full

    @staticmethod
    def _phone_number(rng: Random, real: str) -> str:
        from pipelines.synth.people import mobile_number
        return mobile_number(rng)

    @staticmethod
    def _vn_cccd(rng: Random, real: str) -> str:
        from pipelines.synth.people import cccd_number
        digits = normalise_id(real)
        if len(digits) == 9:
            return f"{int(rng.random() * 389_999_999) + 10_000_000:09d}"
        return cccd_number(rng, _pick(rng, _province_codes()), 1940 + int(rng.random() * 80), rng.random() < 0.5)

    @staticmethod
    def _vn_bhxh(rng: Random, real: str) -> str:
        return f"{_pick(rng, _province_codes())}{int(rng.random() * 100_000_000):08d}"

    @classmethod
    def _vn_bhyt(cls, rng: Random, real: str) -> str:
        from pipelines.synth.people import CARD_GROUPS
        return f"{_pick(rng, CARD_GROUPS)}{1 + int(rng.random() * 5)}{_pick(rng, _province_codes())}" + \
            cls._vn_bhxh(rng, real)

    @staticmethod
    def _vn_address(rng: Random, real: str) -> str:
        from pipelines.synth.people import STREETS
        return f"số {1 + int(rng.random() * 300)} đường {_pick(rng, STREETS)}"

    @staticmethod
    def _email_address(rng: Random, real: str) -> str:
        return f"nguoidung{int(rng.random() * 1_000_000):06d}@example.vn"

    @staticmethod
    def _vn_patient_id(rng: Random, real: str) -> str:
        return f"BN{int(rng.random() * 1_000_000):06d}"

    @staticmethod
    def _vn_staff_id(rng: Random, real: str) -> str:
        return f"{1 + int(rng.random() * 99_999):06d}/BYT-CCHN"


def _pick(rng: Random, seq):
    return seq[int(rng.random() * len(seq))]


# --------------------------------------------------------------------------------------------
# Per distinct value over Arrow columns (never a Python loop per row).
# --------------------------------------------------------------------------------------------

def map_distinct(values: pa.Array | pa.ChunkedArray, func: Callable[[str], str | None]) -> pa.Array:
    """``func`` applied once per distinct non-null value, the results spread back to every row."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(array.cast(pa.string()))  # one hashing pass: distinct values + row indices
    mapped = pa.array([func(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(mapped, encoded.indices)


def map_distinct_scoped(values: pa.Array, scope: pa.Array, func: Callable[[str, str | None], str | None]) -> pa.Array:
    """Like :func:`map_distinct` over distinct (scope, value) pairs (pairs found on integer codes)."""
    v = pc.dictionary_encode(values.cast(pa.string()))
    s = pc.dictionary_encode(pc.fill_null(scope.cast(pa.string()), "\x00"))
    width = max(len(s.dictionary), 1)
    key = pc.add(pc.multiply(v.indices.cast(pa.int64()), width), s.indices.cast(pa.int64()))
    distinct = pc.drop_null(pc.unique(key))
    names, scopes = v.dictionary.to_pylist(), s.dictionary.to_pylist()
    mapped = pa.array([func(names[k // width], None if scopes[k % width] == "\x00" else scopes[k % width])
                       for k in distinct.to_pylist()], pa.string())
    return pc.take(mapped, pc.index_in(key, value_set=distinct))
