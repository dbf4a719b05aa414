"""Disclosure control: rules of the output, secondary suppression, and attacks by the LP interval audit."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from pipelines.disclose import (PublishedTable, SdcParams, TableRequest, audit_intervals, audit_release,
                                protect)
from pipelines.disclose.audit import feasible_ranges
from pipelines.hierarchies import ALL


def random_inner(seed: int, provinces: int = 6, chapters: int = 5, sexes: int = 2, mean: float = 9.0) -> pd.DataFrame:
    """Inner cells: province (nested in 2-3 regions) x chapter x sex, skewed counts, many small, some empty."""
    rng = np.random.default_rng(seed)
    rows = []
    pe = rng.lognormal(0, 0.8, provinces)
    ce = rng.lognormal(0, 0.9, chapters)
    for p in range(provinces):
        for c in range(chapters):
            for s in range(sexes):
                n = int(rng.poisson(mean * pe[p] * ce[c] / (pe.mean() * ce.mean())))
                if n == 0:
                    continue
                cost = float(n * rng.lognormal(13, 0.5))
                top = min(cost, cost * rng.uniform(0.1, 1.2) / max(1, n) * 3)
                rows.append({"province": f"P{p}", "region": f"R{p % 3}", "chapter": f"C{c}", "sex": str(s + 1),
                             "n": n, "cost": cost, "cost__max1": top,
                             "cost__max2": min(cost - top, top * 0.5) if n > 1 else 0.0})
    return pd.DataFrame(rows)


TABLES = [TableRequest("pcs", ["province", "chapter", "sex"], hierarchy={"province": ["region"]})]


def test_from_config_reads_the_dataset_disclosure_block_and_rejects_unknown_keys():
    p = SdcParams.from_config({"method": "sdc", "min_count": 10, "round_to": 5, "dominance": {"n": 2, "k": 85, "p": 12},
                               "protection": 0.2, "totals": "published"})
    assert (p.min_count, p.round_to, p.dominance_n, p.dominance_k, p.dominance_p, p.protection, p.totals) == \
        (10, 5, 2, 85, 12, 0.2, "published")
    assert SdcParams.from_config({}) == SdcParams()
    with pytest.raises(ValueError, match="min_cell"):
        SdcParams.from_config({"min_cell": 8})
    with pytest.raises(ValueError, match="dominance"):
        SdcParams.from_config({"dominance": {"q": 1}})
    with pytest.raises(ValueError):
        SdcParams.from_config({"totals": "raw"})


def test_output_rules_full_grid_no_small_count_rounded_zero_like_small():
    inner = random_inner(1)
    rel = protect(inner, TABLES, count="n", sums=["cost"], params=SdcParams())
    t = rel.tables["pcs"]
    # full grid: (6 provinces + 3 regions + total) x (5 chapters + total) x (2 sexes + total)
    assert len(t) == 10 * 6 * 3
    shown = t["n"].dropna().astype(int)
    assert (shown >= 8).all() and (shown % 5 == 0).all()
    assert t.loc[t["suppressed"], "n"].isna().all() and t.loc[t["suppressed"], "cost"].isna().all()
    # an empty combination is present and looks exactly like a suppressed small one
    interior = t[(t["province"] != ALL) & (t["chapter"] != ALL) & (t["sex"] != ALL)]
    keys = set(zip(inner["province"], inner["chapter"], inner["sex"]))
    empty = interior[[k not in keys for k in zip(interior["province"], interior["chapter"], interior["sex"])]]
    assert len(empty) and empty["suppressed"].all() and empty["n"].isna().all()
    small = inner[inner["n"] < 8]
    merged = interior.merge(small[["province", "chapter", "sex"]], on=["province", "chapter", "sex"])
    assert len(merged) and merged["suppressed"].all()
    # region subtotal rows carry the province total label and the region
    assert ((t["province"] == ALL) & (t["region"] != ALL)).sum() == 3 * 6 * 3
    s = rel.stats
    assert s["suppressed"]["primary"] >= int((inner["n"] < 8).sum())
    assert 0 < s["utility"]["count"] <= 1 and s["suppressed"]["secondary"] > 0


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_random_hierarchical_tables_survive_the_lp_attack(seed):
    inner = random_inner(seed)
    rel = protect(inner, TABLES, count="n", sums=["cost"], params=SdcParams())
    assert rel.stats["audit"]["ran"] and rel.findings == []
    findings, figures = audit_release(rel, inner, TABLES)
    assert figures["checked"] > 0
    assert findings == []


def one_small_per_row() -> pd.DataFrame:
    """4 x 4 table, exactly one small cell in every row and every column (a diagonal)."""
    rows = []
    for i in range(4):
        for j in range(4):
            n = 3 + i if i == j else 20 + 7 * i + 11 * j
            rows.append({"a": f"a{i}", "b": f"b{j}", "n": n})
    return pd.DataFrame(rows)


AB = [TableRequest("ab", ["a", "b"])]


def primary_only(rel, inner: pd.DataFrame, params: SdcParams):
    """The same release with every secondary suppression undone (a weak pattern)."""
    weak = rel.tables["ab"].copy()
    sec = weak["suppression"] == "secondary"
    assert sec.any()
    truth = {(r.a, r.b): r.n for r in inner.itertuples()}
    for i in np.flatnonzero(sec):
        row = weak.iloc[i]
        total = sum(v for (a, b), v in truth.items() if row["a"] in (a, ALL) and row["b"] in (b, ALL))
        weak.loc[weak.index[i], "n"] = (total + params.round_to // 2) // params.round_to * params.round_to
    weak.loc[sec, "suppressed"] = False
    weak.loc[sec, "suppression"] = None
    rel.tables["ab"] = weak
    return rel


@pytest.mark.parametrize("round_to", [1, 5])
def test_one_suppressed_cell_per_row_and_column_gets_partners(round_to):
    inner = one_small_per_row()
    params = SdcParams(round_to=round_to)
    rel = protect(inner, AB, count="n", sums=[], params=params)
    t = rel.tables["ab"]
    interior = t[(t["a"] != ALL) & (t["b"] != ALL)]
    for col in ("a", "b"):  # no row or column has a single suppressed cell
        per_line = interior.groupby(col)["suppressed"].sum()
        assert ((per_line == 0) | (per_line >= 2)).all()
    assert audit_intervals(rel, inner, AB) == []


def test_the_audit_catches_a_primary_only_pattern():
    inner = one_small_per_row()
    params = SdcParams(round_to=1)
    rel = protect(inner, AB, count="n", sums=[], params=params)
    weak = primary_only(rel, inner, params)
    findings = audit_intervals(weak, inner, AB)
    assert {f.labels["a"] for f in findings if f.kind == "primary"} == {"a0", "a1", "a2", "a3"}
    assert all(f.upper - f.lower < 1 for f in findings)  # recovered exactly
    assert all(str(f.value) not in str(f) for f in findings)   # the message never carries the value


def test_rounding_alone_can_narrow_a_cell_and_protect_iterates():
    """Total 8..12 published as 10 and a child 8 published as 10: the other child lies in [0, 4], too
    narrow although no linear combination gives it exactly; the audit sees it, protect fixes it."""
    inner = pd.DataFrame({"a": ["x", "x", "y", "y", "y"], "b": ["u", "v", "u", "v", "w"],
                          "n": [8, 2, 30, 40, 50]})
    rel = protect(inner, AB, count="n", sums=[], params=SdcParams())
    assert audit_intervals(rel, inner, AB) == []
    weak = protect(inner, AB, count="n", sums=[], params=SdcParams(max_audit_rounds=0))
    weak_findings = audit_intervals(weak, inner, AB)
    if weak_findings:  # Gaussian elimination alone left an interval violation: the iterated audit added cells
        assert rel.stats["suppressed"]["audit"] > 0


def test_cross_table_linkage_national_and_province_tables_protected_together():
    inner = random_inner(5).rename(columns={"sex": "month"})
    tables = [TableRequest("national", ["month", "chapter"]),
              TableRequest("province", ["province", "chapter"], hierarchy={"province": ["region"]}),
              TableRequest("detail", ["province", "chapter", "month"])]
    rel = protect(inner, tables, count="n", sums=["cost"], params=SdcParams())
    assert audit_intervals(rel, inner, tables) == []
    # the same lattice cell has the same status in every table
    nat = rel.tables["national"].set_index(["month", "chapter"])
    det = rel.tables["detail"]
    det = det[det["province"] == ALL].set_index(["month", "chapter"])
    joined = nat.join(det, rsuffix="_d")
    assert (joined["suppressed"] == joined["suppressed_d"]).all()
    assert (joined["n"].fillna(-1) == joined["n_d"].fillna(-1)).all()


def test_prior_release_is_taken_into_account():
    inner = random_inner(6)
    params = SdcParams()
    first = [TableRequest("regions", ["region", "chapter"])]
    r1 = protect(inner, first, count="n", sums=[], params=params)
    prior = [PublishedTable("regions", ["region", "chapter"], r1.tables["regions"])]
    second = [TableRequest("provinces", ["province", "chapter"])]
    r2 = protect(inner, second, count="n", sums=[], params=params, prior=prior)
    assert audit_intervals(r2, inner, second, prior=prior) == []
    alone = protect(inner, second, count="n", sums=[], params=params)
    leaks = audit_intervals(alone, inner, second, prior=prior)
    assert any(f.kind == "primary" for f in leaks), "without the prior release, differencing finds a small cell"
    assert r2.stats["suppressed"]["total"] >= alone.stats["suppressed"]["total"]


def test_dominance_withholds_sums_and_the_pattern_holds():
    inner = random_inner(7, mean=30)
    inner.loc[3, "cost__max1"] = inner.loc[3, "cost"] * 0.95  # one encounter dominates this cell
    inner.loc[3, "cost__max2"] = inner.loc[3, "cost"] * 0.01
    rel = protect(inner, TABLES, count="n", sums=["cost"], params=SdcParams())
    t = rel.tables["pcs"]
    key = tuple(inner.loc[3, ["province", "chapter", "sex"]])
    cell = t[(t["province"] == key[0]) & (t["chapter"] == key[1]) & (t["sex"] == key[2])].iloc[0]
    assert inner.loc[3, "n"] < 8 or cell["suppression"] == "dominance"
    assert pd.isna(cell["cost"])
    assert rel.stats["suppressed"]["dominance"] >= (1 if inner.loc[3, "n"] >= 8 else 0)
    assert audit_intervals(rel, inner, TABLES) == []


def test_totals_from_published_cells_need_no_partners():
    inner = one_small_per_row()
    rel = protect(inner, AB, count="n", sums=[], params=SdcParams(totals="published"))
    t = rel.tables["ab"]
    assert rel.stats["suppressed"]["secondary"] == 0
    interior = t[(t["a"] != ALL) & (t["b"] != ALL)]
    for a, part in interior.groupby("a"):
        total = t[(t["a"] == a) & (t["b"] == ALL)]["n"].iloc[0]
        assert total == part["n"].fillna(0).sum()
    assert audit_intervals(rel, inner, AB) == []


def test_feasible_ranges_is_a_real_lp():
    import scipy.sparse as sp
    cons = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
    mins, maxs = feasible_ranges(cons, np.array([10.0, 4.0]), np.array([10.0, 4.0]), sp.csr_matrix(np.eye(3)))
    assert np.allclose(mins, [6, 0, 0]) and np.allclose(maxs, [10, 4, 4])


# --- secondary suppression: the witness engine against a brute-force rank check and the elimination ---

def _protect_module():
    import sys
    return sys.modules["pipelines.disclose.protect"]


def _rank(M) -> int:
    M = np.asarray(M.todense() if hasattr(M, "todense") else M, dtype=float)
    return int(np.linalg.matrix_rank(M)) if M.size else 0


def recoverable_primaries(rel, prior=None) -> list[int]:
    """Brute force: primary cells (1..min_count-1) whose model-matrix column is in the span of the
    published columns (this release and ``prior``) and of the singletons' columns (a singleton: of the
    published columns and the other singletons' columns, save the same contributor's)."""
    import scipy.sparse as sp

    space, params = rel.space, rel.params
    suppressed = np.concatenate([rel.tables[t.name]["suppressed"].to_numpy(bool) for t in space.tables])
    prior_cols, _, _ = _protect_module()._prior_columns(space, prior or [], rel.count, params)
    X = space.X.tocsc()
    cnt = np.rint(space.count)
    model = np.ones(space.n_cells, bool) if params.totals == "true" else space.depth == 0
    primary = model & (cnt > 0) & (cnt < params.min_count)
    single = np.flatnonzero(primary & (cnt == 1))
    P = sp.hstack([X[:, np.flatnonzero(~suppressed & model)], prior_cols], format="csc")
    leaks = []
    for p in np.flatnonzero(primary):
        col = X[:, [p]]
        others = [s for s in single if (X[:, [s]] != col).nnz] if p in single else list(single)
        S = X[:, others]
        if p not in single and _rank(sp.hstack([S, col])) == _rank(S):
            others, S = [], X[:, []]   # a sum of singletons alone (1 + 1): only outsiders can be kept out
        base = sp.hstack([P, S], format="csc")
        if _rank(sp.hstack([base, col])) == _rank(base):
            leaks.append(int(p))
    return leaks


CASES = {
    "pcs": (lambda seed: random_inner(seed), TABLES),
    "linked": (lambda seed: random_inner(seed).rename(columns={"sex": "month"}),
               [TableRequest("national", ["month", "chapter"]),
                TableRequest("province", ["province", "chapter"], hierarchy={"province": ["region"]}),
                TableRequest("detail", ["province", "chapter", "month"])]),
    "two-tables": (lambda seed: random_inner(seed, provinces=5, chapters=4, sexes=3),
                   [TableRequest("ps", ["province", "sex"]), TableRequest("cs", ["chapter", "sex"])]),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_witness_pattern_passes_a_brute_force_rank_check_and_matches_the_elimination(case, seed):
    make, tables = CASES[case]
    inner = make(seed)
    params = SdcParams(max_audit_rounds=0)   # the pattern of secondary suppression alone
    module = _protect_module()
    rel = protect(inner, tables, count="n", sums=[], params=params)
    figures = rel.stats["gauss"]["count"]
    assert figures["engine"] == "witness" and figures["verified"]
    assert recoverable_primaries(rel) == []
    old_engine = module.SECONDARY_ENGINE
    module.SECONDARY_ENGINE = "gauss"
    try:
        old = protect(inner, tables, count="n", sums=[], params=params)
    finally:
        module.SECONDARY_ENGINE = old_engine
    assert "engine" not in old.stats["gauss"]["count"]
    assert recoverable_primaries(old) == []          # the checker agrees with the elimination
    # no worse than the elimination by much: published share of the count
    assert rel.stats["utility"]["count"] >= old.stats["utility"]["count"] - 0.15


def test_witness_pattern_with_a_prior_release_passes_the_rank_check():
    inner = random_inner(6)
    params = SdcParams(max_audit_rounds=0)
    r1 = protect(inner, [TableRequest("regions", ["region", "chapter"])], count="n", sums=[], params=params)
    prior = [PublishedTable("regions", ["region", "chapter"], r1.tables["regions"])]
    r2 = protect(inner, [TableRequest("provinces", ["province", "chapter"])], count="n", sums=[], params=params,
                 prior=prior)
    figures = r2.stats["gauss"]["count"]
    assert figures["engine"] == "witness" and figures["verified"]
    revealed = figures["revealed_by_prior"]
    assert len(recoverable_primaries(r2, prior)) <= revealed


def test_verify_rejects_a_witness_that_moves_a_published_cell():
    import scipy.sparse as sp
    from pipelines.disclose.witness import verify

    # two inner cells a, b; cells: a, b, a+b. Witness y = e_a - e_b moves a and b, not a+b.
    X = sp.csc_matrix(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]))
    Y = sp.csc_matrix(np.array([[1.0], [-1.0]]))
    args = dict(singleton_row=np.full(3, -1), primary=np.array([True, False, False]),
                single_witness=np.array([False]), witness_row=np.array([-1]), coalition=np.array([False]),
                coalition_target=np.array([-1]), cell_var=np.arange(3))
    assert verify(X, Y, published=np.array([False, False, True]), **args) == []
    assert verify(X, Y, published=np.array([False, True, True]), **args)      # b published: a = total - b
    assert verify(X, sp.csc_matrix(np.array([[1.0], [0.0]])), published=np.array([False, False, True]), **args)


# --- the audit's certificates (and local LPs) against the pure LP ---------------------------------------

def finding_keys(findings) -> list[tuple]:
    return sorted((f.table, f.cell, f.measure, f.kind) for f in findings)


def audit_both_ways(rel, inner, tables, prior=None):
    """The audit with certificates and with the LP alone: the same findings, or the test fails."""
    fast, figures = audit_release(rel, inner, tables, prior=prior)
    pure, pure_figures = audit_release(rel, inner, tables, prior=prior, certificates=False)
    assert pure_figures["certified"] == 0 and pure_figures["lp"] == pure_figures["checked"]
    assert figures["checked"] == pure_figures["checked"] and figures["unaudited"] == 0
    assert finding_keys(fast) == finding_keys(pure)
    return fast, figures


RELEASES = {
    **{f"{case}-{seed}": (lambda case=case, seed=seed: (CASES[case][0](seed), CASES[case][1], SdcParams(), None))
       for case in sorted(CASES) for seed in (2, 11)},
    "diagonal": lambda: (one_small_per_row(), AB, SdcParams(), None),
    "published-totals": lambda: (one_small_per_row(), AB, SdcParams(totals="published"), None),
    "dominance": lambda: (random_inner(7, mean=30), TABLES, SdcParams(), None),
    "weak-pattern": lambda: (random_inner(3), TABLES, SdcParams(max_audit_rounds=0), None),
}


@pytest.mark.parametrize("name", sorted(RELEASES))
def test_certified_and_pure_lp_audits_agree_on_every_test_release(name):
    inner, tables, params, prior = RELEASES[name]()
    sums = ["cost"] if "cost" in inner.columns else []
    rel = protect(inner, tables, count="n", sums=sums, params=params, prior=prior)
    audit_both_ways(rel, inner, tables, prior)


def test_certificates_do_the_work_on_a_hierarchical_table():
    inner = random_inner(3)
    rel = protect(inner, TABLES, count="n", sums=["cost"], params=SdcParams())
    _, figures = audit_both_ways(rel, inner, TABLES)
    assert figures["certified"] > figures["checked"] / 2 and figures["directions"] > 0
    assert rel.stats["audit"]["ran"] and rel.stats["audit"]["certified"] > 0


def test_both_audits_catch_a_primary_only_pattern():
    inner = one_small_per_row()
    params = SdcParams(round_to=1)
    weak = primary_only(protect(inner, AB, count="n", sums=[], params=params), inner, params)
    findings, _ = audit_both_ways(weak, inner, AB)
    assert {f.labels["a"] for f in findings if f.kind == "primary"} == {"a0", "a1", "a2", "a3"}


def publish_cell(rel, table: str, i: int, inner: pd.DataFrame, columns: list[str], params: SdcParams):
    """The release with suppressed row ``i`` of ``table`` published (its true count, rounded)."""
    frame = rel.tables[table].copy()
    row = frame.iloc[i]
    hit = np.ones(len(inner), dtype=bool)
    for c in columns:
        if row[c] != ALL:
            hit &= inner[c].astype(str).to_numpy() == str(row[c])
    total = int(inner.loc[hit, "n"].sum())
    frame.loc[frame.index[i], "n"] = (total + params.round_to // 2) // params.round_to * params.round_to
    frame.loc[frame.index[i], ["suppressed", "suppression"]] = [False, None]
    if "cost" in frame.columns:
        frame.loc[frame.index[i], "cost"] = float(inner.loc[hit, "cost"].sum())
    rel.tables[table] = frame
    return rel


def test_both_audits_catch_a_pattern_with_one_partner_removed():
    inner = one_small_per_row()
    params = SdcParams(round_to=1)
    base = protect(inner, AB, count="n", sums=[], params=params)
    secondary = np.flatnonzero(base.tables["ab"]["suppression"].eq("secondary").to_numpy())
    assert len(secondary)
    caught = 0
    for i in secondary:
        rel = protect(inner, AB, count="n", sums=[], params=params)
        findings, _ = audit_both_ways(publish_cell(rel, "ab", int(i), inner, ["a", "b"], params), inner, AB)
        caught += bool(findings)
    assert caught > 0, "publishing some partner must expose a primary cell"


def test_both_audits_catch_differencing_with_a_prior_release():
    inner = random_inner(6)
    params = SdcParams()
    r1 = protect(inner, [TableRequest("regions", ["region", "chapter"])], count="n", sums=[], params=params)
    prior = [PublishedTable("regions", ["region", "chapter"], r1.tables["regions"])]
    second = [TableRequest("provinces", ["province", "chapter"])]
    alone = protect(inner, second, count="n", sums=[], params=params)
    leaks, _ = audit_both_ways(alone, inner, second, prior)
    assert any(f.kind == "primary" for f in leaks)
    safe = protect(inner, second, count="n", sums=[], params=params, prior=prior)
    assert audit_both_ways(safe, inner, second, prior)[0] == []


def test_certified_intervals_lie_inside_the_lp_ranges():
    """Property: on random small hierarchical tables (protected, or with the pattern of secondary
    suppression alone), every certified reach and every local-LP range lies inside the full LP's range,
    for counts and for sums; and the certificates are not all empty."""
    reach = [certified_inside_lp(seed) for seed in range(20, 36)]
    assert sum(r > 0 for r in reach) >= len(reach) // 2


def certified_inside_lp(seed: int) -> float:
    """Check one random table; returns the widest certified count reach (0 when none)."""
    from pipelines.disclose.audit import Certificates, count_system, release_input

    rng = np.random.default_rng(seed)
    inner = random_inner(seed, provinces=int(rng.integers(3, 8)), chapters=int(rng.integers(2, 6)),
                         mean=float(rng.uniform(4, 20)))
    params = SdcParams(max_audit_rounds=int(rng.integers(0, 2)) * 12, round_to=int(rng.choice([1, 5])))
    rel = protect(inner, TABLES, count="n", sums=["cost"], params=params)
    a, _ = release_input(rel, inner, TABLES)
    cons, lo, hi, bounded = count_system(a, params)
    targets = np.flatnonzero(a.count_suppressed & (a.true_count > 0))
    sum_t = np.flatnonzero(a.sum_suppressed & (a.true_sums["cost"] > 0))
    cert = Certificates.find(a, targets, bounded, ["cost"], {"cost": sum_t}, params.min_count - 1.0,
                             lambda c: np.concatenate([targets, sum_t]), system=(cons, lo, hi))
    lp_min, lp_max = feasible_ranges(cons, lo, hi, a.M[targets])
    up, down = cert.reach(targets)
    v = a.true_count[targets]
    assert np.all(v - down >= lp_min - 1e-6) and np.all(v + up <= lp_max + 1e-6)
    for block_rows in (0, 400):
        local_min, local_max = cert.local_ranges(cons, lo, hi, a.row_count, targets, block_rows=block_rows)
        solved = np.isfinite(local_min)
        assert np.all(local_min[solved] >= lp_min[solved] - 1e-6)
        assert np.all(local_max[solved] <= lp_max[solved] + 1e-6)
    pub = a.constraint & ~a.sum_suppressed
    scale = max(1.0, float(np.abs(a.true_sums["cost"]).max()))    # as the audit does: exact sums, scaled
    values = a.shown_sums["cost"][pub] / scale
    s_min, s_max = feasible_ranges(a.M[np.flatnonzero(pub)], values, values.copy(), a.M[sum_t])
    s_min, s_max = s_min * scale, s_max * scale
    s_up, s_down = cert.reach(sum_t, "cost")
    sv = a.true_sums["cost"][sum_t]
    assert np.all(sv - s_down >= s_min - 1e-6 * scale) and np.all(sv + s_up <= s_max + 1e-6 * scale)
    return float((up + down).max()) if len(targets) else 0.0


def test_cells_the_lp_does_not_reach_in_time_are_unaudited_not_protected():
    inner = one_small_per_row()
    params = SdcParams(round_to=1)
    weak = primary_only(protect(inner, AB, count="n", sums=[], params=params), inner, params)
    findings, figures = audit_release(weak, inner, AB, certificates=False, seconds=0.0)
    assert findings == [] and figures["unaudited"] == figures["checked"] > 0
    with pytest.raises(RuntimeError, match="incomplete"):
        import pipelines.disclose.audit as audit_module
        original = audit_module.audit_release
        audit_module.audit_release = lambda *a, **k: original(*a, **k, seconds=0.0)
        try:
            audit_intervals(weak, inner, AB)
        finally:
            audit_module.audit_release = original


def test_the_lp_audit_prints_nothing_on_stdout():
    """HiGHS prints a banner on the C-level stdout for the first model of a process; CLI output stays clean."""
    import subprocess
    import sys
    code = ("import numpy as np, scipy.sparse as sp\n"
            "from pipelines.disclose.audit import feasible_ranges\n"
            "cons = sp.csr_matrix(np.array([[1.0, 1.0]]))\n"
            "low, high = feasible_ranges(cons, np.array([10.0]), np.array([10.0]), sp.csr_matrix(np.eye(2)))\n"
            "print(low.tolist(), high.tolist())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[0.0, 0.0] [10.0, 10.0]\n", out.stdout


# --- a release whose tables form no lattice (as on the demo): certificates from LP points ----------------

def demo_like_inner(seed: int) -> pd.DataFrame:
    """Month (in one quarter) x province (nested in regions) x legacy province x chapter x sex; a legacy
    province spans two provinces and a province two legacy ones, so the two codes do not nest."""
    rng = np.random.default_rng(seed)
    rows = []
    for month in ("2025-01", "2025-02", "2025-03"):
        for p in range(5):
            for legacy in (p, (p + 1) % 5):
                for c in range(4):
                    for sex in ("1", "2"):
                        n = int(rng.poisson(rng.choice([0.3, 1.5])))
                        if n:
                            cost = float(n * rng.lognormal(12, 0.4))
                            rows.append({"month": month, "quarter": "2025-Q1", "province": f"P{p}",
                                         "region": f"R{p % 2}", "province_63": f"L{legacy}", "chapter": f"C{c}",
                                         "sex": sex, "n": n, "cost": cost, "cost__max1": cost / n * 1.5,
                                         "cost__max2": cost / n if n > 1 else 0.0})
    return pd.DataFrame(rows)


DEMO_TABLES = [TableRequest("month_chapter", ["month", "chapter"]),
               TableRequest("month_province", ["month", "province"]),
               TableRequest("quarter_province_chapter", ["quarter", "province", "chapter"]),
               TableRequest("quarter_legacy_chapter", ["quarter", "province_63", "chapter"]),
               TableRequest("quarter_region_sex", ["quarter", "region", "sex"])]


@pytest.mark.parametrize("rounds", [0, 12])
def test_lp_points_certify_a_release_without_a_lattice_and_agree_with_the_lp(monkeypatch, rounds):
    import pipelines.disclose.witness as witness

    monkeypatch.setattr(witness, "MAX_LATTICE", 0)   # as on the demo: no lattice, no witnesses
    inner = demo_like_inner(5)
    rel = protect(inner, DEMO_TABLES, count="n", sums=["cost"], params=SdcParams(max_audit_rounds=rounds))
    findings, figures = audit_both_ways(rel, inner, DEMO_TABLES)
    assert figures["directions"] == 0 and figures["points"] > 0
    assert figures["by_points"] >= figures["checked"] / 2
    if rounds:   # protect's own audit completes, and what it leaves is safe
        assert rel.stats["audit"]["unaudited"] == 0 and rel.stats["audit"]["by_points"] > 0 and findings == []
        return
    caught = 0   # publishing a secondary cell of any table exposes some cell: both audits must say so alike
    for table in DEMO_TABLES:
        for i in np.flatnonzero(rel.tables[table.name]["suppression"].eq("secondary").to_numpy()):
            weak = protect(inner, DEMO_TABLES, count="n", sums=["cost"], params=SdcParams(max_audit_rounds=0))
            caught += bool(audit_both_ways(publish_cell(weak, table.name, int(i), inner, table.columns,
                                                        weak.params), inner, DEMO_TABLES)[0])
    assert caught > 0


def test_lp_point_certificates_lie_inside_the_lp_ranges(monkeypatch):
    """Property: on the no-lattice release (pattern of secondary suppression alone), every reach the LP
    points certify lies inside the full LP's range, for counts and sums."""
    import pipelines.disclose.witness as witness
    from pipelines.disclose.audit import Certificates, _point_rounds, count_system, release_input

    monkeypatch.setattr(witness, "MAX_LATTICE", 0)
    for seed in (5, 6, 7):
        inner = demo_like_inner(seed)
        params = SdcParams(max_audit_rounds=0)
        rel = protect(inner, DEMO_TABLES, count="n", sums=["cost"], params=params)
        a, _ = release_input(rel, inner, DEMO_TABLES)
        assert a.lattice is None
        cons, lo, hi, bounded = count_system(a, params)
        targets = np.flatnonzero(a.count_suppressed & (a.true_count > 0))
        sum_t = np.flatnonzero(a.sum_suppressed & (a.true_sums["cost"] > 0))
        cert = Certificates.find(a, targets, bounded, ["cost"], {"cost": sum_t}, params.min_count - 1.0,
                                 lambda c: targets, system=(cons, lo, hi))
        ones = np.ones(len(targets))
        _point_rounds(cert, "count", (cons, lo, hi), 1.0, lambda: (targets, ones, targets, ones), None)
        pub = a.constraint & ~a.sum_suppressed
        scale = float(np.abs(a.true_sums["cost"]).max())
        values = a.shown_sums["cost"][pub] / scale
        sum_cons = a.M[np.flatnonzero(pub)]
        w = np.ones(len(sum_t))
        _point_rounds(cert, "cost", (sum_cons, values, values.copy()), scale, lambda: (sum_t, w, sum_t, w), None)
        lp_min, lp_max = feasible_ranges(cons, lo, hi, a.M[targets])
        up, down = cert.reach(targets)
        v = a.true_count[targets]
        assert (up + down).max() > 0
        assert np.all(v - down >= lp_min - 1e-6) and np.all(v + up <= lp_max + 1e-6)
        s_min, s_max = feasible_ranges(sum_cons, values, values.copy(), a.M[sum_t])
        s_up, s_down = cert.reach(sum_t, "cost")
        sv = a.true_sums["cost"][sum_t]
        assert s_up.max() > 0
        assert np.all(sv - s_down >= s_min * scale - 1e-6 * scale) and np.all(sv + s_up <= s_max * scale + 1e-6 * scale)


