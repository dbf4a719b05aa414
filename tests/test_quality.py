"""Validate stage: suites from the registry, quarantine of whole episodes, ledger, gate, report."""
from __future__ import annotations

import dataclasses
import json
import runpy
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipelines.ingest import FileResult, write_manifest_entry
from pipelines.ingest.staging import StagingWriter
from pipelines.ledger import Ledger
from pipelines.quality import (ORPHAN_RULE, QualityGateError, SuiteError, build_suite, enforce_gate,
                               load_suite, validate_batch)
from pipelines.quality.examples import example_row
from pipelines.quality.validated import read_validated
from pipelines.schema import EPISODE_TABLES, load_schema
from pipelines.workdir import Workdir, sha256_file

REPO = Path(__file__).resolve().parents[1]
BATCH = "btestquality0001"
GOOD = [f"LK_GOOD_{i:02d}" for i in range(20)]
FAKE_NAME = "NGUYEN VAN KIEMTRA"  # must never reach the report or the logs
CHILDREN = {"xml2": 2, "xml3": 1, "xml4": 1, "xml5": 1}


class StagedBatch:
    """Writes rows straight into staging with the real StagingWriter, plus the batch manifest."""

    def __init__(self, workdir: Workdir, batch_id: str = BATCH, schema=None):
        self.workdir, self.batch_id, self.schema = workdir, batch_id, schema or load_schema()

    def write(self, name: str, rows: dict[str, list[dict]]) -> None:
        writer = StagingWriter(self.workdir, name=name, source_file=f"{name}.xml", source_sha256=name,
                               batch_id=self.batch_id, schema=self.schema)
        hoso_of: dict[str, int] = {}  # one HOSO per MA_LK, as the XML parser stages them
        for table_id, table_rows in rows.items():
            for row in table_rows:
                writer.add(table_id, row, hoso_index=hoso_of.setdefault(row["MA_LK"], len(hoso_of) + 1))
        result = FileResult(path=f"/in/{name}.xml", sha256=name, kind="xml", staged=writer.commit())
        write_manifest_entry(self.workdir, self.batch_id, "/in", result)


def episode(ma_lk: str, **xml1_overrides) -> dict[str, list[dict]]:
    xml1 = example_row("xml1", ma_lk) | {"HO_TEN": FAKE_NAME} | xml1_overrides
    rows = {"xml1": [xml1]}
    for table_id, n in CHILDREN.items():
        rows[table_id] = [example_row(table_id, ma_lk, stt=i + 1) for i in range(n)]
    return rows


