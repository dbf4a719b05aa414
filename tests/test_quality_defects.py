"""The quality gate against the generator's ground truth: every injected defect is caught by the rule
meant for it, clean episodes raise nothing, the ledger reconciles, and quarantine can be replayed."""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from pipelines import cli
from pipelines.ingest import ingest
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.quality import ReconciliationError, reconcile, validate_batch
from pipelines.quality.report import mask
from pipelines.schema import load_schema
from pipelines.synth import generate
from pipelines.synth.defects import DEFECT_KINDS
from pipelines.workdir import Workdir

BATCH = "bdefects0000001"


def intended_rules(defect: dict) -> set[str]:
    """The rule(s) meant to catch each defect kind."""
    table, fld = defect["table"], defect["field"]
    return {
        "missing_required": {f"{table}.{fld}.required"},
        "bad_date_format": {f"{table}.{fld}.format", f"{table}.{fld}.calendar"},
        "ngay_ra_before_ngay_vao": {"xml1.NGAY_RA.not_before_NGAY_VAO"},
        "bad_gioi_tinh_code": {"xml1.GIOI_TINH.code_list"},
        "bad_ma_loai_kcb": {"xml1.MA_LOAI_KCB.code_list"},
        "bad_icd10": {"xml1.MA_BENH_CHINH.icd10"},
        "too_many_ma_benh_kt": {"xml1.MA_BENH_KT.icd10"},
        "bad_cccd_format": {"xml1.SO_CCCD.shape"},
        "cccd_birth_mismatch": {"xml1.SO_CCCD.matches_NGAY_SINH"},
        "bad_bhyt_card": {"xml1.MA_THE_BHYT.shape"},
        "money_identity_broken": {"xml1.T_BHTT.identity"},
        "total_mismatch": {"xml1.T_THUOC.sum_of_lines"},
        "orphan_child": {"xml.orphan_child"},
        "duplicate_ma_lk": {"xml1.MA_LK.unique"},
        "value_too_long": {"xml1.DIEN_THOAI.max_length"},
        "gt_the_tu_after_den": {"xml1.GT_THE_TU.not_after_GT_THE_DEN"},
        "so_ngay_dtri_wrong": {"xml1.SO_NGAY_DTRI.by_MA_LOAI_KCB"},
        "bad_facility_code": {"xml1.MA_CSKCB.shape"},
    }[defect["kind"]]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A defective synthetic batch across the 2025-07-01 reform, ingested and validated once."""
    root = tmp_path_factory.mktemp("defects")
    generate(500, 5, root / "synth", defects_rate=0.3, file_defects=True, start_date="2025-06-25", days=10,
             workers=1)
    workdir = Workdir.at(root / "work").ensure()
    ingest(root / "synth" / "xml", workdir, batch_id=BATCH)
    summary = validate_batch(workdir, BATCH, error_threshold=1.0)
    defects = [json.loads(line) for line in (root / "synth" / "truth" / "defects.jsonl").read_text().splitlines()]
    failures = duckdb.sql(f"SELECT table_name, _staged_row, MA_LK, rule_id, severity, field, value, quarantined "
                          f"FROM read_parquet('{workdir.quarantine / BATCH / 'failures.parquet'}')").fetchall()
    return workdir, summary, defects, failures


def test_every_defect_kind_is_caught_by_its_rule(run):
    workdir, summary, defects, failures = run
    rules_of = defaultdict(set)
    for _, _, ma_lk, rule_id, severity, _, _, _ in failures:
        rules_of[ma_lk].add((rule_id, severity))
    kinds = {d["kind"] for d in defects}
    assert set(DEFECT_KINDS) <= kinds, set(DEFECT_KINDS) - kinds
    quarantined = set(duckdb.sql(f"SELECT DISTINCT MA_LK FROM read_parquet('{workdir.quarantine / BATCH}/xml*.parquet', "
                                 "union_by_name = true)").fetchnumpy()["MA_LK"])
    for d in defects:
        if d["kind"] in ("invalid_base64", "truncated_file"):
            continue  # rejected at parse, see the ledger test
        caught = {(rule, severity) for rule, severity in rules_of[d["MA_LK"]] if rule in intended_rules(d)}
        assert caught, (d["kind"], d["table"], d["field"], sorted(r for r, _ in rules_of[d["MA_LK"]]))
        # An error quarantines the whole episode; a warning only annotates it.
        if any(severity == "error" for _, severity in caught):
            assert d["MA_LK"] in quarantined, d["kind"]


def test_clean_episodes_raise_nothing(run):
    _, summary, defects, failures = run
    touched = {d["MA_LK"] for d in defects} | {k for d in defects for k in d.get("MA_LK_lost", [])}
    false_alarms = sorted({(rule, severity) for _, _, ma_lk, rule, severity, *_ in failures if ma_lk not in touched})
    assert false_alarms == []
    assert summary.gate_passed and summary.quarantined_episodes > 0


def test_ledger_reconciles_with_parse_rejects(run, capsys):
    workdir, summary, defects, _ = run
    result = reconcile(workdir, BATCH)
    hoso = next(e for e in result.entries if e.table_name == "hoso")
    assert result.balanced and hoso.balanced
    assert hoso.rejected > 0 and hoso.quarantined > 0 and hoso.passed > 0  # the file defects are parse rejects
    assert hoso.received == hoso.passed + hoso.quarantined + hoso.rejected
    stored = [e for e in Ledger(workdir.ledger_url()).entries(BATCH) if e.stage == "reconcile"]
    assert {e.table_name for e in stored} >= {"hoso", "xml1", "xml2"} and all(e.balanced for e in stored)
    assert cli.main(["runs", "--workdir", str(workdir.root), "--batch", BATCH]) == 0
    out = capsys.readouterr().out
    assert f"{BATCH}: reconciled, HOSO received {hoso.received} = passed {hoso.passed}" in out


def test_a_record_unaccounted_for_fails_the_run(run, tmp_path, capsys):
    workdir, *_ = run
    ledger = Ledger(workdir.ledger_url())
    real = next(e for e in ledger.entries(BATCH) if (e.stage, e.table_name) == ("ingest", "hoso"))
    try:  # one HOSO more received than accounted for
        ledger.record([LedgerEntry(BATCH, "ingest", "hoso", received=real.received + 1, passed=real.passed + 1,
                                   rejected=real.rejected)])
        with pytest.raises(ReconciliationError, match="does not reconcile"):
            reconcile(workdir, BATCH)
        assert cli.main(["runs", "--workdir", str(workdir.root), "--batch", BATCH]) == cli.EXIT_FAILED
        assert "DOES NOT RECONCILE" in capsys.readouterr().out
    finally:
        ledger.record([real])
        reconcile(workdir, BATCH)


def test_html_report_masks_personal_values(run):
    workdir, summary, _, failures = run
    html = Path(summary.html_report_path).read_text(encoding="utf-8")
    assert "xml1.SO_CCCD.matches_NGAY_SINH" in html and "xml.orphan_child" in html
    schema = load_schema().table("xml1")
    personal = [(f, v) for t, _, _, _, _, f, v, _ in failures
                if t == "xml1" and v and len(v) > 4 and schema.by_name[f].deid_class in ("DIRECT-ID", "QUASI-ID")]
    assert personal
    for fld, value in personal:
        assert value not in html, fld
    assert mask("Nguyễn Văn A", "DIRECT-ID") == "Ng***" and mask("J18.9", "SENSITIVE-HEALTH") == "J18.9"
    assert mask("", "DIRECT-ID") == "(blank)"


def test_quarantine_list_show_export_and_replay(run, tmp_path, capsys):
    workdir, _, defects, _ = run
    root = str(workdir.root)
    target = next(d for d in defects if d["kind"] == "bad_gioi_tinh_code")
    assert cli.main(["quarantine", "list", "--workdir", root, "--batch", BATCH]) == 0
    listed = capsys.readouterr().out
    assert f"{target['MA_LK']}  open" in listed and "xml1.GIOI_TINH.code_list" in listed
    assert cli.main(["quarantine", "show", target["MA_LK"], "--workdir", root]) == 0
    assert "xml1.GIOI_TINH.code_list  GIOI_TINH =" in capsys.readouterr().out

    fixes = tmp_path / "fixes"
    assert cli.main(["quarantine", "export", "--workdir", root, "--batch", BATCH, "--out", str(fixes)]) == 0
    capsys.readouterr()
    for table_csv in fixes.glob("*.csv"):  # keep only the target episode, with the sex code fixed
        with open(table_csv, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
        assert rows or table_csv.stem != "xml1"
        kept = [r | ({"GIOI_TINH": "1"} if table_csv.stem == "xml1" else {}) for r in rows
                if r["MA_LK"] == target["MA_LK"]]
        with open(table_csv, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=reader.fieldnames)
            writer.writeheader()
            writer.writerows(kept)

    code = cli.main(["quarantine", "replay", "--workdir", root, "--batch", BATCH, "--fixes", str(fixes)])
    out = capsys.readouterr().out
    assert code == 0, out
    replay_batch = next(e.batch_id for e in Ledger(workdir.ledger_url()).entries()
                        if e.batch_id.startswith("r") and e.stage == "reconcile")
    episodes = next(e for e in Ledger(workdir.ledger_url()).entries(replay_batch)
                    if (e.stage, e.table_name) == ("validate", "episodes"))
    assert (episodes.received, episodes.passed, episodes.quarantined) == (1, 1, 0)
    assert cli.main(["quarantine", "list", "--workdir", root, "--batch", BATCH]) == 0
    assert target["MA_LK"] not in capsys.readouterr().out  # resolved: no longer open
    assert cli.main(["quarantine", "list", "--workdir", root, "--batch", BATCH, "--all"]) == 0
    assert f"{target['MA_LK']}  replayed in {replay_batch}" in capsys.readouterr().out

    # A MA_LK that is not open in the quarantine is refused before anything is staged.
    with open(fixes / "xml1.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["MA_LK"] = "NOT_QUARANTINED"
    with open(fixes / "xml1.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert cli.main(["quarantine", "replay", "--workdir", root, "--batch", BATCH, "--fixes", str(fixes)]) == \
        cli.EXIT_FAILED
    assert "not open in the quarantine" in capsys.readouterr().err