def test_suppress_overlapping_withholds_the_smallest_overlapping_cell_of_another_table():
    """Table ``a`` (x = 3, y = 70, total 73) fully withheld; table ``c`` publishes p = 33 and q = 40 (exact
    counts), which pin the shared total at 73. The finding on ``a``'s total has nothing left in its own
    table, so the round adds nothing there and falls back to the smallest published cell of ``c`` that shares
    inner rows with it (p, not q); after that the audit finds nothing."""
    from pipelines.disclose.audit import audit_space, lattice_view
    from pipelines.disclose.cells import build_cells
    from pipelines.disclose.witness import build_lattice, lattice_cells

    protect_mod = _protect_module()
    inner = pd.DataFrame({"a": ["x", "y", "y"], "c": ["p", "p", "q"], "n": [3, 30, 40]})
    tables = [TableRequest("ta", ["a"]), TableRequest("tc", ["c"])]
    params = SdcParams(round_to=1)
    space = build_cells(inner, tables, count="n", sums=[], money=[])
    var = lattice_cells(build_lattice(space.rows, space.tables), space.tables)
    ta, tc = space.tables
    withheld = np.zeros(space.n_cells, dtype=bool)
    withheld[np.isin(var, var[ta.start:ta.stop])] = True          # all of ``a``, and ``c``'s total with it
    none = np.zeros(space.n_cells, dtype=bool)
    pattern = protect_mod.Pattern(withheld, withheld.copy(), withheld & (space.count < 8), none.copy(), none.copy(),
                                  withheld & (space.count >= 8), none.copy(), none.copy(), var)
    prior_cols, prior_lo, prior_hi = protect_mod._prior_columns(space, [], "n", params)
    view = lattice_view(space.rows, space.tables, [], np.zeros(0, dtype=bool))

    def audit() -> list:
        return audit_space(space, pattern, params, prior_cols, prior_lo, prior_hi, "n", [], view)[0]

    stuck = [f for f in audit() if f.table == "ta"]
    assert [(f.labels["a"], f.lower, f.upper) for f in stuck] == [(ALL, 73.0, 73.0)]
    c_labels = tc.labels["c"].to_numpy()
    p, q = tc.start + int(np.flatnonzero(c_labels == "p")[0]), tc.start + int(np.flatnonzero(c_labels == "q")[0])
    assert not pattern.count_suppressed[[p, q]].any() and space.count[p] < space.count[q]
    assert protect_mod._add_suppression(space, pattern, stuck, set()) == 1
    assert np.flatnonzero(pattern.audit_added).tolist() == [p]
    assert pattern.count_suppressed[p] and pattern.sum_suppressed[p] and not pattern.count_suppressed[q]
    assert audit() == []


