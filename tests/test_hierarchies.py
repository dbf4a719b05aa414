"""Generalisation hierarchies: known labels, every column kind, per distinct value, and DuckDB parity."""
from __future__ import annotations

import random

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from pipelines.hierarchies import HIERARCHY_NAMES, HierarchyError, get_hierarchy
from pipelines.hierarchies import base as hierarchy_base
from pipelines.reference import wards

# --- known labels ---------------------------------------------------------------------------------

KNOWN = [
    # hierarchy, from_level, to_level, value, context date, expected
    ("age", "year", "year", "45", None, "45"),
    ("age", "year", "year", 93, None, "90+"),
    ("age", "year", "band5", 0, None, "0-4"),
    ("age", "year", "band5", 89, None, "85-89"),
    ("age", "year", "band5", 90, None, "90+"),
    ("age", "year", "band5", 104, None, "90+"),
    ("age", "year", "band10", 37, None, "30-39"),
    ("age", "year", "band10", " 7 ", None, "0-9"),
    ("age", "year", "band5", 151, None, None),
    ("age", "year", "band5", "-3", None, None),
    ("age", "year", "band5", "4.5", None, None),
    ("age", "year", "all", 37, None, "*"),
    ("age", "month", "infant_month", 0, None, "0m"),
    ("age", "month", "infant_month", 11, None, "11m"),
    ("age", "month", "infant_month", 12, None, "1"),
    ("age", "month", "band5", 70, None, "5-9"),
    ("age", "band5", "band10", "85-89", None, "80-89"),
    ("age", "band5", "band10", "85-90", None, None),
    ("age", "infant_month", "year", "7m", None, "0"),
    ("date", "day", "day", "202503151230", None, "20250315"),
    ("date", "day", "week", "20241230", None, "2025-W01"),
    ("date", "day", "week", "2021-01-03", None, "2020-W53"),
    ("date", "day", "month", "20250315", None, "2025-03"),
    ("date", "day", "quarter", "20251001", None, "2025-Q4"),
    ("date", "day", "year", "2025-03-15 10:30:00", None, "2025"),
    ("date", "day", "month", "20250230", None, None),
    ("date", "day", "month", "18991231", None, None),
    ("date", "month", "quarter", "2025-05", None, "2025-Q2"),
    ("date", "quarter", "year", "2025-Q2", None, "2025"),
    ("icd10", "code", "code", "j069", None, "J06.9"),
    ("icd10", "code", "code3", "J06.9", None, "J06"),
    ("icd10", "code", "block", "A15.0", None, "A15-A19"),
    ("icd10", "code", "block", "B20", None, "B20-B24"),
    ("icd10", "code", "block", "X99.1", None, "X85-Y09"),
    ("icd10", "code", "chapter", "F32.9", None, "V"),
    ("icd10", "code", "chapter", "D50.0", None, "III"),
    ("icd10", "code", "chapter", "D48.1", None, "II"),
    ("icd10", "code", "chapter", "H61.2", None, "VIII"),
    ("icd10", "code", "block", "D49", None, None),
    ("icd10", "code", "chapter", "D49", None, None),
    ("icd10", "code", "block", "J06.9.1", None, None),
    ("icd10", "block", "chapter", "O00-O08", None, "XV"),
    ("geography", "ward", "province", "00004", "20250801", "01"),
    ("geography", "ward", "province", "4", "20250801", "01"),
    # Phường 4 of Tân An (legacy 27691) was in Long An (80), now Tây Ninh (80)
    ("geography", "ward", "province", "27691", "20240101", "80"),
    ("geography", "ward", "province_63", "27691", "20240101", "80"),
    ("geography", "ward", "region", "27691", "20240101", "Đông Nam Bộ"),
    ("geography", "ward", "district", "00016", "20240101", "001"),
    ("geography", "province", "province", "27", "20240101", "24"),
    ("geography", "province", "province", "74", "20240101", "79"),
    ("geography", "province", "province_63", "74", "20240101", "74"),
    ("geography", "province", "province_63", "79", "20250801", None),
    ("geography", "province", "province_63", "01", "20250801", "01"),
    ("geography", "province", "region", "79", None, "Đông Nam Bộ"),
    ("geography", "province", "region", "96", None, "Đồng bằng sông Cửu Long"),
    ("geography", "province_63", "region", "62", None, "Bắc Trung Bộ và duyên hải miền Trung"),
    ("geography", "district", "province", "001", None, "01"),
    ("geography", "province", "province", "99", None, None),
    ("facility", "facility", "level", "01929", None, "TW"),
    ("facility", "facility", "level", "79036", None, "pk"),
    ("facility", "facility", "level", "01999", None, "unknown"),
    ("facility", "facility", "level", "1929", None, None),
    ("facility", "facility", "province", "74017", None, "79"),
    ("facility", "facility", "province", "99123", None, None),
    ("facility", "facility", "all", "99123", None, "*"),
]