def merge(*parts: dict[str, list[dict]]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for part in parts:
        for table_id, rows in part.items():
            out.setdefault(table_id, []).extend(rows)
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """20 good episodes, 1 with a warning only, 6 bad ones and an orphan child row, in two files.

    Validated once per module (GE costs a few seconds per run); tests only read the outputs, and the
    idempotency test re-runs it and must leave everything as it was."""
    workdir = Workdir.at(tmp_path_factory.mktemp("quality") / "data").ensure()
    staged = StagedBatch(workdir)
    bad_date = episode("LK_BAD_DATE")
    bad_date["xml2"][1]["NGAY_YL"] = "2024-07-01"
    duplicate = merge(episode("LK_DUP"), {"xml1": [example_row("xml1", "LK_DUP")]})
    orphan = {"xml3": [example_row("xml3", "LK_NO_PARENT")]}
    staged.write("file_a", merge(*(episode(k) for k in GOOD[:10]), episode("LK_WARN", HO_TEN="A" * 300),
                                 episode("LK_MISSING", NGAY_RA=""), bad_date,
                                 episode("LK_BAD_ORDER", NGAY_VAO_NOI_TRU="202406011230")))
    staged.write("file_b", merge(*(episode(k) for k in GOOD[10:]), episode("LK_BAD_CODE", GIOI_TINH="9"),
                                 episode("LK_NO_SEX", GIOI_TINH=None), duplicate, orphan))
    return workdir


@pytest.fixture(scope="module")
def summary(batch):
    return validate_batch(batch, BATCH)


def read(workdir: Workdir, zone: str, table_id: str) -> pd.DataFrame:
    if zone == "validated":
        return read_validated(workdir, BATCH, table_id).to_pandas()
    return pd.read_parquet(getattr(workdir, zone) / BATCH / f"{table_id}.parquet")


def rules_of(quarantine: pd.DataFrame, ma_lk: str) -> set[str]:
    rows = quarantine[quarantine["MA_LK"] == ma_lk]
    return set(";".join(rows["_rule_ids"]).split(";"))


BAD = {"LK_MISSING": "xml1.NGAY_RA.required", "LK_BAD_DATE": "xml2.NGAY_YL.format",
       "LK_BAD_CODE": "xml1.GIOI_TINH.code_list", "LK_NO_SEX": "xml1.GIOI_TINH.required",
       "LK_DUP": "xml1.MA_LK.unique", "LK_BAD_ORDER": "xml1.NGAY_VAO_NOI_TRU.not_before_NGAY_VAO"}


def test_bad_episodes_are_quarantined_whole_and_good_ones_pass(batch, summary):
    xml1_q, xml2_q = read(batch, "quarantine", "xml1"), read(batch, "quarantine", "xml2")
    for ma_lk, rule in BAD.items():
        assert rule in set(xml1_q.loc[xml1_q["MA_LK"] == ma_lk, "_episode_rule_ids"].str.split(";").sum())
        for table_id in EPISODE_TABLES:  # every row of the episode, in every table
            validated = read(batch, "validated", table_id)
            assert ma_lk not in set(validated["MA_LK"]), (ma_lk, table_id)
    assert rules_of(xml2_q, "LK_BAD_DATE") == {"xml2.NGAY_YL.format", "xml.episode_quarantined"}
    assert rules_of(xml1_q, "LK_BAD_DATE") == {"xml.episode_quarantined"}
    assert rules_of(xml1_q, "LK_BAD_CODE") == {"xml1.GIOI_TINH.code_list"}
    assert set(xml1_q.loc[xml1_q["MA_LK"] == "LK_BAD_ORDER", "_failing_fields"]) == {"NGAY_VAO_NOI_TRU;NGAY_VAO"}
    assert set(xml1_q.loc[xml1_q["MA_LK"] == "LK_BAD_CODE", "_failing_fields"]) == {"GIOI_TINH"}
    assert (xml1_q["MA_LK"] == "LK_DUP").sum() == 2
    assert (xml2_q["MA_LK"] == "LK_DUP").sum() == CHILDREN["xml2"]
    assert set(xml1_q["_batch_id"]) == {BATCH}

    xml3_q = read(batch, "quarantine", "xml3")
    orphan = xml3_q[xml3_q["MA_LK"] == "LK_NO_PARENT"]
    assert list(orphan["_rule_ids"]) == [ORPHAN_RULE]
    assert summary.rule_failures[ORPHAN_RULE] == 1

    for table_id in EPISODE_TABLES:
        validated = read(batch, "validated", table_id)
        assert set(validated["MA_LK"]) == set(GOOD) | {"LK_WARN"}
        staged_columns = load_schema().table(table_id).columns
        assert list(validated.columns[:len(staged_columns)]) == staged_columns
    assert summary.episodes == len(GOOD) + 1 + len(BAD) + 1  # + the orphan's episode key
    assert summary.quarantined_episodes == len(BAD) + 1
    assert summary.passed_episodes == len(GOOD) + 1
    assert summary.rule_failures["xml1.GIOI_TINH.code_list"] == 1
    assert summary.pass_rates["xml1.GIOI_TINH.code_list"] == pytest.approx(1 - 1 / 28)


def test_warnings_annotate_but_pass(batch, summary):
    xml1 = read(batch, "validated", "xml1")
    warned = xml1[xml1["MA_LK"] == "LK_WARN"]
    assert list(warned["_warnings"]) == ["xml1.HO_TEN.max_length"]
    assert xml1.loc[xml1["MA_LK"] != "LK_WARN", "_warnings"].isna().all()
    rule = next(r for r in summary.rules if r.rule_id == "xml1.HO_TEN.max_length")
    assert (rule.severity, rule.unexpected_count) == ("warning", 1)
    assert summary.tables["xml1"].warned_rows == 1


def test_ledger_balances_per_table(batch, summary):
    entries = {e.table_name: e for e in Ledger(batch.ledger_url()).entries(BATCH) if e.stage == "validate"}
    assert set(entries) == set(EPISODE_TABLES) | {"episodes", "hoso"}
    for table_id in EPISODE_TABLES:
        e = entries[table_id]
        assert e.received == e.passed + e.quarantined
        assert e.passed == len(read(batch, "validated", table_id))
        assert e.quarantined == len(read(batch, "quarantine", table_id))
        assert e.received == summary.tables[table_id].received
    assert entries["xml1"].received == len(GOOD) + 1 + len(BAD) + 1  # LK_DUP has two XML1 rows
    assert entries["xml3"].quarantined == len(BAD) + 1
    assert (entries["episodes"].received, entries["episodes"].quarantined) == (28, 7)
    # A HOSO per MA_LK and file: the orphan's HOSO is quarantined, LK_DUP's two XML1 rows are one HOSO.
    assert (entries["hoso"].received, entries["hoso"].passed, entries["hoso"].quarantined) == (28, 21, 7)


def test_gate_follows_the_threshold(batch, summary, tmp_path):
    passing = summary  # 7 of 28 episodes quarantined: 0.25 > the default 0.2
    assert passing.error_rate == pytest.approx(7 / 28)
    assert not passing.gate_passed
    with pytest.raises(QualityGateError, match="error rate"):
        enforce_gate(passing)
    copy = Workdir.at(tmp_path / "copy")
    shutil.copytree(batch.root, copy.root)  # a copy, so the shared outputs stay those of the default run
    relaxed = validate_batch(copy, BATCH, error_threshold=0.3)
    assert relaxed.gate_passed
    assert enforce_gate(relaxed) is relaxed


def test_gate_fails_on_schema_drift(tmp_path):
    schema = load_schema()
    xml5 = schema.tables["xml5"]
    renamed = tuple(dataclasses.replace(f, name="DU_PHONG_MOI") if f.name == "DU_PHONG" else f
                    for f in xml5.fields)
    drifted = dataclasses.replace(schema, tables=schema.tables | {
        "xml5": dataclasses.replace(xml5, fields=renamed, by_name={f.name: f for f in renamed})})
    workdir = Workdir.at(tmp_path / "data").ensure()
    rows = merge(*(episode(k) for k in GOOD[:3]))
    del rows["xml4"]  # a table the batch does not have is empty, not drift
    StagedBatch(workdir, schema=drifted).write("file_a", rows)

    summary = validate_batch(workdir, BATCH)
    assert summary.quarantined_episodes == 0
    assert summary.tables["xml4"].received == 0
    assert read(workdir, "validated", "xml4").empty
    assert "MA_LK" in read(workdir, "quarantine", "xml4").columns
    assert summary.schema_drift == {"xml5": {"unknown": ["DU_PHONG_MOI"], "missing": ["DU_PHONG"]}}
    assert not summary.gate_passed
    with pytest.raises(QualityGateError, match="xml5: staged columns differ"):
        enforce_gate(summary)


SECRETS = [FAKE_NAME, "LK_BAD_DATE", "LK_GOOD_01", "2024-07-01", "001090000000"]


def test_report_is_complete_and_holds_no_personal_values(batch, summary):
    text = Path(summary.report_path).read_text(encoding="utf-8")
    report = json.loads(text)
    assert report["batch_id"] == BATCH and report["gate"]["passed"] is False
    assert report["suites"]["xml1"]["sha256"] == sha256_file(REPO / "pipelines" / "quality" / "expectations" / "xml1.json")
    by_id = {(r["table"], r["rule_id"]): r for r in report["rules"]}
    date_rule = by_id[("xml2", "xml2.NGAY_YL.format")]
    assert (date_rule["severity"], date_rule["element_count"], date_rule["unexpected_count"]) == ("error", 54, 1)
    assert date_rule["pass_rate"] == pytest.approx(53 / 54, abs=1e-6)
    assert all(isinstance(i, int) for r in report["rules"] for i in r["example_rows"])
    # Example rows are _staged_row numbers, which the quarantine file carries.
    xml2_q = read(batch, "quarantine", "xml2")
    assert date_rule["example_rows"][0] in set(xml2_q["_staged_row"])
    assert len(report["rules"]) == sum(len(build_suite(t).expectations) for t in EPISODE_TABLES) + 4
    for secret in SECRETS:
        assert secret not in text


def test_rerun_is_idempotent_and_logs_no_personal_values(batch, summary, caplog):
    outputs = {(zone, t): read(batch, zone, t) for zone in ("validated", "quarantine") for t in EPISODE_TABLES}
    caplog.set_level("DEBUG")
    again = validate_batch(batch, BATCH)
    for (zone, table_id), frame in outputs.items():
        pd.testing.assert_frame_equal(read(batch, zone, table_id), frame)
    assert again.to_dict() == summary.to_dict()
    assert json.loads(Path(again.report_path).read_text(encoding="utf-8")) == summary.to_dict()
    assert len([e for e in Ledger(batch.ledger_url()).entries(BATCH) if e.stage == "validate"]) == 7
    assert not list(batch.tmp.glob("*.parquet"))
    for secret in SECRETS:
        assert secret not in caplog.text


def test_suite_files_load_and_match_the_build_script(tmp_path, monkeypatch):
    script = REPO / "scripts" / "build_expectation_suites.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:  # in-process: GE is already imported
        runpy.run_path(str(script), run_name="__main__")
    assert exit_info.value.code == 0
    for table_id in EPISODE_TABLES:
        committed = REPO / "pipelines" / "quality" / "expectations" / f"{table_id}.json"
        assert committed.read_bytes() == (tmp_path / f"{table_id}.json").read_bytes(), (
            f"{committed} is stale: run scripts/build_expectation_suites.py")
        suite = load_suite(table_id, REPO / "pipelines" / "quality" / "expectations")
        assert suite.to_json_dict() == json.loads(committed.read_text(encoding="utf-8"))
        rule_ids = [e.meta["rule_id"] for e in suite.expectations]
        assert len(rule_ids) == len(set(rule_ids))
        length_rules = [e for e in suite.expectations if e.meta["check"] == "max_length"]
        assert length_rules and all(e.meta["severity"] == "warning" for e in length_rules)


def test_suite_covers_registry_rules():
    suite = {e.meta["rule_id"]: e for e in build_suite("xml1").expectations}
    date8 = r"\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
    assert suite["xml1.NGAY_VAO.format"].regex == rf"^{date8}([01]\d|2[0-3])[0-5]\d$"
    assert suite["xml1.GT_THE_TU.format"].regex == rf"^{date8}(;{date8})*$"
    assert suite["xml1.T_THUOC.number"].regex == r"^-?\d+(\.\d+)?$"
    assert suite["xml1.MA_LOAI_KCB.code_list"].value_set == sorted(
        set(load_schema().codes("ma_loai_kcb")) | set(load_schema().codes("ma_loai_kcb_1804")))
    assert suite["xml1.MA_LK.unique"].meta["severity"] == "error"
    assert suite["xml1.MA_BENH_CHINH.icd10"].meta["severity"] == "error"
    assert suite["xml1.HO_TEN.max_length"].max_value == 255
    required = {f.name for f in load_schema().table("xml1").fields if f.required}
    assert {k.split(".")[1] for k in suite if k.endswith(".required")} == required


@pytest.mark.parametrize("breakage, message", [
    ({"type": "expect_no_such_thing"}, "did not load"),  # GE only logs and drops these
    ({"kwargs": {}}, "not a valid expectation suite"),
    ({"meta": {}}, "meta.rule_id"),
])
def test_suite_file_with_a_broken_expectation_is_refused(tmp_path, breakage, message):
    raw = json.loads((REPO / "pipelines" / "quality" / "expectations" / "xml5.json").read_text(encoding="utf-8"))
    raw["expectations"][0] |= breakage
    (tmp_path / "xml5.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(SuiteError, match=message):
        load_suite("xml5", tmp_path)
    with pytest.raises(SuiteError, match="no expectation suite"):
        load_suite("xml4", tmp_path)


def test_empty_values_count_as_missing_but_stay_as_received(batch, summary):
    row = read(batch, "quarantine", "xml1").query("MA_LK == 'LK_MISSING'").iloc[0]
    assert row["NGAY_RA"] == ""  # written as staged
    assert row["_rule_ids"] == "xml1.NGAY_RA.required"


def dated(ma_lk: str, day: str, **overrides) -> dict[str, list[dict]]:
    """An episode whose every XML1 date-time is on ``day`` (yyyymmdd)."""
    dates = {f: f"{day}1230" for f in ("NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "NGAY_TTOAN")}
    return episode(ma_lk, **(dates | overrides))


def test_date_aware_cross_field_and_money_rules(tmp_path):
    from pipelines.reference import provinces_34, provinces_63
    legacy_only = sorted({p["old_code"] for p in provinces_63()} - {p["new_code"] for p in provinces_34()})[0]
    cases = {  # MA_LK -> (episode, the error rules expected; None = passes)
        "LK_NO_DISTRICT_AFTER": (dated("LK_NO_DISTRICT_AFTER", "20250702", MAHUYEN_CU_TRU=""), None),
        "LK_NO_DISTRICT_BEFORE": (dated("LK_NO_DISTRICT_BEFORE", "20250630", MAHUYEN_CU_TRU=""),
                                  {"xml1.MAHUYEN_CU_TRU.required"}),
        "LK_LEGACY_PROVINCE_AFTER": (dated("LK_LEGACY_PROVINCE_AFTER", "20250702", MATINH_CU_TRU=legacy_only),
                                     {"xml1.MATINH_CU_TRU.code_by_date"}),
        "LK_LEGACY_PROVINCE_BEFORE": (dated("LK_LEGACY_PROVINCE_BEFORE", "20250630", MATINH_CU_TRU=legacy_only), None),
        "LK_YEAR_ONLY_BIRTH": (episode("LK_YEAR_ONLY_BIRTH", NGAY_SINH="199000000000"), None),
        "LK_BIRTH_AFTER_VISIT": (episode("LK_BIRTH_AFTER_VISIT", NGAY_SINH="202407020000"),
                                 {"xml1.NGAY_SINH.not_after_NGAY_VAO"}),
        "LK_FEB30": (episode("LK_FEB30", NGAY_TTOAN="202402301200"), {"xml1.NGAY_TTOAN.calendar"}),
        "LK_MONTH13": (episode("LK_MONTH13", NGAY_TTOAN="202413011200"), {"xml1.NGAY_TTOAN.format"}),
        "LK_KCB11_EARLY": (episode("LK_KCB11_EARLY", MA_LOAI_KCB="11"), {"xml1.MA_LOAI_KCB.valid_on_NGAY_VAO"}),
        "LK_KCB11_LATE": (dated("LK_KCB11_LATE", "20260802", MA_LOAI_KCB="11"), None),
        "LK_STAY_OK": (episode("LK_STAY_OK", MA_LOAI_KCB="03", NGAY_RA="202407031230", NGAY_TTOAN="202407031230",
                               SO_NGAY_DTRI="3"), None),
        "LK_STAY_WRONG": (episode("LK_STAY_WRONG", MA_LOAI_KCB="03", NGAY_RA="202407031230", SO_NGAY_DTRI="2"),
                          {"xml1.SO_NGAY_DTRI.by_MA_LOAI_KCB"}),
        "LK_TOTAL": (episode("LK_TOTAL", T_THUOC="5.00"), {"xml1.T_THUOC.sum_of_lines"}),
        "LK_BHTT": (episode("LK_BHTT", T_BHTT="5.00"), {"xml1.T_BHTT.identity"}),
        "LK_PHONE": (episode("LK_PHONE", DIEN_THOAI="12345"), None),
    }
    workdir = Workdir.at(tmp_path / "data").ensure()
    StagedBatch(workdir).write("file_a", merge(*(rows for rows, _ in cases.values())))
    summary = validate_batch(workdir, BATCH, error_threshold=1.0)
    assert not any(r.exception for r in summary.rules)
    quarantine = read(workdir, "quarantine", "xml1")
    for ma_lk, (_, expected) in cases.items():
        if expected is None:
            assert ma_lk not in set(quarantine["MA_LK"]), (ma_lk, rules_of(quarantine, ma_lk))
        else:
            assert rules_of(quarantine, ma_lk) == expected, ma_lk
    validated = read(workdir, "validated", "xml1").set_index("MA_LK")
    assert validated.loc["LK_PHONE", "_warnings"] == "xml1.DIEN_THOAI.phone"
    failures = pd.read_parquet(workdir.quarantine / BATCH / "failures.parquet")
    feb30 = failures[(failures["MA_LK"] == "LK_FEB30") & (failures["rule_id"] == "xml1.NGAY_TTOAN.calendar")]
    assert list(feb30["value"]) == ["202402301200"] and list(feb30["severity"]) == ["error"]
    html = Path(summary.html_report_path).read_text(encoding="utf-8")
    assert "xml1.NGAY_TTOAN.calendar" in html and "LK_FEB30" not in html
