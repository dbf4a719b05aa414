"""Validate in shards (plan -> one task per shard -> close): the same verdicts, quarantine, failures,
report, ledger and gate whatever the number of shards, including the rules that cross rows (a
duplicate MA_LK and a child whose XML1 parent are staged in other files, a key with spaces); a failed
shard that leaves nothing and is retried; re-runs that change nothing; inputs checked at every step."""
from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_quality import StagedBatch, episode, merge

from pipelines.ingest import ingest, record_ingest
from pipelines.ledger import Ledger
from pipelines.quality import ORPHAN_RULE, validate_batch
from pipelines.quality import shards as vs
from pipelines.quality.examples import example_row
from pipelines.quality.validated import StagedDataChanged, read_validated
from pipelines.schema import EPISODE_TABLES
from pipelines.shards import ShardsIncomplete, shard_of
from pipelines.synth import generate
from pipelines.workdir import Workdir

BATCH = "bvalidateshards1"
GOOD = [f"LK_OK_{i:02d}" for i in range(16)]


def copy_of(workdir: Workdir, target) -> Workdir:
    shutil.copytree(workdir.root, target, symlinks=True)
    return Workdir.at(target)  # staged paths are relative to the root


@pytest.fixture(scope="module")
def crossing(tmp_path_factory) -> Workdir:
    """Episodes whose rows are staged in different files: a duplicate MA_LK with one XML1 row in each
    of two files, a child whose XML1 parent is in another file, a child whose key has surrounding
    spaces (its raw MA_LK hashes elsewhere), an orphan, a bad child row whose episode is in another file."""
    workdir = Workdir.at(tmp_path_factory.mktemp("vshards") / "data").ensure()
    staged = StagedBatch(workdir, BATCH)
    split = episode("LK_SPLIT")
    padded = episode("LK_PAD")
    bad_child = example_row("xml2", "LK_BAD_CHILD", stt=9) | {"NGAY_YL": "2024-07-01"}
    staged.write("file_a", merge(*(episode(k) for k in GOOD[:8]), episode("LK_DUP"),
                                 {"xml2": split["xml2"], "xml3": [example_row("xml3", " LK_PAD ", stt=7)]},
                                 {"xml2": [bad_child]}))
    staged.write("file_b", merge(*(episode(k) for k in GOOD[8:]), {"xml1": [example_row("xml1", "LK_DUP")]},
                                 {t: rows for t, rows in split.items() if t != "xml2"},
                                 {"xml3": [example_row("xml3", "LK_NO_PARENT")]}))
    staged.write("file_c", merge(padded, episode("LK_BAD_CHILD")))
    return workdir


def outcome(workdir: Workdir, batch: str) -> dict:
    """Everything validate writes that others read, without the paths."""
    files = {}
    for zone in (workdir.validated / batch, workdir.quarantine / batch):
        for path in sorted(zone.glob("*.parquet")):
            files[f"{zone.parent.name}/{path.name}"] = pq.read_table(path).to_pylist()
    ledger = sorted((e.table_name, e.received, e.passed, e.quarantined, json.dumps(e.details, sort_keys=True))
                    for e in Ledger(workdir.ledger_url()).entries(batch) if e.stage == "validate")
    return {"files": files, "ledger": ledger,
            "report": json.loads((workdir.reports / batch / "validation.json").read_text()),
            "index": json.loads((workdir.validated / batch / "index.json").read_text()),
            "rows": {t: read_validated(workdir, batch, t).to_pylist() for t in EPISODE_TABLES}}


def quarantined_rules(workdir: Workdir, batch: str, table_id: str, ma_lk: str) -> list[str]:
    rows = pq.read_table(workdir.quarantine / batch / f"{table_id}.parquet").to_pylist()
    return [r["_rule_ids"] for r in rows if r["MA_LK"] == ma_lk]


def spread(workdir: Workdir, batch: str, table_id: str = "xml1") -> list[int]:
    return json.loads((vs.work_root(workdir, batch) / "plan.json").read_text())["shard_rows"][table_id]


