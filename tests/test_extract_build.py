"""Research extracts from a gated safe zone: only released batches, k/l measured by pycanon, private files,
per-project pseudonyms, refusals."""
from __future__ import annotations

import json
import stat

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pycanon import anonymity

from deid_fixtures import KEY, write_validated, xml1_row
from pipelines.deidentify.gate import run_gate
from pipelines.dp import BudgetExceeded, EpsilonLedger
from pipelines.extract import ExtractRefused, ExtractRequest, RequestError, build_extract, load_request

QIS = [{"column": "NHOM_TUOI", "hierarchy": "age", "from_level": "band5"}, "GIOI_TINH",
       {"column": "MATINH_2025", "hierarchy": "geography", "from_level": "province"},
       {"column": "NGAY_VAO", "hierarchy": "date"}]
QI_COLUMNS = ["NHOM_TUOI", "GIOI_TINH", "MATINH_2025", "NGAY_VAO"]


def safe_rows(n: int, batch: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-01", "2025-06-30").strftime("%Y%m%d").to_numpy()
    day = rng.choice(days, n)
    return pd.DataFrame({
        "MA_LK": [f"E{batch}{i:05d}" for i in range(n)],
        "PERSON_ID": [f"P{p:05d}" for p in rng.integers(0, n // 2, n)],
        "NHOM_TUOI": rng.choice(["20-24", "25-29", "30-34", "60-64", "65-69", "90+"], n),
        "GIOI_TINH": rng.choice(["1", "2"], n),
        "MATINH_2025": rng.choice(["01", "79", "92", "48"], n),
        "NGAY_VAO": day,
        "THANG_VAO": [f"{d[:4]}-{d[4:6]}" for d in day],
        "NGAY_TTOAN": day,
        "MA_BENH_CHINH": rng.choice(["J18", "I10", "E11", "K29", "A09"], n),
        "MA_LOAI_KCB": rng.choice(["1", "3"], n),
        "T_TONGCHI_BV": [f"{v}.00" for v in rng.permutation(n) * 1000 + seed],
        "LY_DO_VV": rng.choice(["sốt cao", "ho kéo dài", "đau bụng"], n),
        "_batch_id": batch,
    })


def released_batch(workdir, batch: str, rows: pd.DataFrame, *, gate: bool = True) -> None:
    write_validated(workdir, batch, [xml1_row(MA_LK="LK-" + batch)])
    folder = workdir.safe / batch
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), folder / "xml1.parquet")
    if gate:
        run_gate(workdir, batch, use_detector=False)


@pytest.fixture
def safe_zone(workdir):
    released_batch(workdir, "b1", safe_rows(1500, "b1", 1))
    released_batch(workdir, "b2", safe_rows(700, "b2", 2))
    released_batch(workdir, "b3", safe_rows(300, "b3", 3), gate=False)  # never through the gate
    return workdir


def request(**over) -> ExtractRequest:
    data = {"project": "projA", "variables": ["PERSON_ID", "T_TONGCHI_BV", "MA_LOAI_KCB"], "quasi_identifiers": QIS,
            "sensitive": "MA_BENH_CHINH"} | over
    return ExtractRequest.from_dict(data)


def test_extract_meets_k_and_l_reads_only_released_batches_and_is_private(safe_zone):
    result = build_extract(safe_zone, request(), key=KEY)
    df = pq.read_table(result.data_path).to_pandas().fillna("<missing>")
    assert anonymity.k_anonymity(df, QI_COLUMNS) >= 5
    assert anonymity.l_diversity(df, QI_COLUMNS, ["MA_BENH_CHINH"]) >= 2
    assert df.groupby(QI_COLUMNS)["PERSON_ID"].nunique().min() >= 5  # k counts persons
    report = json.loads(result.report_path.read_text())
    assert report["rows_in"] == 2200 and report["risk"]["population_records"] == 2200  # b3 not read
    assert report["batches"] == ["b1", "b2"]
    assert set(report["risk"]) >= {"prosecutor", "journalist", "marketer"}
    assert set(report["information_loss"]) == {"entropy", "discernibility", "intensity"}
    for path in (result.folder, result.folder.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for path in (result.data_path, result.report_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_filter_and_period_select_rows_and_population_stays_all_safe_records(safe_zone):
    result = build_extract(safe_zone, request(filter={"MA_LOAI_KCB": ["3"]}, period="2025-01..2025-03"), key=KEY)
    df = pq.read_table(result.data_path).to_pandas()
    assert set(df["MA_LOAI_KCB"]) <= {"3"}
    assert result.report["risk"]["population_records"] == 2200
    assert result.report["rows_in"] < 2200 / 2
    risk = result.report["risk"]
    assert risk["journalist"]["average"] <= risk["prosecutor"]["average"]


def test_person_tokens_are_unlinkable_across_projects_and_stable_within_one(safe_zone):
    def tokens(project: str, extract_id: str) -> pd.Series:
        result = build_extract(safe_zone, request(project=project, extract_id=extract_id), key=KEY)
        df = pq.read_table(result.data_path).to_pandas()
        return df.set_index("T_TONGCHI_BV")["PERSON_ID"]

    a1, b = tokens("projA", "a1"), tokens("projB", "b1")
    a2 = pq.read_table(build_extract(safe_zone, request(extract_id="a2").to_dict(), key=KEY).data_path) \
        .to_pandas().set_index("T_TONGCHI_BV")["PERSON_ID"]  # the portal passes the dict form
    assert a1.equals(a2.loc[a1.index])  # same project: same token for the same record
    common = a1.index.intersection(b.index)
    assert len(common) > 1000
    assert not set(a1) & set(b)  # no token shared between projects
    safe = pd.concat([safe_rows(1500, "b1", 1), safe_rows(700, "b2", 2)])
    assert not set(a1) & set(safe["PERSON_ID"])  # and none is the safe-zone pseudonym
    # one person keeps one token within the project: the mapping safe -> extract token is a function
    joined = safe.set_index("T_TONGCHI_BV").loc[a1.index, "PERSON_ID"]
    assert (pd.DataFrame({"safe": joined.values, "x": a1.values}).groupby("safe")["x"].nunique() == 1).all()


def test_undeclared_quasi_identifier_free_text_and_bad_filters_are_refused(safe_zone):
    with pytest.raises(RequestError, match="quasi-identifier"):
        build_extract(safe_zone, request(variables=["THANG_VAO"]), key=KEY)
    with pytest.raises(RequestError, match="free text"):
        build_extract(safe_zone, request(variables=["LY_DO_VV"]), key=KEY)
    with pytest.raises(RequestError, match="not in the safe"):
        build_extract(safe_zone, request(filter={"read_text('/etc/passwd')": "x"}), key=KEY)
    with pytest.raises(RequestError, match="unknown operator"):
        request(filter={"MA_LOAI_KCB": {"; DROP": "1"}})
    # a hostile filter value is a parameter, not SQL: it selects nothing rather than running
    from pipelines.extract.lattice import InfeasibleError
    with pytest.raises(InfeasibleError, match="no records"):
        build_extract(safe_zone, request(filter={"MA_LOAI_KCB": "1' OR '1'='1"}), key=KEY)


def test_free_text_is_released_only_when_asked_and_the_gate_passes(safe_zone):
    result = build_extract(safe_zone, request(variables=["LY_DO_VV"], free_text=True), key=KEY)
    assert result.report["free_text_checked"] == {"LY_DO_VV": 3}
    rows = safe_rows(400, "b4", 4)
    rows.loc[0, "LY_DO_VV"] = "gọi số điện thoại 0987 654 321 của chị Trần Thị Mai"
    released_batch(safe_zone, "b4", rows)  # the batch gate ran without the detector; the extract gate runs it
    with pytest.raises(ExtractRefused, match="LY_DO_VV"):
        build_extract(safe_zone, request(variables=["LY_DO_VV"], free_text=True, k=2, l=1, sensitive=None,
                                         quasi_identifiers=["GIOI_TINH"]), key=KEY)


def test_request_file_and_dp_extract_spends_the_budget(safe_zone, tmp_path):
    path = tmp_path / "req.yaml"
    path.write_text("project: projD\nvariables: []\nquasi_identifiers: [GIOI_TINH]\n"
                    "dp: {epsilon: 1.0, consumer: team-d, max_contributions: 2,\n"
                    "     groups: [{column: GIOI_TINH, categories: ['1', '2']}], sums: {T_TONGCHI_BV: [0, 2000000]}}\n")
    req = load_request(path)
    ledger = EpsilonLedger(safe_zone.ledger_url())
    ledger.set_budget("team-d", 1.5)
    result = build_extract(safe_zone, req, key=KEY)
    df = pq.read_table(result.data_path).to_pandas()
    assert list(df["GIOI_TINH"]) == ["1", "2"] and {"count_low", "count_high", "T_TONGCHI_BV_sum"} <= set(df.columns)
    assert abs(ledger.remaining("team-d") - 0.5) < 1e-9
    with pytest.raises(BudgetExceeded, match="nothing was spent"):
        build_extract(safe_zone, ExtractRequest.from_dict(req.to_dict() | {"extract_id": "again"}), key=KEY)
    assert abs(ledger.remaining("team-d") - 0.5) < 1e-9


def test_cli_builds_an_extract_from_flags(safe_zone, capsys, monkeypatch):
    from pipelines.cli import main
    monkeypatch.setenv("ANDANH_PSEUDONYM_KEY", KEY)
    from pipelines.settings import get_settings
    getattr(get_settings, "cache_clear", lambda: None)()
    code = main(["extract", "--workdir", str(safe_zone.root), "--project", "cli-proj", "--qi", "GIOI_TINH",
                 "--qi", "NHOM_TUOI:age:band5", "--qi", "MATINH_2025:geography:province", "--sensitive", "MA_BENH_CHINH",
                 "--var", "T_TONGCHI_BV", "--json"])
    getattr(get_settings, "cache_clear", lambda: None)()
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["k_achieved"] >= 5 and out["l_achieved"] >= 2
    assert (safe_zone.restricted / "extracts" / out["extract_id"] / "extract.parquet").exists()
    assert main(["extract", "--workdir", str(safe_zone.root), "--project", "x", "--qi", "GIOI_TINH",
                 "--var", "THANG_VAO", "--sensitive", "MA_BENH_CHINH"]) == 1  # undeclared quasi-identifier
