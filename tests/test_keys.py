"""Keys decode strictly, derive per domain and scope, are traceable by id; the vault re-identifies with a log."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3

import pytest

from pipelines.cli import main
from pipelines.deidentify import keys
from pipelines.deidentify.keys import PseudonymKeyError, decode_key, derive_key, key_id, master_key
from pipelines.deidentify.vault import (
    VaultError, VaultKeyMissing, record_tokens, reidentify, vault_path,
)
from pipelines.ledger import Ledger

GOOD_HEX = "5f1c8e2a9b7d4063a1e0c4b8d2f6e9a1370b5c8d4e2f6a9b1c3d5e7f9a0b2c4d"
GOOD_B64 = base64.b64encode(bytes.fromhex(GOOD_HEX)).decode()
VAULT_KEY = "9e4d2b7a1c6f0385e2d9b4a7c1f6e0839d5b2a8c7e1f4063b9d2e5a8c1f7b304"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("ANDANH_PSEUDONYM_KEY", "ANDANH_REQUIRE_KEY", "ANDANH_MODE", "ANDANH_VAULT_KEY"):
        monkeypatch.delenv(name, raising=False)
    keys._warned.clear()


# --- decoding ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [GOOD_HEX, GOOD_HEX.upper(), GOOD_B64, GOOD_B64 + "\n",
                                  base64.urlsafe_b64encode(bytes.fromhex(GOOD_HEX)).decode(),
                                  base64.b64encode(hashlib.sha384(b"andanh-test-key").digest()).decode()])
def test_good_keys_decode(text):
    key = decode_key(text)
    assert len(key) >= 32


def test_hex_and_base64_of_the_same_bytes_are_the_same_key():
    assert decode_key(GOOD_HEX) == decode_key(GOOD_B64) == bytes.fromhex(GOOD_HEX)


WEAK = {
    "empty": "",
    "pass phrase": "correct horse battery staple correct horse",
    "pass phrase as base64": "correcthorsebatterystaplecorrecthorsebattery",
    "all zero": "00" * 32,
    "one byte repeated": "ab" * 32,
    "short pattern": "0123456789abcdef" * 4,
    "too short hex": GOOD_HEX[:62],
    "too short base64": base64.b64encode(bytes.fromhex(GOOD_HEX)[:31]).decode(),
    "base64 without padding": GOOD_B64.rstrip("="),
    "base64 stray bits": GOOD_B64[:-2] + "1=",
    "base64 bad character": GOOD_B64[:10] + "!" + GOOD_B64[11:],
    "odd hex": GOOD_HEX + "a",
    "base64 zero key": base64.b64encode(bytes(32)).decode(),
}


@pytest.mark.parametrize("name", list(WEAK))
def test_weak_or_sloppy_keys_are_refused_without_echoing_them(name):
    with pytest.raises(PseudonymKeyError) as raised:
        decode_key(WEAK[name], "ANDANH_PSEUDONYM_KEY")
    assert "ANDANH_PSEUDONYM_KEY" in str(raised.value)
    if len(WEAK[name]) > 8:
        assert WEAK[name] not in str(raised.value)


def test_generated_keys_pass_the_checks():
    texts = {keys.new_key_text() for _ in range(50)}
    assert len(texts) == 50 and all(len(decode_key(t)) == 32 for t in texts)


# --- derivation and ids ------------------------------------------------------------------------

def test_derived_keys_differ_per_domain_and_scope():
    master = decode_key(GOOD_HEX)
    derived = {(d, s): derive_key(master, d, s) for d in ("episode", "person", "staff", "date_shift")
               for s in (None, "release-2025-01", "project-hiv-42")}
    assert len(set(derived.values())) == len(derived)
    assert all(len(k) == 32 for k in derived.values())
    assert derive_key(master, "person") == derive_key(master, "person", "default") == derive_key(master, "person", None)
    assert derive_key(master, "dateshift") == derive_key(master, "date_shift")
    assert derive_key(master, "person") == derive_key(decode_key(GOOD_B64), "person")  # stable across runs


def test_tokens_of_two_scopes_never_join():
    master = decode_key(GOOD_HEX)
    people = [f"0010850{i:05d}" for i in range(2000)]
    tokens = {scope: {hmac.new(derive_key(master, "person", scope), p.encode(), hashlib.sha256).hexdigest()
                      for p in people} for scope in ("project-a", "project-b")}
    assert not tokens["project-a"] & tokens["project-b"]


def test_unknown_domain_is_an_error():
    with pytest.raises(ValueError, match="unknown key domain 'persn'"):
        derive_key(decode_key(GOOD_HEX), "persn")


def test_key_id_is_a_stable_one_way_fingerprint():
    a, b = decode_key(GOOD_HEX), decode_key(VAULT_KEY)
    assert key_id(a) == key_id(a) != key_id(b)
    assert key_id(a).startswith("k-") and len(key_id(a)) == 18
    assert GOOD_HEX[:16] not in key_id(a)


# --- where the key comes from ------------------------------------------------------------------

def test_key_passed_in_wins(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", VAULT_KEY)
    assert master_key(workdir, key=GOOD_HEX) == bytes.fromhex(GOOD_HEX)
    assert master_key(workdir) == bytes.fromhex(VAULT_KEY)


def test_required_key_is_never_generated(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_REQUIRE_KEY", "1")
    with pytest.raises(PseudonymKeyError, match="required"):
        master_key(workdir)
    assert not (workdir.vault / keys.EMBEDDED_KEY_FILE).exists()


def test_deployed_mode_requires_a_key_and_ignores_an_embedded_file(workdir, monkeypatch, tmp_path):
    master_key(workdir)  # embedded: generated
    monkeypatch.setenv("ANDANH_MODE", "deployed")
    monkeypatch.setenv("ANDANH_WORKDIR", str(tmp_path))
    with pytest.raises(PseudonymKeyError, match="required"):
        master_key(workdir)


def test_embedded_key_is_generated_loudly_once_and_kept(workdir, capsys):
    first = master_key(workdir)
    err = capsys.readouterr().err
    assert "WARNING" in err and "generated a pseudonym key" in err and "ANDANH_PSEUDONYM_KEY" in err
    assert master_key(workdir) == first
    assert (workdir.vault / keys.EMBEDDED_KEY_FILE).stat().st_mode & 0o777 == 0o600


# --- andanh keys -------------------------------------------------------------------------------

def test_keys_init_prints_a_good_key_and_its_id(workdir, capsys):
    assert main(["keys", "init", "--workdir", str(workdir.root)]) == 0
    out, err = capsys.readouterr()
    key = decode_key(out.strip())
    assert key_id(key) in err
    assert not (workdir.vault / keys.EMBEDDED_KEY_FILE).exists()


def test_keys_init_out_file_is_private_and_never_overwritten(workdir, tmp_path, capsys):
    target = tmp_path / "andanh.key"
    assert main(["keys", "init", "--out", str(target), "--workdir", str(workdir.root)]) == 0
    assert target.stat().st_mode & 0o777 == 0o600 and decode_key(target.read_text())
    assert capsys.readouterr().out == ""
    assert main(["keys", "init", "--out", str(target), "--workdir", str(workdir.root)]) == 1


def test_keys_fingerprint_and_rotate_are_traceable(workdir, monkeypatch, capsys):
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", GOOD_HEX)
    assert main(["keys", "fingerprint", "--workdir", str(workdir.root)]) == 0
    assert capsys.readouterr().out.strip() == key_id(bytes.fromhex(GOOD_HEX))
    assert main(["keys", "rotate", "--workdir", str(workdir.root)]) == 0
    new_key = decode_key(capsys.readouterr().out.strip())
    entry = next(e for e in Ledger(workdir.ledger_url()).entries("keys"))
    assert entry.details == {"kind": "pseudonym", "previous_key_id": key_id(bytes.fromhex(GOOD_HEX)),
                             "key_id": key_id(new_key)}


def test_keys_embedded_is_refused_when_a_key_is_required(workdir, monkeypatch, capsys):
    monkeypatch.setenv("ANDANH_REQUIRE_KEY", "1")
    assert main(["keys", "init", "--embedded", "--workdir", str(workdir.root)]) == 1
    assert "required" in capsys.readouterr().err
    assert not (workdir.vault / keys.EMBEDDED_KEY_FILE).exists()


def test_keys_fingerprint_of_a_weak_key_fails(workdir, monkeypatch, capsys):
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", "00" * 32)
    assert main(["keys", "fingerprint", "--workdir", str(workdir.root)]) == 1
    assert "00" * 32 not in capsys.readouterr().err


# --- the re-identification vault ---------------------------------------------------------------

PAIRS = [("P4KQ2M7N5R3S6T2V", "001085012345"), ("P7ZX2C3V4B5N6M7Q", "079190054321")]


def test_recording_tokens_needs_the_custodian_key(workdir):
    with pytest.raises(VaultKeyMissing, match="ANDANH_VAULT_KEY"):
        record_tokens(workdir, "b1", "person", PAIRS)


def test_vault_round_trip_is_logged_without_the_value(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_VAULT_KEY", VAULT_KEY)
    assert record_tokens(workdir, "b1", "person", PAIRS) == 2
    assert record_tokens(workdir, "b2", "person", PAIRS) == 0  # the same token keeps its first entry
    found = reidentify(workdir, "P4KQ2M7N5R3S6T2V", "patient asked to be re-contacted (ticket 42)")
    assert (found.value, found.domain, found.batch_id) == ("001085012345", "person", "b1")
    entry = next(e for e in Ledger(workdir.ledger_url()).entries("b1") if e.stage == "reidentify")
    assert entry.details["token"] == "P4KQ2M7N5R3S6T2V" and entry.details["outcome"] == "re-identified"
    assert entry.details["reason"].startswith("patient asked") and entry.details["custodian_key_id"]
    assert "001085012345" not in json.dumps(entry.details)


def test_vault_file_is_private_encrypted_and_in_the_restricted_zone(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_VAULT_KEY", VAULT_KEY)
    record_tokens(workdir, "b1", "person", PAIRS)
    path = vault_path(workdir)
    assert workdir.restricted in path.parents and path.stat().st_mode & 0o777 == 0o600
    raw = path.read_bytes()
    assert b"001085012345" not in raw and b"079190054321" not in raw
    with sqlite3.connect(path) as con:  # ciphertexts cannot be swapped between tokens (token is in the AAD)
        a, b = con.execute("SELECT ciphertext, nonce FROM tokens ORDER BY token").fetchall()
        con.execute("UPDATE tokens SET ciphertext = ?, nonce = ? WHERE token = ?", (b[0], b[1], PAIRS[0][0]))
    with pytest.raises(VaultError, match="does not open"):
        reidentify(workdir, PAIRS[0][0], "checking a swapped ciphertext")


def test_wrong_custodian_key_and_unknown_tokens_are_refused_and_logged(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_VAULT_KEY", VAULT_KEY)
    record_tokens(workdir, "b1", "person", PAIRS)
    monkeypatch.setenv("ANDANH_VAULT_KEY", GOOD_HEX)
    with pytest.raises(VaultError, match="does not open"):
        reidentify(workdir, PAIRS[0][0], "an attempt with another key")
    with pytest.raises(VaultError, match="not found"):
        reidentify(workdir, "PNOTATOKEN", "an attempt with a made-up token")
    outcomes = sorted(e.details["outcome"] for e in Ledger(workdir.ledger_url()).entries() if e.stage == "reidentify")
    assert outcomes == ["not found", "wrong custodian key"]
    monkeypatch.delenv("ANDANH_VAULT_KEY")
    with pytest.raises(VaultKeyMissing):
        reidentify(workdir, PAIRS[0][0], "an attempt without the key")
    with pytest.raises(ValueError, match="reason"):
        reidentify(workdir, PAIRS[0][0], "why")


def test_reidentify_command(workdir, monkeypatch, capsys):
    monkeypatch.setenv("ANDANH_VAULT_KEY", VAULT_KEY)
    record_tokens(workdir, "b1", "person", PAIRS)
    assert main(["reidentify", "--token", PAIRS[1][0], "--reason", "re-contact for a recall (ticket 7)",
                 "--workdir", str(workdir.root)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == PAIRS[1][1] and PAIRS[1][1] not in err
    monkeypatch.delenv("ANDANH_VAULT_KEY")
    assert main(["reidentify", "--token", PAIRS[1][0], "--reason", "re-contact for a recall (ticket 7)",
                 "--workdir", str(workdir.root)]) == 1


@pytest.mark.airflow
@pytest.mark.slow
def test_key_from_an_airflow_connection_or_variable(monkeypatch):
    from pipelines.deidentify.keys import pseudonym_key_from_airflow

    monkeypatch.setenv("AIRFLOW_VAR_ANDANH_PSEUDONYM_KEY", GOOD_B64)
    assert pseudonym_key_from_airflow() == GOOD_B64
    monkeypatch.setenv("AIRFLOW_CONN_ANDANH_PSEUDONYM_KEY", json.dumps({"conn_type": "generic", "password": GOOD_HEX}))
    assert pseudonym_key_from_airflow() == GOOD_HEX  # the Connection wins
    assert decode_key(pseudonym_key_from_airflow()) == bytes.fromhex(GOOD_HEX)


def test_keys_passed_in_by_task_code_win_and_stay_in_their_block(workdir, monkeypatch):
    from pipelines.deidentify.keys import using_keys

    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", VAULT_KEY)
    with using_keys(pseudonym=GOOD_HEX, vault=VAULT_KEY):
        assert master_key(workdir) == bytes.fromhex(GOOD_HEX)
        assert record_tokens(workdir, "b1", "person", PAIRS) == 2  # no ANDANH_VAULT_KEY in the environment
    assert master_key(workdir) == bytes.fromhex(VAULT_KEY)
    with pytest.raises(VaultKeyMissing):
        record_tokens(workdir, "b1", "person", PAIRS)
