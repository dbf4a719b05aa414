"""Signatures and checksums: `andanh verify` passes an untouched release and names every changed byte."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from pipelines.publish import publish_release
from pipelines.publish.signing import SigningKeyError, embedded_key_path, key_id, parse_private_key
from pipelines.publish.verify import verify_release
from tests.publish_fixtures import spec, tables

ANDANH = [sys.executable, "-m", "pipelines.cli"]


@pytest.fixture
def release(workdir):
    return publish_release(workdir, spec(), "v1", tables(), metadata={}).path


def andanh_verify(path, *extra):
    return subprocess.run(ANDANH + ["verify", str(path), *extra], capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": os.getcwd()})


def writable(path):
    os.chmod(path, 0o644)
    return path


def test_untouched_release_verifies_with_exit_0(release):
    done = andanh_verify(release)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout and "signature: valid" in done.stdout
    assert andanh_verify(release.parent).returncode == 0  # a dataset folder: its LATEST release


def test_one_changed_byte_is_named(release):
    target = next(release.rglob("*.parquet"))
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    writable(target).write_bytes(bytes(data))
    done = andanh_verify(release)
    assert done.returncode == 1
    assert f"changed: {target.relative_to(release).as_posix()}" in done.stdout


def test_missing_and_extra_files_are_named(release):
    dictionary = release / "DATA_DICTIONARY.md"
    dictionary.unlink()
    (release / "national" / "sneaked.parquet").write_bytes(b"PAR1")
    result = verify_release(release)
    assert not result.ok and result.missing == ["DATA_DICTIONARY.md"] and result.extra == ["national/sneaked.parquet"]
    done = andanh_verify(release, "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["missing"] == ["DATA_DICTIONARY.md"]


def test_an_edited_manifest_breaks_the_signature(release):
    manifest = writable(release / "manifest.json")
    m = json.loads(manifest.read_text())
    m["tables"]["by_province"]["suppressed_cells"] = 0
    manifest.write_text(json.dumps(m))
    assert verify_release(release).signature == "invalid"
    (release / "manifest.json.sig").unlink()
    result = verify_release(release)
    assert not result.ok and "manifest.json.sig" in result.missing


def test_a_resigned_release_fails_against_the_pinned_key(release, tmp_path):
    """An attacker who re-signs with their own key and ships it is caught when the signer is pinned."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from pipelines.publish.signing import public_pem, sign
    genuine = (release / "signing_key.pub").read_bytes()
    pinned = tmp_path / "andanh.pub"
    pinned.write_bytes(genuine)
    rogue = Ed25519PrivateKey.generate()
    m = json.loads((release / "manifest.json").read_text())
    m["signature"]["key_id"] = key_id(rogue)
    m["files"]["signing_key.pub"]["sha256"] = __import__("hashlib").sha256(public_pem(rogue)).hexdigest()
    m["files"]["signing_key.pub"]["bytes"] = len(public_pem(rogue))
    data = json.dumps(m).encode()
    writable(release / "manifest.json").write_bytes(data)
    writable(release / "manifest.json.sig").write_bytes(sign(rogue, data))
    writable(release / "signing_key.pub").write_bytes(public_pem(rogue))
    assert verify_release(release).ok  # self-consistent ...
    done = andanh_verify(release, "--public-key", str(pinned))
    assert done.returncode == 1 and "signature: invalid" in done.stdout  # ... but not by our key


def test_signing_key_from_the_environment(workdir, monkeypatch):
    secret = "11" * 32
    monkeypatch.setenv("ANDANH_SIGNING_KEY", secret)
    path = publish_release(workdir, spec(), "v1", tables(), metadata={}).path
    m = json.loads((path / "manifest.json").read_text())
    assert m["signature"]["key_id"] == key_id(parse_private_key(secret))
    assert not embedded_key_path(workdir).exists()
    assert secret not in "".join(p.read_text(errors="ignore") for p in path.rglob("*") if p.is_file())


def test_embedded_key_is_generated_once_0600(workdir):
    first = publish_release(workdir, spec(), "v1", tables(), metadata={})
    key_file = embedded_key_path(workdir)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = key_file.read_bytes()
    publish_release(workdir, spec(), "v2", tables(scale=2), metadata={})
    assert key_file.read_bytes() == content
    assert json.loads((first.path.parent / "v2" / "manifest.json").read_text())["signature"]["key_id"] == \
        json.loads((workdir.published / "_archive" / "encounters" / "v1" / "manifest.json").read_text())[
            "signature"]["key_id"]


def test_deployed_mode_without_a_key_publishes_nothing(workdir, monkeypatch):
    monkeypatch.setenv("ANDANH_REQUIRE_KEY", "1")
    with pytest.raises(SigningKeyError, match="ANDANH_SIGNING_KEY"):
        publish_release(workdir, spec(), "v1", tables(), metadata={})
    assert not list(workdir.published.iterdir())


@pytest.mark.parametrize("bad", ["abc", "zz" * 32, "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"])
def test_a_malformed_key_is_refused_without_echoing_it(bad):
    with pytest.raises(SigningKeyError) as info:
        parse_private_key(bad)
    assert bad not in str(info.value)