def test_lp_points_stop_after_batches_that_shorten_nothing_and_share_the_time_with_witnesses(monkeypatch):
    """The LP-point stage gives up after ``POINT_PATIENCE`` batches in a row that leave as many sides short
    (here ``sides`` never shrinks), and takes only ``POINT_SHARE`` of the time left when witness directions
    exist (all of it when they do not)."""
    import types

    import pipelines.disclose.audit as audit
    import pipelines.disclose.witness as witness

    monkeypatch.setattr(witness, "MAX_LATTICE", 0)
    monkeypatch.setattr(audit, "POINT_BATCH", 5)
    inner = demo_like_inner(5)
    params = SdcParams(max_audit_rounds=0)
    rel = protect(inner, DEMO_TABLES, count="n", sums=["cost"], params=params)
    a, _ = audit.release_input(rel, inner, DEMO_TABLES)
    cons, lo, hi, bounded = audit.count_system(a, params)
    targets = np.flatnonzero(a.count_suppressed & (a.true_count > 0))
    assert len(targets) > 5 * audit.POINT_TRIES * audit.POINT_PATIENCE
    cert = audit.Certificates.find(a, targets, bounded, [], {}, params.min_count - 1.0, lambda c: targets,
                                   system=(cons, lo, hi))
    calls = []
    add_points = audit.Certificates.add_points
    monkeypatch.setattr(audit.Certificates, "add_points", lambda self, *args: calls.append(1) or add_points(self, *args))
    ones = np.ones(len(targets))
    audit._point_rounds(cert, "count", (cons, lo, hi), 1.0, lambda: (targets, ones, targets, ones), None)
    assert len(calls) == audit.POINT_PATIENCE
    assert cert.n_directions > 0     # the batches did run and add points

    now = time.perf_counter()
    with_witnesses = audit._points_deadline(types.SimpleNamespace(sparse=np.array([True, False])), now + 100.0)
    assert now < with_witnesses <= now + audit.POINT_SHARE * 100.0 + 1.0
    assert audit._points_deadline(types.SimpleNamespace(sparse=np.array([False])), now + 100.0) == now + 100.0
    assert audit._points_deadline(types.SimpleNamespace(sparse=np.array([True])), None) is None


def test_a_side_known_from_a_certificate_but_the_other_not_reached_is_unaudited():
    """Past the deadline the LP solves nothing: a target with one side known (certified) and the other not
    reached comes back NaN on both sides (unaudited), never as a half range that reads as a finding."""
    import scipy.sparse as sp

    cons = sp.csr_matrix(np.array([[1.0, 1.0]]))
    known = (np.array([2.0, 1.0, np.nan]), np.array([np.nan, 5.0, np.nan]))
    mins, maxs = feasible_ranges(cons, np.array([10.0]), np.array([10.0]), sp.identity(2, format="csr")[[0, 1, 0]],
                                 deadline=time.perf_counter() - 1.0, known=known)
    assert np.isnan(mins[0]) and np.isnan(maxs[0]) and np.isnan(mins[2]) and np.isnan(maxs[2])
    assert (mins[1], maxs[1]) == (1.0, 5.0)
