"""De-identify in shards (plan -> one task per shard -> close): the same safe rows whatever the number
of shards, persons linked across shards, a failed shard that leaves nothing and is retried, re-runs
that change nothing, inputs checked at every step, private modes."""
from __future__ import annotations

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deid_fixtures import KEY, child_row, write_validated, xml1_row

from pipelines.deidentify import deidentify_batch
from pipelines.deidentify import shards as sh
from pipelines.deidentify.gate import assert_batch_released
from pipelines.deidentify.preconditions import BatchNotReady
from pipelines.ledger import Ledger
from pipelines.workdir import Workdir


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", KEY)


@pytest.fixture(scope="module")
def synth_batch(tmp_path_factory):
    """A generated batch (all five tables, free text, defects) ingested and validated, copied per test."""
    root = tmp_path_factory.mktemp("shards")
    synth = root / "synth"
    subprocess.run([sys.executable, "-m", "pipelines.cli", "synth", "--encounters", "90", "--seed", "5", "--out",
                    str(synth), "--defects", "0.05"], check=True, capture_output=True)
    from pipelines import quality
    from pipelines.ingest import ingest
    workdir = Workdir.at(root / "work").ensure()
    ingest(str(synth / "xml"), workdir, batch_id="bs")
    quality.validate_batch(workdir, "bs", error_threshold=1.0)
    return workdir


def copy_of(workdir: Workdir, tmp_path) -> Workdir:
    import shutil
    shutil.copytree(workdir.root, tmp_path / "copy", symlinks=True)
    return Workdir.at(tmp_path / "copy")  # the validated index names staged files relative to the root


def safe_output(workdir: Workdir, batch: str) -> dict[str, list[dict]]:
    root = workdir.safe / batch
    return {str(p.relative_to(root)): pq.read_table(p).to_pylist() for p in sorted(root.rglob("*.parquet"))}


def ledger_details(workdir: Workdir, batch: str) -> dict[str, tuple]:
    out = {}
    for e in Ledger(workdir.ledger_url()).entries(batch):
        if e.stage == "deidentify":
            details = {k: v for k, v in e.details.items() if k != "shards"}
            out[e.table_name] = (e.received, e.passed, e.rejected, json.dumps(details, sort_keys=True))
    return out


def test_one_shard_and_many_give_the_same_rows_row_for_row(synth_batch, tmp_path):
    one = copy_of(synth_batch, tmp_path / "one")
    many = copy_of(synth_batch, tmp_path / "many")
    first = deidentify_batch(one, "bs", shards=1)
    second = deidentify_batch(many, "bs", shards=4)
    expected, got = safe_output(one, "bs"), safe_output(many, "bs")
    assert set(expected) == set(got) and {"xml1.parquet", "xml2.parquet", "xml3.parquet", "xml5.parquet"} <= set(got)
    for name in expected:
        assert got[name] == expected[name], name  # same rows, same order, same tokens
    assert vars(first) == vars(second)
    assert ledger_details(one, "bs") == ledger_details(many, "bs")
    committed = json.loads((sh.work_root(many, "bs") / sh.COMMITTED).read_text())
    assert len(committed["shards"]) == 4 and sum(1 for s in committed["shards"] if s["episodes"]) >= 3
    assert sum(s["episodes"] for s in committed["shards"]) == first.linked_by["cccd"] + sum(
        v for k, v in first.linked_by.items() if k != "cccd")
    assert_batch_released(many, "bs")


def keys_in_shards(shards: int, wanted: list[int], prefix: str = "LK") -> list[str]:
    """One MA_LK per wanted shard, in that order."""
    out = []
    for target in wanted:
        i = 0
        while True:
            key = f"{prefix}{target}-{i}"
            if sh.shard_of(pa.array([key]), shards)[0].as_py() == target and key not in out:
                out.append(key)
                break
            i += 1
    return out


