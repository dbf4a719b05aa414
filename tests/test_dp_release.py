"""Differential privacy as a dataset's disclosure method, through the one release step."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from pipelines.datasets import DatasetConfigError, load_datasets
from pipelines.dp import BudgetExceeded, EpsilonLedger
from pipelines.hierarchies import ALL
from pipelines.run import release
from release_fixtures import TEST_DATASETS, episode, write_datasets, write_safe

# the SDC test dataset with DP as its disclosure method (one config shape for both methods)
DP_DATASETS = TEST_DATASETS.replace("  enc:\n", "  encdp:\n").replace(
    "title_vi: Lượt KCB\n", "title_vi: Lượt KCB (quyền riêng tư vi phân)\n").replace(
    "title_en: Encounters\n", "title_en: Encounters (differential privacy)\n").replace(
    "disclosure: {method: sdc, min_count: 8, round_to: 5, dominance: {n: 2, k: 90, p: 10}, protection: 0.1}",
    "disclosure: {method: dp, epsilon: 1.0, mechanism: laplace, max_contributions: 1,\n"
    "                 bounds: {total_cost_vnd: [0, 1000]}}")
CONSUMER = "release:encdp"
Q1_CLOSED = dt.date(2025, 5, 1)


def rows(quarter_months=("2025-01", "2025-02", "2025-03"), prefix="A", n=60) -> list[dict]:
    """``n`` episodes of ``n`` persons over the quarter's months, provinces, chapters and sexes."""
    chapters = ["J18.0", "I10", "E11", "K35"]
    return [episode(f"{prefix}{i}", PERSON_ID=f"P{prefix}{i}", THANG_VAO=quarter_months[i % 3],
                    MATINH_2025=["01", "79", "48"][i % 3 if i % 2 else 0], MA_BENH_CHINH=chapters[i % 4],
                    GIOI_TINH=str(1 + i % 2), T_TONGCHI_BV=str(100 + 7 * i)) for i in range(n)]


@pytest.fixture
def config(tmp_path):
    return write_datasets(tmp_path, DP_DATASETS)


def ledger(workdir) -> EpsilonLedger:
    return EpsilonLedger(workdir.ledger_url())


def published(summary) -> dict[str, pd.DataFrame]:
    import duckdb
    return {f.name: duckdb.sql(f"SELECT * FROM read_parquet('{f}/**/*.parquet', hive_partitioning = true, "
                               "hive_types_autocast = false)").df()
            for f in sorted(p for p in summary.path.iterdir() if p.is_dir())}


def spends(workdir) -> list[dict]:
    return ledger(workdir).spends(CONSUMER)


def truth(episodes: list[dict]) -> pd.DataFrame:
    """The true rows (as the release step maps them), to compare the noisy cells with."""
    frame = pd.DataFrame(episodes)
    chapter = {"J": "X", "I": "IX", "E": "IV", "K": "XI"}
    return pd.DataFrame({"month": frame["THANG_VAO"], "quarter": "2025-Q1", "province": frame["MATINH_2025"],
                         "icd10_chapter": frame["MA_BENH_CHINH"].str[0].map(chapter), "sex": frame["GIOI_TINH"],
                         "encounters": 1, "total_cost_vnd": frame["T_TONGCHI_BV"].astype(float)})


