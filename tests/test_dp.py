"""Differential privacy: OpenDP noise with honest intervals, and an ε budget that cannot be overspent."""
from __future__ import annotations

import multiprocessing as mp
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from pipelines.dp import BudgetExceeded, DpRequest, EpsilonLedger, release_dp
from pipelines.dp.budget import dp_spends

N_CELLS = 4000


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'ledger.sqlite'}"


def records(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    per_cell = rng.integers(0, 30, N_CELLS)
    cell = np.repeat(np.arange(N_CELLS), per_cell)
    cost = rng.uniform(0, 1000, len(cell))
    df = pd.DataFrame({"PERSON_ID": [f"P{i}" for i in range(len(cell))], "cell": cell.astype(str), "cost": cost})
    true_sum = np.bincount(cell, weights=cost, minlength=N_CELLS)
    return df, per_cell, true_sum


def spec(mechanism: str = "laplace", epsilon: float = 1.0) -> DpRequest:
    return DpRequest.from_config({"epsilon": epsilon, "mechanism": mechanism, "max_contributions": 1,
                                  "groups": [{"column": "cell", "categories": [str(i) for i in range(N_CELLS)]}],
                                  "sums": {"cost": {"lower": 0, "upper": 1000}}})


@pytest.mark.parametrize("mechanism", ["laplace", "gaussian"])
def test_intervals_cover_the_true_values_at_the_stated_rate(url, mechanism):
    ledger = EpsilonLedger(url)
    ledger.set_budget("c", 10)
    df, true_count, true_sum = records()
    out = release_dp(df, spec(mechanism), ledger=ledger, consumer="c", release_id="r").table
    assert list(out["cell"]) == [str(i) for i in range(N_CELLS)]  # every declared cell, zero cells too
    count_cover = ((out["count_low"] <= true_count) & (true_count <= out["count_high"])).mean()
    sum_cover = ((out["cost_sum_low"] <= true_sum) & (true_sum <= out["cost_sum_high"])).mean()
    # 4000 cells: a binomial(4000, 0.95) share has sd 0.0034, so these bounds are > 5 sd away
    assert 0.93 <= count_cover <= 0.99, count_cover  # discrete noise: the interval holds at least 95%
    assert 0.93 <= sum_cover <= 0.97, sum_cover
    assert (out["count"] != true_count).mean() > 0.5  # noise was added


def test_epsilon_recorded_is_what_opendp_certifies(url):
    ledger = EpsilonLedger(url)
    ledger.set_budget("c", 5)
    df, _, _ = records(1)
    report = release_dp(df, spec("laplace", 0.8), ledger=ledger, consumer="c", release_id="r").report
    assert sum(m["epsilon"] for m in report["measurements"].values()) <= 0.8 + 1e-9
    assert report["epsilon_remaining"] == pytest.approx(4.2)


def test_contributions_are_bounded_per_person(url):
    ledger = EpsilonLedger(url)
    ledger.set_budget("c", 1000)
    df = pd.DataFrame({"PERSON_ID": ["same"] * 500 + [f"p{i}" for i in range(100)], "g": "a", "cost": 1.0})
    s = DpRequest.from_config({"epsilon": 100.0, "max_contributions": 2, "groups": [{"column": "g", "categories": ["a"]}]})
    out = release_dp(df, s, ledger=ledger, consumer="c", release_id="r").table
    assert abs(int(out["count"][0]) - 102) < 10  # 100 persons + at most 2 records of the heavy one


def test_overspend_is_refused_and_spends_nothing(url):
    ledger = EpsilonLedger(url)
    ledger.set_budget("c", 1.5)
    df, _, _ = records(2)
    release_dp(df, spec(epsilon=1.0), ledger=ledger, consumer="c", release_id="first")
    with pytest.raises(BudgetExceeded, match=r"needs ε=1 but only 0.5 of 1.5 is left; refused, nothing was spent"):
        release_dp(df, spec(epsilon=1.0), ledger=ledger, consumer="c", release_id="second")
    assert ledger.remaining("c") == pytest.approx(0.5)
    assert [s["release_id"] for s in ledger.spends("c")] == ["first"]
    with pytest.raises(BudgetExceeded, match="no ε budget"):
        ledger.spend("nobody", 0.1, "x")


def test_failed_build_refunds(url):
    ledger = EpsilonLedger(url)
    ledger.set_budget("c", 1.0)
    bad = pd.DataFrame({"PERSON_ID": ["a"], "cell": ["0"]})  # no cost column: the build fails after spending
    with pytest.raises(ValueError, match="cost"):
        release_dp(bad, spec(epsilon=0.7), ledger=ledger, consumer="c", release_id="fails")
    assert ledger.remaining("c") == pytest.approx(1.0)
    assert [s["status"] for s in ledger.spends("c")] == ["refunded"]


def test_budget_persists_across_ledger_instances(url):
    EpsilonLedger(url).set_budget("c", 2.0)
    EpsilonLedger(url).spend("c", 0.75, "run-1")
    again = EpsilonLedger(url)  # another DAG run, another process: the same database
    assert again.remaining("c") == pytest.approx(1.25)
    with pytest.raises(BudgetExceeded):
        again.spend("c", 1.3, "run-2")


def test_threads_racing_for_the_last_epsilon(url):
    ledger = EpsilonLedger(url)
    ledger.set_budget("c", 1.0)
    start = threading.Barrier(8)

    def attempt(i: int) -> bool:
        start.wait()
        try:
            ledger.spend("c", 0.3, f"t{i}")
            return True
        except BudgetExceeded:
            return False

    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(attempt, range(8)))
    assert sum(won) == 3
    assert ledger.remaining("c") == pytest.approx(0.1)