@pytest.mark.parametrize("name,from_level,to_level,value,date,expected", KNOWN)
def test_known_labels(name, from_level, to_level, value, date, expected):
    h = get_hierarchy(name)
    context = {"date": [date]} if date else None
    assert h.generalise([value], to_level, from_level=from_level, context=context) == [expected]


@pytest.mark.parametrize("name,from_level,to_level,value,date,expected", KNOWN)
def test_known_labels_in_duckdb(name, from_level, to_level, value, date, expected):
    h = get_hierarchy(name)
    con = duckdb.connect()
    h.register(con)
    expr = h.sql_expression("v", to_level, from_level=from_level, context_sql={"date": "d"} if date else None)
    got = con.execute(f"SELECT {expr} FROM (SELECT CAST(? AS VARCHAR) AS v, CAST(? AS VARCHAR) AS d)",
                      [None if value is None else str(value), date]).fetchone()[0]
    assert got == expected


def test_legacy_commune_codes_are_read_by_date():
    """00016 (Ngọc Hà) was a legacy commune split into 2025 wards; as a 2025 code it is a new ward."""
    geo = get_hierarchy("geography")
    new_codes = {r["new_ward_code"] for r in wards()}
    reused = sorted(c for c in {r["old_ward_code"] for r in wards()} & new_codes
                    if geo.wards_resolved[("L", c)]["ward"] != c)
    assert reused, "some legacy commune codes are reused by other 2025 wards"
    code = reused[0]
    before = geo.generalise([code], "ward", context={"date": ["20250630"]})
    after = geo.generalise([code], "ward", context={"date": ["20250701"]})
    assert after == [code] and before != [code]


# --- every hierarchy: kinds, distinct values, labels, chains, SQL parity ---------------------------

def _samples(name: str, n: int, seed: int = 7) -> tuple[list, list | None]:
    """Many values for a hierarchy, valid and not, plus encounter dates where context matters."""
    rng = random.Random(seed)
    junk = [None, "", " ", "x", "-1", "12a", "  12  ", "\t5\n", "１２", "ı10"]
    if name == "age":
        values = [rng.choice([rng.randint(0, 160), str(rng.randint(0, 200)), f"{rng.randint(0, 99)}.0",
                              f"{rng.randint(0, 99)}.5", "90+", rng.choice(junk)]) for _ in range(n)]
    elif name == "date":
        values = [rng.choice([f"{rng.randint(1890, 2110)}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}",
                              f"2025{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 2359):04d}",
                              f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 31):02d}", rng.choice(junk)])
                  for _ in range(n)]
    elif name == "icd10":
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabc"
        values = [rng.choice([f"{rng.choice(letters)}{rng.randint(0, 99):02d}",
                              f"{rng.choice(letters)}{rng.randint(0, 99):02d}.{rng.randint(0, 99)}",
                              f"{rng.choice(letters)}{rng.randint(0, 99):02d}{rng.randint(0, 9)}",
                              f" {rng.choice(letters)}{rng.randint(0, 99):02d}.{rng.randint(0, 9)} ", rng.choice(junk)])
                  for _ in range(n)]
    elif name == "facility":
        known = [r["code"] for r in hierarchy_base.read_table("facilities.tsv")]
        values = [rng.choice([rng.choice(known), f"{rng.randint(0, 99999):05d}", str(rng.randint(0, 9999)),
                              rng.choice(junk)]) for _ in range(n)]
    else:
        rows = wards()
        values = [rng.choice([rng.choice(rows)["old_ward_code"], rng.choice(rows)["new_ward_code"],
                              rng.choice(rows)["new_ward_code"].lstrip("0"), f"{rng.randint(0, 99999):05d}",
                              rng.choice(junk)]) for _ in range(n)]
    dates = None
    if name == "geography":
        dates = [rng.choice(["20240315", "20250630", "20250701", "202507011200", "2026-01-02", None, "bad"])
                 for _ in range(n)]
    return values, dates