def test_crossing_rows_get_the_same_verdicts_and_gate_in_one_shard_and_in_four(crossing, tmp_path):
    one, four = copy_of(crossing, tmp_path / "one"), copy_of(crossing, tmp_path / "four")
    s1 = validate_batch(one, BATCH, error_threshold=0.1, shards=1)
    s4 = validate_batch(four, BATCH, error_threshold=0.1, shards=4)
    assert outcome(one, BATCH) == outcome(four, BATCH)
    assert (s1.gate_reasons, s1.episodes, s1.quarantined_episodes, s1.hoso) == \
        (s4.gate_reasons, s4.episodes, s4.quarantined_episodes, s4.hoso)
    assert not s4.gate_passed and s4.gate_reasons[0].startswith("error rate")
    assert sum(1 for n in spread(four, BATCH) if n) > 1  # the episodes were spread over the shards
    keys = ["LK_DUP", "LK_SPLIT", "LK_NO_PARENT", "LK_PAD", " LK_PAD "]
    assert len(set(shard_of(pa.array(keys), 4).to_pylist())) > 1
    # a duplicate MA_LK whose two XML1 rows are staged in two files: both quarantined, with the episode
    assert quarantined_rules(four, BATCH, "xml1", "LK_DUP") == ["xml1.MA_LK.unique"] * 2
    assert len(quarantined_rules(four, BATCH, "xml2", "LK_DUP")) == 2
    # a child whose XML1 parent is in another file, and one whose key has spaces: not orphans
    assert not quarantined_rules(four, BATCH, "xml2", "LK_SPLIT")
    assert all(ORPHAN_RULE not in r for r in quarantined_rules(four, BATCH, "xml3", " LK_PAD "))
    assert quarantined_rules(four, BATCH, "xml3", "LK_NO_PARENT") == [ORPHAN_RULE]
    # a bad child row quarantines its episode's XML1 row staged in another file
    assert quarantined_rules(four, BATCH, "xml1", "LK_BAD_CHILD") == ["xml.episode_quarantined"]
    assert {r["MA_LK"] for r in read_validated(four, BATCH, "xml1").to_pylist()} >= set(GOOD) | {"LK_SPLIT"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Workdir, str]:
    """A generated batch with defects, staged in several parts per table."""
    root = tmp_path_factory.mktemp("vgen")
    generate(120, 23, root / "synth", defects_rate=0.2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANDANH_INGEST_CHUNK_FILES", "4")
        summary = ingest(root / "synth" / "xml", root / "work", record=False)
    record_ingest(Workdir.at(root / "work"), summary.batch_id)
    return Workdir.at(root / "work"), summary.batch_id


@pytest.mark.parametrize("files_in_place", [None, 0])  # 0: every table copied once by the plan
def test_a_generated_batch_gives_the_same_outputs_in_one_shard_and_in_four(generated, tmp_path, monkeypatch,
                                                                          files_in_place):
    import pipelines.quality.validate as validate
    monkeypatch.setattr(validate, "MAX_FILES_READ_IN_PLACE", files_in_place)
    workdir, batch = generated
    one, four = copy_of(workdir, tmp_path / "one"), copy_of(workdir, tmp_path / "four")
    s1 = validate_batch(one, batch, error_threshold=1.0, shards=1)
    s4 = validate_batch(four, batch, error_threshold=1.0, shards=4)
    assert outcome(one, batch) == outcome(four, batch)
    assert s1.quarantined_episodes == s4.quarantined_episodes > 0 and s4.gate_passed
    assert min(spread(four, batch, "xml2")) > 0
    copies = sorted(p.name for p in (four.validated / batch).glob("*.rows.parquet"))
    assert copies == ([f"{t}.rows.parquet" for t in EPISODE_TABLES] if files_in_place == 0 else [])
    assert not (vs.shards_dir(four, batch)).exists() and not vs.keys_path(four, batch).exists()


def test_a_failed_shard_leaves_nothing_and_its_retry_completes_the_batch(crossing, tmp_path, monkeypatch):
    reference = copy_of(crossing, tmp_path / "reference")
    validate_batch(reference, BATCH, error_threshold=0.1, shards=1)
    workdir = copy_of(crossing, tmp_path / "work")
    vs.plan_validate(workdir, BATCH, error_threshold=0.1, shards=3)
    real = vs.validate_rows

    def broken(wd, batch, plan, shard, out):
        if shard == 1:
            real(wd, batch, plan, shard, out)  # its outputs written, then the worker dies
            raise OSError("worker lost")
        return real(wd, batch, plan, shard, out)

    monkeypatch.setattr(vs, "validate_rows", broken)
    vs.validate_shard(workdir, BATCH, 0)
    with pytest.raises(OSError):
        vs.validate_shard(workdir, BATCH, 1)
    vs.validate_shard(workdir, BATCH, 2)
    assert sorted(p.name for p in vs.shards_dir(workdir, BATCH).iterdir()) == ["shard-0", "shard-2"]
    assert not (workdir.validated / BATCH).exists() and not (workdir.quarantine / BATCH).exists()
    with pytest.raises(ShardsIncomplete, match="shard 1 of 3"):
        vs.close_validate(workdir, BATCH)
    monkeypatch.setattr(vs, "validate_rows", real)
    vs.validate_shard(workdir, BATCH, 1)  # the retry
    summary = vs.close_validate(workdir, BATCH)
    assert outcome(workdir, BATCH) == outcome(reference, BATCH)
    assert not summary.gate_passed


def test_rerunning_a_shard_or_the_close_of_a_committed_attempt_changes_nothing(crossing, tmp_path):
    workdir = copy_of(crossing, tmp_path / "work")
    plan = vs.plan_validate(workdir, BATCH, error_threshold=0.1, shards=2)
    counts = [vs.validate_shard(workdir, BATCH, k) for k in range(2)]
    summary = vs.close_validate(workdir, BATCH)
    before = outcome(workdir, BATCH)
    stamps = {p: p.stat().st_mtime_ns for p in workdir.root.rglob("*") if p.is_file()}  # the ledger too
    entries = sorted(map(repr, Ledger(workdir.ledger_url()).entries(BATCH)))
    assert [vs.validate_shard(workdir, BATCH, k) for k in range(2)] == counts
    again = vs.close_validate(workdir, BATCH)
    assert vars(again) == vars(summary)
    assert {p: p.stat().st_mtime_ns for p in workdir.root.rglob("*") if p.is_file()} == stamps
    assert sorted(map(repr, Ledger(workdir.ledger_url()).entries(BATCH))) == entries
    # the whole batch again: a new attempt that writes the same outputs
    validate_batch(workdir, BATCH, error_threshold=0.1, shards=2)
    assert outcome(workdir, BATCH) == before
    assert sorted(map(repr, Ledger(workdir.ledger_url()).entries(BATCH))) == entries
    assert json.loads((vs.work_root(workdir, BATCH) / "committed.json").read_text())["attempt"] != plan["attempt"]


def test_every_step_refuses_changed_inputs_and_mixed_attempts(crossing, tmp_path):
    workdir = copy_of(crossing, tmp_path / "work")
    vs.plan_validate(workdir, BATCH, shards=2)
    vs.validate_shard(workdir, BATCH, 0)
    old = tmp_path / "old-shard-0"
    shutil.copytree(vs.shards_dir(workdir, BATCH) / "shard-0", old)
    vs.plan_validate(workdir, BATCH, shards=2)  # a new attempt: the old shard is gone
    assert not vs.shards_dir(workdir, BATCH).exists()
    for k in range(2):
        vs.validate_shard(workdir, BATCH, k)
    shutil.rmtree(vs.shards_dir(workdir, BATCH) / "shard-0")
    shutil.copytree(old, vs.shards_dir(workdir, BATCH) / "shard-0")
    with pytest.raises(ShardsIncomplete, match="another attempt"):
        vs.close_validate(workdir, BATCH)
    with pytest.raises(ValueError, match="not a shard 2"):
        vs.validate_shard(workdir, BATCH, 2)
    # a staged file rewritten after the plan: the shards and the close refuse
    vs.plan_validate(workdir, BATCH, shards=2)
    vs.validate_shard(workdir, BATCH, 0)
    staged = sorted((workdir.staging).rglob("*.parquet"))[0]
    table = pq.read_table(staged)
    pq.write_table(table.slice(0, max(table.num_rows - 1, 0)), staged)
    with pytest.raises(StagedDataChanged, match="plan again"):
        vs.validate_shard(workdir, BATCH, 1)
    with pytest.raises(StagedDataChanged, match="plan again"):
        vs.close_validate(workdir, BATCH)
    assert not (workdir.validated / BATCH).exists()


def test_shard_files_are_private(crossing, tmp_path):
    workdir = copy_of(crossing, tmp_path / "work")
    vs.plan_validate(workdir, BATCH, shards=2)
    vs.validate_shard(workdir, BATCH, 1)
    paths = list(vs.work_root(workdir, BATCH).rglob("*"))
    assert vs.keys_path(workdir, BATCH) in paths and vs.shards_dir(workdir, BATCH) / "shard-1" in paths
    assert all(p.stat().st_mode & 0o777 == (0o700 if p.is_dir() else 0o600) for p in paths)


def test_rules_that_cannot_run_close_the_gate_with_the_same_reasons_in_any_number_of_shards(crossing, tmp_path):
    from pipelines.quality.engine import DEFAULT_EXPECTATIONS_DIR
    suites = tmp_path / "suites"
    shutil.copytree(DEFAULT_EXPECTATIONS_DIR, suites)
    for table_id, rule_id, condition in (("xml2", "xml2.NGAY_YL.broken", "CAST(NGAY_YL AS INTEGER) > 0"),
                                         ("xml1", "xml1.NO_SUCH.broken", "NO_SUCH_COLUMN > 0")):
        path = suites / f"{table_id}.json"
        suite = json.loads(path.read_text())
        suite["expectations"].append({
            "type": "unexpected_rows_expectation",
            "kwargs": {"unexpected_rows_query": f"SELECT _staged_row FROM {{batch}} WHERE {condition}"},
            "meta": {"rule_id": rule_id, "severity": "error", "table": table_id, "fields": ["NGAY_YL"]}})
        path.write_text(json.dumps(suite))
    one, four = copy_of(crossing, tmp_path / "one"), copy_of(crossing, tmp_path / "four")
    s1 = validate_batch(one, BATCH, error_threshold=1.0, expectations_dir=suites, shards=1)
    s4 = validate_batch(four, BATCH, error_threshold=1.0, expectations_dir=suites, shards=4)
    assert s4.gate_reasons == s1.gate_reasons and not s4.gate_passed
    assert [r.split(":")[0] for r in s4.gate_reasons] == ["xml1.NO_SUCH.broken", "xml2.NGAY_YL.broken"]
    assert outcome(one, BATCH) == outcome(four, BATCH)
    assert s4.quarantined_episodes == s4.episodes  # a rule that cannot run fails every row (fail closed)