def true_cells(rows: pd.DataFrame, cells: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per published cell, the true count and sum (a ``*`` label: every value)."""
    out = []
    for _, cell in cells[columns].iterrows():
        hit = pd.Series(True, index=rows.index)
        for c in columns:
            if cell[c] != ALL:
                hit &= rows[c] == cell[c]
        out.append((int(hit.sum()), float(rows.loc[hit, "total_cost_vnd"].sum())))
    return pd.DataFrame(out, columns=["encounters", "total_cost_vnd"], index=cells.index)


def test_a_dp_dataset_is_released_by_the_one_release_step(workdir, config):
    from pipelines.cli import main

    ledger(workdir).set_budget(CONSUMER, 2.0)
    episodes = rows()
    write_safe(workdir, "b1", episodes)
    [s] = release(workdir, as_of=Q1_CLOSED, config=config)
    assert s.version and s.new_periods == ["2025-Q1"] and s.suppressed_cells == 0

    tables = published(s)
    # every cell of the declared categories (and unknown), and every total, zero cells included
    assert len(tables["national_quarter_sex"]) == 4  # 1, 2, unknown, *
    assert len(tables["province_quarter"]) == 34 + 2
    assert len(tables["national_month_chapter"]) == (3 + 1) * (22 + 2)
    assert set(tables["national_month_chapter"]["month"]) == {"2025-01", "2025-02", "2025-03", ALL}
    for t in tables.values():
        for m in ("encounters", "total_cost_vnd"):
            assert {f"{m}_low", f"{m}_high"} <= set(t.columns)
            assert ((t[f"{m}_low"] <= t[m]) & (t[m] <= t[f"{m}_high"])).all()
        assert pd.api.types.is_integer_dtype(t["encounters"]) and "suppressed" not in t.columns

    manifest = json.loads((s.path / "manifest.json").read_text())
    dp = manifest["metadata"]["dp"]
    assert dp["epsilon_spent"] == 1.0 and dp["periods"]["2025-Q1"]["epsilon"] == 1.0
    assert dp["periods"]["2025-Q1"]["certified_epsilon"] <= 1.0 and dp["consumer"] == CONSUMER
    assert manifest["disclosure"]["method"] == "dp" and manifest["disclosure"]["audit"]["passed"]
    # the public manifest carries no exact count (it would bypass the noise)
    assert "utility" not in manifest["metadata"] and "held_back" not in manifest["metadata"]
    assert "encounters_low" in manifest["extra_columns"]
    assert "Differential privacy" in (s.path / "DATA_DICTIONARY.md").read_text()

    [spend] = spends(workdir)
    assert spend["status"] == "spent" and spend["epsilon"] == 1.0 and spend["release_id"] == "encdp/2025-Q1"
    assert ledger(workdir).remaining(CONSUMER) == pytest.approx(1.0)
    frozen = json.loads((workdir.restricted / "releases" / "encdp" / "2025-Q1" / "period.json").read_text())
    assert frozen["dp"]["spend_id"] == spend["id"]
    # a record falls in 2**k cells of a table with k total margins: that is its sensitivity
    assert frozen["dp"]["tables"]["national_month_chapter"]["cells_per_record"] == 4
    assert frozen["dp"]["tables"]["province_quarter"]["cells_per_record"] == 2
    assert main(["verify", str(s.path)]) == 0


def test_the_intervals_cover_the_true_values(workdir, config):
    ledger(workdir).set_budget(CONSUMER, 1.0)
    episodes = rows()
    write_safe(workdir, "b1", episodes)
    [s] = release(workdir, as_of=Q1_CLOSED, config=config)
    spec = load_datasets(config)[0]
    covered = total = 0
    for name, t in published(s).items():
        columns = list(dict.fromkeys(["quarter", *spec.table(name).columns]))
        true = true_cells(truth(episodes), t, columns)
        for m in ("encounters", "total_cost_vnd"):
            covered += int(((t[f"{m}_low"] <= true[m]) & (true[m] <= t[f"{m}_high"])).sum())
            total += len(t)
    assert total == 2 * (4 + 36 + 96) and covered / total >= 0.88  # 95% intervals (expected ~ 258 of 272)


def test_a_rerun_is_the_same_release_and_spends_nothing(workdir, config):
    ledger(workdir).set_budget(CONSUMER, 1.0)
    write_safe(workdir, "b1", rows())
    [first] = release(workdir, as_of=Q1_CLOSED, config=config)
    files = {p: p.stat().st_mtime_ns for p in first.path.rglob("*")}
    before = published(first)
    [again] = release(workdir, as_of=Q1_CLOSED + dt.timedelta(days=30), config=config)
    assert again.version == first.version and again.already_published and not again.new_periods
    assert {p: p.stat().st_mtime_ns for p in first.path.rglob("*")} == files  # the noise is never redrawn
    assert len(spends(workdir)) == 1 and ledger(workdir).remaining(CONSUMER) == 0.0
    for name, t in published(again).items():
        pd.testing.assert_frame_equal(t, before[name])


def test_the_next_quarter_spends_again_and_an_overspend_is_refused(workdir, config):
    ledger(workdir).set_budget(CONSUMER, 2.0)
    write_safe(workdir, "b1", rows())
    [q1] = release(workdir, as_of=Q1_CLOSED, config=config)
    q1_cells = published(q1)
    write_safe(workdir, "b2", rows(("2025-04", "2025-05", "2025-06"), prefix="B"))
    [q2] = release(workdir, as_of=dt.date(2025, 8, 1), config=config)
    assert q2.periods == ["2025-Q1", "2025-Q2"] and q2.new_periods == ["2025-Q2"]
    manifest = json.loads((q2.path / "manifest.json").read_text())
    assert manifest["metadata"]["dp"]["epsilon_spent"] == 2.0  # both periods' ε, listed per period
    for name, t in published(q2).items():  # the frozen quarter is carried unchanged (no differencing)
        old = t[t["quarter"] == "2025-Q1"].sort_values(list(t.columns[:3])).reset_index(drop=True)
        pd.testing.assert_frame_equal(old, q1_cells[name].sort_values(list(t.columns[:3])).reset_index(drop=True),
                                      check_like=True)

    write_safe(workdir, "b3", rows(("2025-07", "2025-08", "2025-09"), prefix="C"))
    latest = (workdir.published / "encdp" / "LATEST").read_text()
    with pytest.raises(BudgetExceeded, match=r"needs ε=1 .* only 0 of 2 is left; refused, nothing was spent"):
        release(workdir, as_of=dt.date(2025, 11, 1), config=config)
    assert [s["status"] for s in spends(workdir)] == ["spent", "spent"]
    assert (workdir.published / "encdp" / "LATEST").read_text() == latest  # the earlier release stands
    assert not (workdir.restricted / "releases" / "encdp" / "2025-Q3").exists()


def test_without_a_budget_nothing_is_spent_or_published(workdir, config):
    write_safe(workdir, "b1", rows())
    with pytest.raises(BudgetExceeded, match="budget 'release:encdp' is not set.*andanh dp-budget"):
        release(workdir, as_of=Q1_CLOSED, config=config)
    assert spends(workdir) == [] and not (workdir.published / "encdp").exists()
    ledger(workdir).set_budget(CONSUMER, 1.0)  # the custodian sets it: the next run releases
    [s] = release(workdir, as_of=Q1_CLOSED, config=config)
    assert s.version and ledger(workdir).remaining(CONSUMER) == 0.0


def test_an_overspend_across_new_periods_spends_nothing(workdir, config):
    ledger(workdir).set_budget(CONSUMER, 1.5)  # one period's ε, not two
    write_safe(workdir, "b1", rows() + rows(("2025-04", "2025-05", "2025-06"), prefix="B"))
    with pytest.raises(BudgetExceeded, match=r"2 new period\(s\) \(2025-Q1, 2025-Q2\) needs ε=2"):
        release(workdir, as_of=dt.date(2025, 8, 1), config=config)
    assert spends(workdir) == [] and not (workdir.restricted / "releases" / "encdp").exists()


def test_a_failed_build_refunds(workdir, config, monkeypatch):
    import pipelines.dp.dataset as dp_dataset

    ledger(workdir).set_budget(CONSUMER, 1.0)
    write_safe(workdir, "b1", rows())
    real = dp_dataset.period_tables

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while adding noise")
    monkeypatch.setattr(dp_dataset, "period_tables", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        release(workdir, as_of=Q1_CLOSED, config=config)
    [spend] = spends(workdir)
    assert spend["status"] == "refunded" and ledger(workdir).remaining(CONSUMER) == 1.0
    assert not (workdir.restricted / "releases" / "encdp" / "2025-Q1").exists()
    monkeypatch.setattr(dp_dataset, "period_tables", real)
    [s] = release(workdir, as_of=Q1_CLOSED, config=config)
    assert s.version and ledger(workdir).remaining(CONSUMER) == 0.0


def test_a_release_that_fails_before_publishing_unfreezes_and_refunds(workdir, config, monkeypatch):
    import pipelines.publish as publish

    ledger(workdir).set_budget(CONSUMER, 1.0)
    write_safe(workdir, "b1", rows())

    def broken(*args, **kwargs):
        raise OSError("no space left on device")
    monkeypatch.setattr(publish, "publish_release", broken)
    with pytest.raises(OSError):
        release(workdir, as_of=Q1_CLOSED, config=config)
    assert [s["status"] for s in spends(workdir)] == ["refunded"]
    assert not (workdir.restricted / "releases" / "encdp" / "2025-Q1").exists()
    assert not (workdir.published / "encdp").exists()
    monkeypatch.undo()
    [s] = release(workdir, as_of=Q1_CLOSED, config=config)
    assert s.version and ledger(workdir).remaining(CONSUMER) == 0.0


def test_a_spend_left_by_a_crash_before_the_freeze_is_refunded(workdir, config):
    ledger(workdir).set_budget(CONSUMER, 1.0)
    ledger(workdir).spend(CONSUMER, 1.0, "encdp/2025-Q1")  # the run stopped between spend and freeze
    write_safe(workdir, "b1", rows())
    [s] = release(workdir, as_of=Q1_CLOSED, config=config)  # its noise was never kept: refunded, spent anew
    assert s.version and [x["status"] for x in spends(workdir)] == ["refunded", "spent"]
    assert ledger(workdir).remaining(CONSUMER) == 0.0


def test_the_audit_refuses_missing_intervals_and_an_epsilon_above_config(workdir, config):
    from pipelines.publish import ReleaseAuditError, publish_release

    ledger(workdir).set_budget(CONSUMER, 1.0)
    write_safe(workdir, "b1", rows())
    [s] = release(workdir, as_of=Q1_CLOSED, config=config)
    spec = load_datasets(config)[0].published_view()
    tables = published(s)
    meta = json.loads((s.path / "manifest.json").read_text())["metadata"]
    columns = json.loads((s.path / "manifest.json").read_text())["extra_columns"]
    ok = {"dp": meta["dp"], "columns": columns}

    no_interval = tables | {"province_quarter": tables["province_quarter"].drop(columns=["total_cost_vnd_high"])}
    with pytest.raises(ReleaseAuditError, match="total_cost_vnd is published without its 95% interval"):
        publish_release(workdir, spec, "v-bad1", no_interval, metadata=ok)
    narrow = tables | {"national_quarter_sex": tables["national_quarter_sex"].assign(
        encounters_low=lambda t: t["encounters"], encounters_high=lambda t: t["encounters"])}
    with pytest.raises(ReleaseAuditError, match="interval has a positive width"):
        publish_release(workdir, spec, "v-bad2", narrow, metadata=ok)
    greedy = json.loads(json.dumps(meta["dp"]))
    greedy["periods"]["2025-Q1"]["epsilon"] = 2.0
    with pytest.raises(ReleaseAuditError, match="spent ε=2.0, above the configured 1"):
        publish_release(workdir, spec, "v-bad3", tables, metadata={"dp": greedy, "columns": columns})
    elsewhere = json.loads(json.dumps(meta["dp"]))
    elsewhere["periods"] = {"2024-Q4": elsewhere["periods"]["2025-Q1"]}
    with pytest.raises(ReleaseAuditError, match="2025-Q1 are published without ε spent"):
        publish_release(workdir, spec, "v-bad5", tables, metadata={"dp": elsewhere, "columns": columns})
    with pytest.raises(ReleaseAuditError, match="states no ε spent"):
        publish_release(workdir, spec, "v-bad4", tables, metadata={"columns": columns})
    assert not any((workdir.published / "encdp").glob("v-bad*"))


@pytest.mark.parametrize("change, message", [
    ("bounds: {total_cost_vnd: [0, 1000]}", None),
    ("bounds: {}", "every sum measure needs"),
    ("bounds: {total_cost_vnd: [10, 0]}", "lower <= upper"),
    ("bounds: {total_cost_vnd: [0, 1000]}, alpha: 0.1", "unknown dp key"),
    ("bounds: {total_cost_vnd: [0, 1000]}, mechanism: exponential", "laplace or gaussian"),
])
def test_a_dp_dataset_config_is_checked(tmp_path, change, message):
    text = DP_DATASETS.replace("bounds: {total_cost_vnd: [0, 1000]}", change)
    if message is None:
        assert load_datasets(write_datasets(tmp_path, text))[0].disclosure["method"] == "dp"
        return
    with pytest.raises(DatasetConfigError, match=message):
        load_datasets(write_datasets(tmp_path, text))


def test_a_dp_dataset_needs_declared_categories(tmp_path):
    text = DP_DATASETS.replace("sex: {from: GIOI_TINH, codes: {\"1\": Nam, \"2\": Nữ}}", "sex: {from: GIOI_TINH, open: true}")
    with pytest.raises(DatasetConfigError, match="dimensions.sex: a dp dataset publishes every cell"):
        load_datasets(write_datasets(tmp_path, text))


@pytest.mark.parametrize("mechanism", ["laplace", "gaussian"])
def test_noisy_tables_cover_many_cells(mechanism):
    import numpy as np

    from pipelines.dp import DpRequest
    from pipelines.dp.dataset import Axis, noisy_table

    rng = np.random.default_rng(3)
    records = pd.DataFrame({"group": rng.integers(0, 400, 4000).astype(str),
                            "cost": rng.uniform(0, 100, 4000)})
    spec = DpRequest(epsilon=2.0, sums={"cost": (0.0, 100.0)}, mechanism=mechanism)
    frame, report = noisy_table(records, [Axis("group", tuple(map(str, range(400))))], "n", ["cost"], spec, 2)
    true = records.groupby("group").agg(n=("cost", "size"), cost=("cost", "sum"))
    true.loc[ALL] = [len(records), records["cost"].sum()]
    frame = frame.join(true, on="group", rsuffix="_true").fillna({"n_true": 0, "cost_true": 0.0})
    for m in ("n", "cost"):
        covered = (frame[f"{m}_low"] <= frame[f"{m}_true"]) & (frame[f"{m}_true"] <= frame[f"{m}_high"])
        assert covered.mean() >= 0.9, (m, covered.mean())
    assert report["cells"] == 401 and report["cells_per_record"] == 2
    assert sum(r["epsilon"] for r in report["measurements"].values()) <= 2.0 + 1e-9


def test_a_published_period_removed_by_hand_stays_paid(workdir, config):
    import shutil

    ledger(workdir).set_budget(CONSUMER, 1.0)
    write_safe(workdir, "b1", rows())
    release(workdir, as_of=Q1_CLOSED, config=config)
    shutil.rmtree(workdir.restricted / "releases" / "encdp" / "2025-Q1")  # its noise is public already
    with pytest.raises(BudgetExceeded, match="only 0 of 1 is left"):
        release(workdir, as_of=Q1_CLOSED, config=config)
    assert [s["status"] for s in spends(workdir)] == ["spent"]


def test_andanh_release_and_a_gaussian_dataset(workdir, config, tmp_path, capsys):
    from pipelines.cli import main

    gaussian = write_datasets(tmp_path, DP_DATASETS.replace("mechanism: laplace", "mechanism: gaussian, delta: 1.0e-6"))
    main(["dp-budget", "--workdir", str(workdir.root), "--consumer", CONSUMER, "--set", "1"])
    write_safe(workdir, "b1", rows())
    assert main(["release", "--workdir", str(workdir.root), "--config", str(gaussian), "--as-of", "2025-05-01"]) == 0
    assert "differential privacy: ε spent now 1, left in the budget 0" in capsys.readouterr().out
    [latest] = (workdir.published / "encdp").glob("2025-Q1.*")
    dp = json.loads((latest / "manifest.json").read_text())["metadata"]["dp"]
    assert dp["mechanism"] == "gaussian" and dp["periods"]["2025-Q1"]["delta"] == pytest.approx(1e-6)
    assert dp["periods"]["2025-Q1"]["certified_epsilon"] <= 1.0
    assert main(["verify", str(latest)]) == 0
    assert main(["release", "--workdir", str(workdir.root), "--config", str(gaussian), "--as-of", "2025-06-01"]) == 0
    assert len(spends(workdir)) == 1  # the rerun spends nothing


def test_the_commented_dp_example_in_datasets_yaml_is_valid(tmp_path):
    from pipelines.datasets import DATASETS_FILE

    text = DATASETS_FILE.read_text(encoding="utf-8")
    start, end = text.index("#   encounters_dp:"), text.index("#     partition_by: []")
    example = "\n".join("  " + line[4:] for line in text[start:end + len("#     partition_by: []")].splitlines())
    path = tmp_path / "datasets.yaml"
    path.write_text(text[:text.index("datasets:\n")] + "datasets:\n" + example + "\n", encoding="utf-8")
    [spec] = load_datasets(path)
    assert spec.name == "encounters_dp" and spec.disclosure["method"] == "dp"


def test_a_refused_dp_dataset_does_not_hold_back_the_others(workdir, tmp_path):
    from release_fixtures import TEST_DATASETS

    both = write_datasets(tmp_path, TEST_DATASETS + DP_DATASETS.split("datasets:\n", 1)[1])
    write_safe(workdir, "b1", rows())
    with pytest.raises(BudgetExceeded, match="encdp: its ε budget 'release:encdp' is not set"):
        release(workdir, as_of=Q1_CLOSED, config=both)
    assert (workdir.published / "enc" / "LATEST").exists() and not (workdir.published / "encdp").exists()
    assert spends(workdir) == []