def linked_batch(workdir: Workdir) -> list[str]:
    """A person seen in three shards: by CCCD in one, by the card only in another, by MA_BN only in a third."""
    a, b, c, d = keys_in_shards(3, [0, 1, 2, 1])
    write_validated(workdir, "b1", None, tables={
        "xml1": [xml1_row(MA_LK=a, SO_CCCD="001085012345", MA_THE_BHYT="DN4010123456789", MA_BN="BN42"),
                 xml1_row(MA_LK=b, SO_CCCD=None, MA_THE_BHYT="HT3790123456789;DN4010123456789", MA_BN="Z"),
                 xml1_row(MA_LK=c, SO_CCCD=None, MA_THE_BHYT=None, MA_BN="BN-42"),
                 xml1_row(MA_LK=d, SO_CCCD="079185000111", MA_THE_BHYT=None, MA_BN="Q7", MA_BENH_CHINH="A15")],
        "xml3": [child_row("xml3", MA_LK=k, STT=str(i), NGAY_YL="202403020900", MA_BAC_SI="001234/BYT-CCHN")
                 for i, k in enumerate([a, b, c, d, "orphan-1"])]})
    return [a, b, c, d]


def test_persons_link_across_shards(workdir):
    linked_batch(workdir)
    summary = deidentify_batch(workdir, "b1", shards=3)
    main = pq.read_table(workdir.safe / "b1" / "xml1.parquet").to_pylist()
    special = pq.read_table(workdir.safe / "b1" / "special" / "xml1.parquet").to_pylist()
    people = [r["PERSON_ID"] for r in main + special]
    assert len(main) == 3 and len(special) == 1
    assert people[0] == people[1] == people[2] != people[3]  # the card and MA_BN resolve to shard 0's CCCD
    assert summary.linked_by == {"cccd": 4, "bhxh": 0, "facility_mrn": 0, "episode": 0}
    assert summary.rows["xml3"] == 4 and summary.special_rows["xml3"] == 1  # the A15 episode's row is special
    entry = next(e for e in Ledger(workdir.ledger_url()).entries("b1") if e.stage == "deidentify" and e.table_name == "xml3")
    assert entry.rejected == 1 and entry.details["rules"]["MA_BAC_SI"]["pseudonymised"] == 4


def test_a_failed_shard_leaves_nothing_and_its_retry_completes_the_batch(workdir, monkeypatch):
    linked_batch(workdir)
    plan = sh.plan_shards(workdir, "b1", shards=3)
    sh.deidentify_shard(workdir, "b1", 0)
    real = sh.Deidentifier.run

    def broken(self, present, xml1, persons, target, in_shard):
        real(self, present, xml1, persons, target, in_shard)  # its files written, then the worker dies
        raise OSError("No space left on device")

    monkeypatch.setattr(sh.Deidentifier, "run", broken)
    with pytest.raises(OSError):
        sh.deidentify_shard(workdir, "b1", 1)
    monkeypatch.setattr(sh.Deidentifier, "run", real)
    assert sorted(p.name for p in sh.shards_dir(workdir, "b1").iterdir()) == ["shard-0"]  # no half shard
    assert not (workdir.safe / "b1").exists()
    assert not [e for e in Ledger(workdir.ledger_url()).entries("b1") if e.stage in ("deidentify", "gate")]
    with pytest.raises(sh.ShardsIncomplete, match="shard 1 of 3"):
        sh.close_shards(workdir, "b1")
    for k in (1, 2):  # the retry, then the last shard
        sh.deidentify_shard(workdir, "b1", k)
    summary = sh.close_shards(workdir, "b1")
    assert_batch_released(workdir, "b1")
    retried = safe_output(workdir, "b1")
    deidentify_batch(workdir, "b1", shards=1)
    assert safe_output(workdir, "b1") == retried and vars(deidentify_batch(workdir, "b1", shards=3)) == vars(summary)
    assert plan["shards"] == 3


def test_rerunning_a_shard_or_the_close_of_a_committed_attempt_changes_nothing(workdir):
    linked_batch(workdir)
    plan = sh.plan_shards(workdir, "b1", shards=2)
    results = [sh.deidentify_shard(workdir, "b1", k) for k in range(2)]
    summary = sh.close_shards(workdir, "b1", results)
    stamps = {p: p.stat().st_mtime_ns for p in workdir.restricted.rglob("*") if p.is_file()}
    entries = len(Ledger(workdir.ledger_url()).entries("b1"))
    assert [sh.deidentify_shard(workdir, "b1", k) for k in range(2)] == results
    assert sh.close_shards(workdir, "b1") == summary
    assert {p: p.stat().st_mtime_ns for p in workdir.restricted.rglob("*") if p.is_file()} == stamps
    assert len(Ledger(workdir.ledger_url()).entries("b1")) == entries
    assert not sh.shards_dir(workdir, "b1").exists() and not (sh.work_root(workdir, "b1") / sh.PERSONS).exists()
    before = safe_output(workdir, "b1")
    again = deidentify_batch(workdir, "b1", shards=2)  # the whole batch again: a new attempt, the same rows
    assert safe_output(workdir, "b1") == before and vars(again) == vars(summary)
    assert len(Ledger(workdir.ledger_url()).entries("b1")) == entries
    assert json.loads((sh.work_root(workdir, "b1") / sh.COMMITTED).read_text())["attempt"] != plan["attempt"]


