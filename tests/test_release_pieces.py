"""The release built per (dataset, closed period) piece, as the DAG's mapped tasks do it: plan -> one
freeze per piece -> the release step publishes; the same release as the release step alone."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines import tasks
from pipelines.datasets import load_datasets, periods
from pipelines.dp import BudgetExceeded, EpsilonLedger
from pipelines.locks import LockTimeout, piece_lock, release_lock
from pipelines.run import freeze_piece, freeze_pieces, plan_release, release
from pipelines.workdir import Workdir
from release_fixtures import TEST_DATASETS, episode, write_datasets, write_safe

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 8, 1)  # Q1 and Q2 closed, Q3 open
DP_DATASETS = TEST_DATASETS.replace("  enc:\n", "  encdp:\n").replace(
    "disclosure: {method: sdc, min_count: 8, round_to: 5, dominance: {n: 2, k: 90, p: 10}, protection: 0.1}",
    "disclosure: {method: dp, epsilon: 1.0, mechanism: laplace, max_contributions: 1,\n"
    "                 bounds: {total_cost_vnd: [0, 1000]}}")
CONSUMER = "release:encdp"
# the tables not in name order: a release lists them in the config's order, whichever way they were frozen
PROVINCE = "      - {name: province_quarter, period: quarter, dimensions: [province]}\n"
UNSORTED = TEST_DATASETS.replace(PROVINCE, "").replace("    tables:\n", "    tables:\n" + PROVINCE)


def two_quarters() -> list[dict]:
    """Episodes of Q1 and Q2 (and one of the open Q3), over months, provinces, chapters and sexes."""
    chapters, provinces = ["J18.0", "I10", "E11", "K35"], ["01", "79", "48"]
    months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    return [episode(f"E{i}", PERSON_ID=f"P{i}", THANG_VAO=months[i % 6], MATINH_2025=provinces[i % 3],
                    MA_BENH_CHINH=chapters[i % 4], GIOI_TINH=str(1 + i % 2), T_TONGCHI_BV=str(100 + 7 * i))
            for i in range(120)] + [episode("Q3", PERSON_ID="PQ3", THANG_VAO="2025-07")]


def root_with_data(tmp_path: Path, name: str) -> Workdir:
    workdir = Workdir.at(tmp_path / name).ensure()
    write_safe(workdir, "b1", two_quarters())
    return workdir


def by_pieces(workdir: Workdir, config: Path, **kwargs) -> list[dict]:
    """What the DAG does before its release task: plan, then every piece on its own."""
    pieces = plan_release(workdir, as_of=AS_OF, config=config, **kwargs)
    specs = {s.name: s for s in load_datasets(config)}
    for piece in pieces:
        freeze_piece(workdir, specs[piece["dataset"]], piece["period"], piece["batches"])
    return pieces


def release_content(path: Path) -> dict:
    """A release's data files by checksum, and its manifest without the times of the run and the signing
    key (each data root generates its own)."""
    files = {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(path.rglob("*.parquet"))}
    return {"files": files, "manifest": without_times(json.loads((path / "manifest.json").read_text()))}


def without_times(doc):
    if isinstance(doc, dict):
        return {k: without_times(v) for k, v in doc.items()
                if not (k.endswith("_at") or k in ("created", "published", "timestamp", "signature", "signing_key.pub"))}
    if isinstance(doc, list):
        return [without_times(v) for v in doc]
    return doc


def test_pieces_then_the_release_step_give_the_release_of_the_step_alone(tmp_path):
    config = write_datasets(tmp_path, UNSORTED)
    assert [t.name for t in load_datasets(config)[0].tables][0] == "province_quarter"
    alone, mapped = root_with_data(tmp_path, "alone"), root_with_data(tmp_path, "mapped")
    [one] = release(alone, as_of=AS_OF, config=config)

    pieces = by_pieces(mapped, config)
    assert [(p["dataset"], p["period"], p["batches"]) for p in pieces] == [("enc", "2025-Q1", ["b1"]),
                                                                          ("enc", "2025-Q2", ["b1"])]
    spec = load_datasets(config)[0]
    assert periods.frozen_periods(mapped, spec) == ["2025-Q1", "2025-Q2"]
    assert plan_release(mapped, as_of=AS_OF, config=config) == []  # nothing new left to freeze
    frozen_at = {p: periods.frozen_meta(mapped, spec, p)["frozen_at"] for p in ("2025-Q1", "2025-Q2")}
    [two] = release(mapped, as_of=AS_OF, config=config)

    assert two.version == one.version and two.periods == one.periods == ["2025-Q1", "2025-Q2"]
    assert two.new_periods == one.new_periods == ["2025-Q1", "2025-Q2"] and two.open_periods == ["2025-Q3"]
    assert (two.cells, two.suppressed_cells, two.rows_counted) == (one.cells, one.suppressed_cells, one.rows_counted)
    assert release_content(two.path) == release_content(one.path)
    # the release step froze nothing again: the pieces' frozen cells are what it published
    assert {p: periods.frozen_meta(mapped, spec, p)["frozen_at"] for p in frozen_at} == frozen_at


def test_pieces_frozen_in_several_processes_give_the_release_of_the_step_alone(tmp_path):
    """``andanh run`` freezes the pieces in processes (the largest first) before the release step."""
    config = write_datasets(tmp_path)
    alone, parallel = root_with_data(tmp_path, "alone"), root_with_data(tmp_path, "parallel")
    [one] = release(alone, as_of=AS_OF, config=config)
    pieces = plan_release(parallel, as_of=AS_OF, config=config)
    assert [p["rows"] for p in pieces] == [60, 60]
    said: list[str] = []
    assert freeze_pieces(parallel, pieces, workers=2, config=config, say=said.append) == 2
    assert said[0] == "release: 2 pieces in 2 processes, largest first" and len(said) == 3
    assert plan_release(parallel, as_of=AS_OF, config=config) == []
    [two] = release(parallel, as_of=AS_OF, config=config)
    assert release_content(two.path) == release_content(one.path)


def test_a_failed_piece_among_parallel_ones_fails_the_call_after_the_others_froze(tmp_path):
    config = write_datasets(tmp_path)
    workdir = root_with_data(tmp_path, "root")
    pieces = plan_release(workdir, as_of=AS_OF, config=config)
    bogus = {"dataset": "no-such-dataset", "period": "2025-Q1", "batches": ["b1"], "rows": 1}
    with pytest.raises(KeyError, match="no-such-dataset"):
        freeze_pieces(workdir, [*pieces, bogus], workers=2, config=config)
    assert periods.frozen_periods(workdir, load_datasets(config)[0]) == ["2025-Q1", "2025-Q2"]
    assert not (workdir.published / "enc").exists()  # freezing publishes nothing


def test_a_piece_run_again_changes_nothing(workdir, tmp_path):
    config = write_datasets(tmp_path, DP_DATASETS)
    EpsilonLedger(workdir.ledger_url()).set_budget(CONSUMER, 2.0)
    write_safe(workdir, "b1", two_quarters())
    [spec] = load_datasets(config)
    [q1, _] = plan_release(workdir, as_of=AS_OF, config=config)
    first = freeze_piece(workdir, spec, q1["period"], q1["batches"])
    folder = periods.store_dir(workdir, "encdp") / "2025-Q1"
    files = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    again = freeze_piece(workdir, spec, q1["period"], q1["batches"])  # a retried mapped task
    assert again.meta == first.meta and {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == files
    for name, table in first.tables.items():
        assert again.tables[name].equals(table)
    [spend] = EpsilonLedger(workdir.ledger_url()).spends(CONSUMER)  # one spend: the noise was drawn once
    assert spend["release_id"] == "encdp/2025-Q1" and spend["status"] == "spent"


def test_a_failed_piece_leaves_the_previous_release_intact(workdir, tmp_path, monkeypatch):
    from pipelines import disclose

    config = write_datasets(tmp_path)
    write_safe(workdir, "b1", two_quarters())
    [first] = release(workdir, as_of=dt.date(2025, 5, 1), config=config)  # Q1 only
    latest = (workdir.published / "enc" / "LATEST").read_text()
    files = {p: p.stat().st_mtime_ns for p in first.path.rglob("*")}
    [spec] = load_datasets(config)
    [q2] = plan_release(workdir, as_of=AS_OF, config=config)
    assert q2["period"] == "2025-Q2"

    def broken(*args, **kwargs):
        raise MemoryError("worker out of memory while protecting")
    monkeypatch.setattr(disclose, "protect", broken)
    with pytest.raises(MemoryError):
        freeze_piece(workdir, spec, q2["period"], q2["batches"])
    assert periods.frozen_periods(workdir, spec) == ["2025-Q1"]
    assert not (workdir.tmp.exists() and any(workdir.tmp.glob("*freeze-*")))  # no half-written freeze left
    assert (workdir.published / "enc" / "LATEST").read_text() == latest
    assert {p: p.stat().st_mtime_ns for p in first.path.rglob("*")} == files

    monkeypatch.undo()  # the retried piece, then the release step
    freeze_piece(workdir, spec, q2["period"], q2["batches"])
    [second] = release(workdir, as_of=AS_OF, config=config)
    assert second.periods == ["2025-Q1", "2025-Q2"] and second.new_periods == ["2025-Q2"]


def test_a_failed_dp_piece_refunds_and_a_failed_publish_withdraws_the_pieces(workdir, tmp_path, monkeypatch):
    import pipelines.dp.dataset as dp_dataset
    import pipelines.publish as publish

    config = write_datasets(tmp_path, DP_DATASETS)
    ledger = EpsilonLedger(workdir.ledger_url())
    ledger.set_budget(CONSUMER, 2.0)
    write_safe(workdir, "b1", two_quarters())
    [spec] = load_datasets(config)
    q1, q2 = plan_release(workdir, as_of=AS_OF, config=config)
    freeze_piece(workdir, spec, q1["period"], q1["batches"])
    real = dp_dataset.period_tables
    monkeypatch.setattr(dp_dataset, "period_tables", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        freeze_piece(workdir, spec, q2["period"], q2["batches"])
    assert [s["status"] for s in ledger.spends(CONSUMER)] == ["spent", "refunded"]
    assert periods.frozen_periods(workdir, spec) == ["2025-Q1"]

    monkeypatch.setattr(dp_dataset, "period_tables", real)
    freeze_piece(workdir, spec, q2["period"], q2["batches"])
    monkeypatch.setattr(publish, "publish_release", lambda *a, **k: (_ for _ in ()).throw(OSError("no space")))
    with pytest.raises(OSError):  # the release step fails before publishing: the pieces' noise was never shown
        release(workdir, as_of=AS_OF, config=config)
    assert periods.frozen_periods(workdir, spec) == [] and ledger.remaining(CONSUMER) == 2.0
    assert not (workdir.published / "encdp").exists()

    monkeypatch.undo()
    [s] = release(workdir, as_of=AS_OF, config=config)
    assert s.new_periods == ["2025-Q1", "2025-Q2"] and s.epsilon_spent == 2.0 and ledger.remaining(CONSUMER) == 0.0
    by_pieces(workdir, config)  # nothing new: nothing spent
    assert ledger.remaining(CONSUMER) == 0.0 and len(ledger.spends(CONSUMER)) == 5


def test_a_dp_dataset_its_budget_cannot_pay_gets_no_piece_and_the_release_refuses_it(workdir, tmp_path):
    config = write_datasets(tmp_path, TEST_DATASETS + DP_DATASETS.split("datasets:\n", 1)[1])
    EpsilonLedger(workdir.ledger_url()).set_budget(CONSUMER, 1.5)  # one quarter's ε, not two
    write_safe(workdir, "b1", two_quarters())
    pieces = by_pieces(workdir, config)
    assert {p["dataset"] for p in pieces} == {"enc"}
    with pytest.raises(BudgetExceeded, match=r"2 new period\(s\) \(2025-Q1, 2025-Q2\) needs ε=2"):
        release(workdir, as_of=AS_OF, config=config)
    assert (workdir.published / "enc" / "LATEST").exists() and not (workdir.published / "encdp").exists()
    assert EpsilonLedger(workdir.ledger_url()).spends(CONSUMER) == []


def test_the_dag_task_bodies_plan_freeze_and_publish(workdir, tmp_path, monkeypatch):
    import pipelines.datasets as datasets

    monkeypatch.setattr(datasets, "DATASETS_FILE", write_datasets(tmp_path))
    write_safe(workdir, "b1", two_quarters())
    batch = {"workdir": str(workdir.root), "batch_id": "b1"}
    # the task bodies decide closure by today: these quarters of 2025 are long closed
    planned = tasks.plan_release(batch)
    assert [p["period"] for p in planned] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    json.dumps(planned)  # XCom: JSON only
    done = [tasks.freeze_piece(p) for p in planned]
    assert [d["tables"] for d in done] == [["national_month_chapter", "national_quarter_sex", "province_quarter"]] * 3
    assert tasks.freeze_piece(planned[0]) == done[0]  # a retried mapped task
    result = tasks.release(batch, done)
    [r] = result["releases"]
    assert result["pieces_frozen"] == 3 and r["periods"] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert r["new_periods"] == r["periods"] and tasks.plan_release(batch) == []


HOLD = textwrap.dedent("""
    import sys, time
    from pipelines.locks import piece_lock
    with piece_lock(sys.argv[1], sys.argv[2]) as kind:
        print(kind, flush=True)
        time.sleep(float(sys.argv[3]))
""")


def test_pieces_lock_each_other_out_only_on_the_same_period_and_never_with_a_release(workdir):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(workdir.root), "enc/2025-Q1", "30"],
                              stdout=subprocess.PIPE, text=True, start_new_session=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "file"
        start = time.monotonic()
        with piece_lock(workdir, "enc/2025-Q2", timeout_s=5):  # another piece: at once
            assert time.monotonic() - start < 2
        with pytest.raises(LockTimeout):
            with piece_lock(workdir, "enc/2025-Q1", timeout_s=0.5):
                pass
        with pytest.raises(LockTimeout):  # the release step (exclusive) waits for the pieces
            with release_lock(workdir, timeout_s=0.5):
                pass
    finally:
        holder.kill()
        holder.wait()
    with release_lock(workdir, timeout_s=5) as kind:
        assert kind == "file"