def _pairs(name: str) -> list[tuple[str, str]]:
    h = get_hierarchy(name)
    out = []
    for to_level in h.levels + h.extra_levels:
        for from_level in h.levels + h.extra_levels:
            try:
                h.check_levels(to_level, from_level)
            except HierarchyError:
                continue
            out.append((from_level, to_level))
    return out


def _inputs_at(name: str, from_level: str, n: int) -> tuple[list, list | None]:
    """Samples read at ``from_level``: raw samples at the finest level, else labels of that level."""
    h = get_hierarchy(name)
    base_level = "month" if name == "age" and from_level in ("month", "infant_month") else h.levels[0]
    values, dates = _samples(name, n)
    if from_level == base_level:
        return values, dates
    labels = h.generalise(values, from_level, from_level=base_level, context={"date": dates} if dates else None)
    return [v if v is not None else rng_junk for v, rng_junk in zip(labels, values)], dates


ALL_PAIRS = [(name, f, t) for name in HIERARCHY_NAMES for f, t in _pairs(name)]


@pytest.mark.parametrize("name,from_level,to_level", ALL_PAIRS)
def test_sql_expression_equals_generalise(name, from_level, to_level):
    h = get_hierarchy(name)
    values, dates = _inputs_at(name, from_level, 3000)
    python = h.generalise(values, to_level, from_level=from_level, context={"date": dates} if dates else None)
    con = duckdb.connect()
    h.register(con)
    table = pa.table({"i": pa.array(range(len(values))), "v": pa.array([None if v is None else str(v) for v in values], pa.string()),
                      "d": pa.array(dates if dates else [None] * len(values), pa.string())})
    con.register("t", table)
    expr = h.sql_expression('"v"', to_level, from_level=from_level, context_sql={"date": '"d"'} if dates else None)
    sql = [row[0] for row in con.execute(f"SELECT {expr} FROM t ORDER BY i").fetchall()]
    mismatches = [(v, p, s) for v, p, s in zip(values, python, sql) if p != s]
    assert not mismatches, mismatches[:5]
    assert any(p is not None for p in python)


@pytest.mark.parametrize("name", HIERARCHY_NAMES)
def test_every_column_kind_gives_the_same_labels(name):
    h = get_hierarchy(name)
    values, dates = _samples(name, 500)
    values = [None if v is None else str(v) for v in values]
    context = {"date": dates} if dates else None
    level = h.levels[-2]
    expected = h.generalise(values, level, context=context)
    arr = h.generalise(pa.array(values, pa.string()), level, context=context)
    chunked = h.generalise(pa.chunked_array([values[:200], values[200:]], pa.string()), level, context=context)
    series = h.generalise(pd.Series(values, index=range(10, 510), name="col"), level,
                          context={"date": pd.Series(dates)} if dates else None)
    assert isinstance(arr, pa.Array) and arr.to_pylist() == expected
    assert isinstance(chunked, pa.ChunkedArray) and chunked.to_pylist() == expected
    assert isinstance(series, pd.Series) and list(series.index) == list(range(10, 510)) and series.name == "col"
    assert [None if pd.isna(v) else v for v in series] == expected


@pytest.mark.parametrize("name", HIERARCHY_NAMES)
def test_none_stays_none_at_every_level(name):
    h = get_hierarchy(name)
    for from_level, to_level in _pairs(name):
        assert h.generalise([None, None], to_level, from_level=from_level) == [None, None]