def _race(url: str, barrier, results, i: int) -> None:
    ledger = EpsilonLedger(url)
    barrier.wait()
    try:
        ledger.spend("c", 0.6, f"p{i}")
        results.put(True)
    except BudgetExceeded:
        results.put(False)


def _processes_race(url: str) -> list[bool]:
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(url, barrier, results, i)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    return [results.get(timeout=5) for _ in procs]


def test_two_processes_racing_for_the_last_epsilon(url):
    EpsilonLedger(url).set_budget("c", 1.0)
    assert sorted(_processes_race(url)) == [False, True]
    assert EpsilonLedger(url).remaining("c") == pytest.approx(0.4)


@pytest.mark.postgres
def test_two_processes_racing_on_postgresql():
    import sqlalchemy as sa
    from conftest import PG_URL
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = 'extract_dp_test'")).scalar():
                conn.execute(sa.text("CREATE DATABASE extract_dp_test"))
    except sa.exc.OperationalError:
        pytest.skip("PostgreSQL is not reachable")
    url = PG_URL.rsplit("/", 1)[0] + "/extract_dp_test"
    ledger = EpsilonLedger(url)
    with ledger.engine.begin() as conn:
        conn.execute(dp_spends.delete())
    ledger.set_budget("c", 1.0)
    assert sorted(_processes_race(url)) == [False, True]
    assert EpsilonLedger(url).remaining("c") == pytest.approx(0.4)


def test_dataset_disclosure_config_is_accepted(url):
    # a dataset with disclosure.method: dp passes its disclosure block plus its table's groups
    disclosure = {"method": "dp", "epsilon": 0.5, "mechanism": "laplace", "bounds": {"cost": [0, 1000]}}
    s = DpRequest.from_config(disclosure | {"groups": [{"column": "sex", "categories": ["1", "2"]}]})
    assert s.sums == {"cost": (0.0, 1000.0)} and s.epsilon == 0.5
    with pytest.raises(ValueError, match="unknown dp key"):
        DpRequest.from_config({"epsilon": 1, "sensitivity": 3})
