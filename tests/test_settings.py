"""The one settings object: environment, overrides, deployed-mode checks and masked printing."""
from __future__ import annotations

import json

import pytest

from pipelines.cli import main
from pipelines.settings import SettingsError, get_settings


def test_environment_then_overrides(monkeypatch):
    monkeypatch.setenv("ANDANH_MIN_CELL", "12")
    monkeypatch.setenv("ANDANH_ERROR_THRESHOLD", "0.05")
    s = get_settings(min_cell=15)
    assert s.min_cell == 15 and s.error_threshold == 0.05


def test_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("ANDANH_MIN_CELL", "zero")
    with pytest.raises(SettingsError, match="ANDANH_MIN_CELL"):
        get_settings()


def test_deployed_mode_needs_an_absolute_root_and_a_key(monkeypatch, tmp_path):
    monkeypatch.setenv("ANDANH_MODE", "deployed")
    monkeypatch.setenv("ANDANH_WORKDIR", "relative/data")
    with pytest.raises(SettingsError, match="absolute"):
        get_settings()
    monkeypatch.setenv("ANDANH_WORKDIR", str(tmp_path))
    assert get_settings().key_required
    monkeypatch.setenv("ANDANH_REQUIRE_KEY", "0")
    assert not get_settings().key_required


def test_config_command_masks_secrets(monkeypatch, capsys):
    secret = "postgresql://andanh:s3cr3t-pw@db:5432/ledger"
    monkeypatch.setenv("ANDANH_LEDGER_URL", secret)
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", "ab" * 32)
    assert main(["config", "--json"]) == 0
    out = capsys.readouterr().out
    values = json.loads(out)
    assert values["ledger_url"] == "********" and values["pseudonym_key"] == "********"
    assert "s3cr3t" not in out and "abab" not in out