@pytest.mark.parametrize("name", HIERARCHY_NAMES)
def test_computed_once_per_distinct_value(name, monkeypatch):
    h = get_hierarchy(name)
    values, dates = _samples(name, 50)
    rows = 200_000
    big = pa.array([None if v is None else str(v) for v in values] * (rows // 50), pa.string())
    calls = []
    original = type(h).map_key
    monkeypatch.setattr(type(h), "map_key", lambda self, *a: calls.append(a) or original(self, *a))
    h.generalise(big, h.levels[1], context={"date": pa.array(dates * (rows // 50), pa.string())} if dates else None)
    assert 0 < len(calls) <= len({(v, d) for v, d in zip(values, dates or [None] * 50)})


@pytest.mark.parametrize("name", HIERARCHY_NAMES)
def test_finite_levels_list_every_label(name):
    h = get_hierarchy(name)
    values, dates = _samples(name, 3000)
    for from_level, to_level in _pairs(name):
        labels = h.labels(to_level)
        if labels is None:
            continue
        assert len(labels) == len(set(labels))
        inputs, dates2 = _inputs_at(name, from_level, 3000)
        got = h.generalise(inputs, to_level, from_level=from_level, context={"date": dates2} if dates2 else None)
        assert {g for g in got if g is not None} <= set(labels), (from_level, to_level)


EXPECTED_COUNTS = {("age", "band5"): 19, ("age", "band10"): 10, ("age", "year"): 91, ("age", "infant_month"): 102,
                   ("geography", "province"): 34, ("geography", "province_63"): 63, ("geography", "region"): 6,
                   ("geography", "ward"): 3321, ("icd10", "chapter"): 22, ("facility", "province"): 34}


@pytest.mark.parametrize("name,level", list(EXPECTED_COUNTS))
def test_label_counts(name, level):
    assert len(get_hierarchy(name).labels(level)) == EXPECTED_COUNTS[(name, level)]


CHAINS = [("age", ["year", "band5", "band10"]), ("age", ["month", "infant_month", "year", "band5"]),
          ("icd10", ["code", "code3", "block", "chapter"]), ("date", ["day", "month", "quarter", "year"]),
          ("geography", ["ward", "district", "province", "region"]),
          ("geography", ["ward", "province_63", "province"])]


@pytest.mark.parametrize("name,chain", CHAINS)
def test_generalising_step_by_step_equals_in_one_step(name, chain):
    h = get_hierarchy(name)
    values, dates = _samples(name, 3000)
    context = {"date": dates} if dates else None
    direct = h.generalise(values, chain[-1], from_level=chain[0], context=context)
    step = h.generalise(values, chain[1], from_level=chain[0], context=context)
    for prev, nxt in zip(chain[1:], chain[2:]):
        step = h.generalise(step, nxt, from_level=prev, context=context)
    assert step == direct


def test_icd10_blocks_cover_chapters_without_overlap():
    icd = get_hierarchy("icd10")
    seen = {}
    for code3, (block, chapter) in icd.by_category.items():
        if block:
            assert icd.block_chapter[block] == chapter
            seen.setdefault(block, []).append(code3)
    assert set(seen) == set(icd.block_chapter)
    assert icd.by_category["B24"] == ("B20-B24", "I") and icd.by_category["Z21"][1] == "XXI"


def test_errors_name_the_hierarchy_and_level():
    with pytest.raises(HierarchyError, match="unknown hierarchy 'postcode'"):
        get_hierarchy("postcode")
    with pytest.raises(HierarchyError, match="'age' has no level 'decade'"):
        get_hierarchy("age").generalise([1], "decade")
    with pytest.raises(HierarchyError, match="cannot generalise 'week' to 'month'"):
        get_hierarchy("date").generalise(["2025-W01"], "month", from_level="week")
    with pytest.raises(HierarchyError, match="cannot generalise 'band10' to 'band5'"):
        get_hierarchy("age").sql_expression("x", "band5", from_level="band10")