def test_every_step_checks_its_inputs(workdir):
    linked_batch(workdir)
    sh.plan_shards(workdir, "b1", shards=2)
    sh.deidentify_shard(workdir, "b1", 0)
    report = workdir.reports / "b1" / "validation.json"
    report.write_text(json.dumps({"gate": {"passed": True, "reasons": []}, "again": 1}))  # validated again
    with pytest.raises(BatchNotReady, match="plan again"):
        sh.deidentify_shard(workdir, "b1", 1)
    with pytest.raises(BatchNotReady, match="plan again"):
        sh.close_shards(workdir, "b1")
    sh.plan_shards(workdir, "b1", shards=2)  # a new attempt: the old shard's output is gone
    assert not sh.shards_dir(workdir, "b1").exists()
    sh.deidentify_shard(workdir, "b1", 0)
    with pytest.raises(sh.ShardsIncomplete):
        sh.close_shards(workdir, "b1")
    report.write_text(json.dumps({"gate": {"passed": False, "reasons": ["too many errors"]}}))
    with pytest.raises(BatchNotReady, match="data-quality gate"):
        sh.deidentify_shard(workdir, "b1", 1)


def test_shard_files_are_private_and_stable(workdir):
    linked_batch(workdir)
    sh.plan_shards(workdir, "b1", shards=2)
    sh.deidentify_shard(workdir, "b1", 1)
    paths = list(sh.work_root(workdir, "b1").rglob("*"))
    assert paths and all(p.stat().st_mode & 0o777 == (0o700 if p.is_dir() else 0o600) for p in paths)
    keys = pa.array(["LK1", "LK2", None, "LK1"])
    assert sh.shard_of(keys, 7).to_pylist() == sh.shard_of(keys, 7).to_pylist()
    assert sh.shard_of(keys, 7).to_pylist()[2] == 0 and sh.shard_of(keys, 7)[0] == sh.shard_of(keys, 7)[3]
    assert sh.shard_of(pa.array(["LK1"]), 7).to_pylist() == [int.from_bytes(
        __import__("hashlib").md5(b"LK1").digest()[:8], "big") % 7]


def test_a_leak_in_one_shard_blocks_the_batch_and_fails_that_shard(workdir, monkeypatch):
    from pipelines.deidentify.gate import BatchNotReleased, ResidualPIIError, marker_path
    a, b, c, d = linked_batch(workdir)
    sh.plan_shards(workdir, "b1", shards=3)
    real = sh.Deidentifier.run_table

    def leaky(self, table_id, data, xml1, persons, flags):
        main, special, stats = real(self, table_id, data, xml1, persons, flags)
        if table_id == "xml1" and main.num_rows:  # the raw name left in a kept column
            main = main.set_column(main.column_names.index("LY_DO_VV"), "LY_DO_VV",
                                   pa.array(["Nguyễn Văn An"] * main.num_rows))
        return main, special, stats

    for k in (0, 2):
        sh.deidentify_shard(workdir, "b1", k)
    monkeypatch.setattr(sh.Deidentifier, "run_table", leaky)
    with pytest.raises(ResidualPIIError):
        sh.deidentify_shard(workdir, "b1", 1)
    assert json.loads(marker_path(workdir, "b1").read_text())["status"] == "blocked"
    assert sorted(p.name for p in sh.shards_dir(workdir, "b1").iterdir()) == ["shard-0", "shard-2"]
    with pytest.raises(BatchNotReleased):
        assert_batch_released(workdir, "b1")
    monkeypatch.setattr(sh.Deidentifier, "run_table", real)
    sh.deidentify_shard(workdir, "b1", 1)  # fixed: the shard passes its gate, the close releases the batch
    sh.close_shards(workdir, "b1")
    assert_batch_released(workdir, "b1")
