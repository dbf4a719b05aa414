"""HIS database source (``pipelines.ingest.his``) against the real PostgreSQL server."""
from __future__ import annotations

import logging
import os
import uuid

import duckdb
import pytest
import sqlalchemy as sa

from pipelines.ingest import his, read_manifest, staged_files
from pipelines.ledger import Ledger
from pipelines.schema import load_schema
from pipelines.workdir import Workdir

pytestmark = pytest.mark.postgres

PG_URL = os.environ.get("ANDANH_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
PASSWORD = "Khong-Lo-9x7q"  # trust auth ignores it; it must never show up in logs or lineage
CHILD_COUNTS = {"xml2": 2, "xml3": 1, "xml4": 1, "xml5": 2}


def _value(field, seed: int) -> str:
    """A plausible standard string for any registry field (so rows fit the HIS column types)."""
    if field.format == "datetime12":
        return f"2024{seed % 12 + 1:02d}150830"
    if field.format == "date8":
        return f"2024{seed % 12 + 1:02d}15"
    if field.name == "STT":
        return str(seed)
    if field.type == "number":
        return str(seed % 9 + 1) if field.max_length and field.max_length <= 4 else f"{seed}.5"
    return f"0{seed}"[: field.max_length or 20]


def episode(ma_lk: str, paid: str | None, seed: int) -> dict[str, list[dict[str, str]]]:
    """One hand-built episode: an XML1 row and its XML2-XML5 rows, as the standard's strings."""
    schema = load_schema()
    xml1 = {f.name: _value(f, seed) for f in schema.table("xml1").fields}
    xml1.update(MA_LK=ma_lk, NGAY_TTOAN=paid or "", MA_LOAI_KCB="01", HO_TEN="Nguyễn Thị Bệnh Nhân",
                T_TONGCHI_BV="1234567.890", T_THUOC="150000", T_VTYT="1.10", T_BHTT="0", CAN_NANG="3.50")
    tables = {"xml1": [xml1]}
    for table_id, n in CHILD_COUNTS.items():
        rows = []
        for stt in range(1, n + 1):
            row = {f.name: _value(f, seed + stt) for f in schema.table(table_id).fields}
            row.update(MA_LK=ma_lk, STT=str(stt))
            rows.append(row)
        tables[table_id] = rows
    tables["xml2"][0].update(SO_LUONG="0.500", DON_GIA="25000", THANH_TIEN_BV="12500.000")
    return tables


def merged(*episodes) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list] = {}
    for ep in episodes:
        for table_id, rows in ep.items():
            out.setdefault(table_id, []).extend(rows)
    return out


BASE_EPISODES = [("LK-A", "202501010800", 1), ("LK-B", "202501021000", 2), ("LK-C", "202501031200", 3),
                 ("LK-UNPAID", None, 4), ("LK-E", "202501050900", 5)]


@pytest.fixture(scope="module")
def engine():
    engine = sa.create_engine(PG_URL)
    yield engine
    engine.dispose()


@pytest.fixture
def his_schema(engine):
    name = f"his_test_{uuid.uuid4().hex[:10]}"
    try:
        his.create_his_schema(engine, name)
        his.load_his(engine, merged(*(episode(*e) for e in BASE_EPISODES)), name)
        yield name
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def staged_rows(workdir: Workdir, table_id: str, batch_id: str) -> list[dict]:
    files = staged_files(workdir, batch_id, table_id)
    if not files:
        return []
    relation = duckdb.sql(f"SELECT * FROM read_parquet({[str(f) for f in files]}) ORDER BY _hoso_index, MA_LK, STT")
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def count_all(workdir: Workdir, table_id: str) -> int:
    return duckdb.sql(f"SELECT count(*) FROM read_parquet('{workdir.staging}/{table_id}/**/*.parquet')"
                      ).fetchall()[0][0]


def test_schema_types_follow_the_registry(engine, his_schema):
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("xml130_tong_hop", schema=his_schema)}
    assert str(columns["ma_loai_kcb"]["type"]) == "VARCHAR(2)"
    assert str(columns["t_tongchi_bv"]["type"]) == "NUMERIC(18, 3)"
    assert str(columns["gioi_tinh"]["type"]) == "SMALLINT"
    assert str(columns["ly_do_vv"]["type"]) == "TEXT"
    assert "updated_at" in columns
    inspector = sa.inspect(engine)
    assert inspector.get_pk_constraint("xml130_tong_hop", schema=his_schema)["constrained_columns"] == ["ma_lk"]
    assert inspector.get_pk_constraint("xml130_chi_tiet_thuoc", schema=his_schema)["constrained_columns"] == [
        "ma_lk", "stt"]
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{his_schema}".{t}')).scalar()
                  for t in his.HIS_TABLES.values()}
    assert counts == {"xml130_tong_hop": 5, "xml130_chi_tiet_thuoc": 10, "xml130_chi_tiet_dvkt": 5,
                      "xml130_chi_tiet_cls": 5, "xml130_dien_bien_ls": 10}


def test_pull_interval_stages_paid_episodes_with_children(engine, his_schema, workdir):
    summary = his.pull_his(PG_URL, workdir, interval_start="202501010000", interval_end="202501031200",
                           schema=his_schema, chunk_episodes=2)  # two chunks of episodes
    assert summary.staged == {"xml1": 3, "xml2": 6, "xml3": 3, "xml4": 3, "xml5": 6}
    episodes = staged_rows(workdir, "xml1", summary.batch_id)
    assert [(r["MA_LK"], r["_hoso_index"]) for r in episodes] == [("LK-A", 1), ("LK-B", 2), ("LK-C", 3)]
    first = episodes[0]
    # numbers come back in the standard's string form; codes keep their leading zeros
    assert (first["T_TONGCHI_BV"], first["T_THUOC"], first["T_VTYT"], first["T_BHTT"]) == (
        "1234567.89", "150000", "1.1", "0")
    assert (first["MA_LOAI_KCB"], first["CAN_NANG"], first["HO_TEN"]) == ("01", "3.50", "Nguyễn Thị Bệnh Nhân")
    assert first["GIOI_TINH"] == "2" and first["NGAY_TTOAN"] == "202501010800"
    assert first["_source_file"] == f"his:{his_schema}" and first["_extra"] is None
    assert len(first["_source_sha256"]) == 64 and first["_batch_id"] == summary.batch_id
    drugs = staged_rows(workdir, "xml2", summary.batch_id)
    assert {r["MA_LK"] for r in drugs} == {"LK-A", "LK-B", "LK-C"}
    assert [(r["MA_LK"], r["STT"], r["_hoso_index"]) for r in drugs[:2]] == [("LK-A", "1", 1), ("LK-A", "2", 1)]
    assert (drugs[0]["SO_LUONG"], drugs[0]["DON_GIA"], drugs[0]["THANH_TIEN_BV"]) == ("0.5", "25000", "12500")
    (entry,) = read_manifest(workdir, summary.batch_id)["files"]
    assert entry["staging_name"] == f"his-{summary.batch_id}" and entry["hoso_seen"] == 3
    ledger = {e.table_name: e.received for e in Ledger(workdir.ledger_url()).entries(summary.batch_id)}
    assert ledger == {"hoso": 3, "xml1": 3, "xml2": 6, "xml3": 3, "xml4": 3, "xml5": 6}


def test_same_interval_twice_is_idempotent(his_schema, workdir):
    kwargs = dict(interval_start="202501010000", interval_end="202501031200", schema=his_schema)
    first = his.pull_his(PG_URL, workdir, **kwargs)
    other_driver = sa.make_url(PG_URL).set(drivername="postgresql+psycopg")  # same database, same source
    second = his.pull_his(other_driver, workdir, **kwargs)
    assert second.batch_id == first.batch_id and second.staged == first.staged
    assert {t: count_all(workdir, t) for t in first.staged} == first.staged
    assert len(list((workdir.staging / "xml1").glob("*.parquet"))) == 1


def test_later_interval_picks_up_only_newer_episodes(engine, his_schema, workdir):
    first = his.pull_his(PG_URL, workdir, interval_start="202501010000", interval_end="202501031200",
                         schema=his_schema)
    later = his.pull_his(engine, workdir, interval_start="202501031200", interval_end="202501060000",
                         schema=his_schema, chunk_episodes=1)
    assert later.batch_id != first.batch_id
    assert later.staged == {"xml1": 1, "xml2": 2, "xml3": 1, "xml4": 1, "xml5": 2}
    assert [r["MA_LK"] for r in staged_rows(workdir, "xml1", later.batch_id)] == ["LK-E"]
    assert count_all(workdir, "xml1") == 4  # the earlier batch's files are untouched
    # datetimes work as bounds too (aware ones are read in Vietnam time: 01:00 UTC = 08:00 +07)
    # (in a fresh data root: here LK-A's version belongs to the first batch and would be skipped)
    import datetime as dt
    fresh = Workdir.at(workdir.root.parent / "fresh").ensure()
    aware = his.pull_his(engine, fresh, schema=his_schema,
                         interval_start=dt.datetime(2025, 1, 1, 0, 59, tzinfo=dt.timezone.utc),
                         interval_end=dt.datetime(2025, 1, 1, 1, 0, tzinfo=dt.timezone.utc))
    assert [r["MA_LK"] for r in staged_rows(fresh, "xml1", aware.batch_id)] == ["LK-A"]
    again = his.pull_his(engine, workdir, schema=his_schema, interval_start="202501010000",
                         interval_end="202501010800")  # another batch over LK-A's version: not staged twice
    assert again.staged == {} and again.files[0].details["skipped_versions"] == 1


def test_watermark_mode_advances(engine, his_schema, workdir):
    url = sa.make_url(PG_URL).set(password=PASSWORD)
    source = his.his_source_id(url, his_schema)
    ledger = Ledger(workdir.ledger_url())
    assert ledger.get_watermark(source) is None

    first = his.pull_his(url, workdir, interval_start=None, interval_end=None, schema=his_schema)
    assert first.staged["xml1"] == 4  # every paid episode; LK-UNPAID has no NGAY_TTOAN
    assert ledger.get_watermark(source) == "202501050900"

    his.load_his(engine, merged(episode("LK-F", "202501061000", 6)), his_schema)
    second = his.pull_his(url, workdir, interval_start=None, interval_end=None, schema=his_schema)
    assert second.batch_id != first.batch_id
    assert second.staged == {"xml1": 1, "xml2": 2, "xml3": 1, "xml4": 1, "xml5": 2}
    assert [r["MA_LK"] for r in staged_rows(workdir, "xml1", second.batch_id)] == ["LK-F"]
    assert ledger.get_watermark(source) == "202501061000"

    nothing = his.pull_his(url, workdir, interval_start=None, interval_end=None, schema=his_schema)
    assert nothing.staged == {} and ledger.get_watermark(source) == "202501061000"

    # an explicit interval neither reads nor moves the watermark
    his.pull_his(url, workdir, interval_start="202401010000", interval_end="202501010800", schema=his_schema)
    assert ledger.get_watermark(source) == "202501061000"


def test_password_never_logged_or_recorded(his_schema, workdir, caplog):
    url = sa.make_url(PG_URL).set(password=PASSWORD).render_as_string(hide_password=False)
    assert PASSWORD in url
    with caplog.at_level(logging.DEBUG):
        summary = his.pull_his(url, workdir, interval_start=None, interval_end=None, schema=his_schema)
    assert "HIS pull from" in caplog.text and "***" in caplog.text
    assert PASSWORD not in caplog.text
    assert PASSWORD not in str(summary.to_dict())
    assert PASSWORD not in str(read_manifest(workdir, summary.batch_id))
    with sa.create_engine(workdir.ledger_url()).connect() as conn:
        assert PASSWORD not in str(conn.execute(sa.text("SELECT * FROM watermarks")).fetchall())
    assert "Nguyễn" not in caplog.text


def test_connection_failure_is_clear_and_hides_the_password(workdir):
    bad = sa.make_url(PG_URL).set(password=PASSWORD, database="andanh_no_such_db").render_as_string(
        hide_password=False)
    with pytest.raises(his.HisError) as failure:
        his.pull_his(bad, workdir, interval_start=None, interval_end=None)
    assert "HIS pull from" in str(failure.value) and PASSWORD not in str(failure.value)


def test_missing_schema_is_a_clear_error(workdir):
    with pytest.raises(his.HisError, match="not found"):
        his.pull_his(PG_URL, workdir, interval_start=None, interval_end=None, schema="andanh_no_such_schema")


@pytest.mark.parametrize("method", ["copy", "executemany"])
def test_load_rejects_bad_values_without_echoing_them(engine, his_schema, method):
    bad = episode("LK-BAD", "202501070000", 7)
    bad["xml1"][0]["T_THUOC"] = "mot tram"
    with pytest.raises(his.HisError, match=r"xml1 row 1 T_THUOC: not a number") as failure:
        his.load_his(engine, bad, his_schema, method=method)
    assert "mot tram" not in str(failure.value)
    duplicate = episode("LK-A", "202501070000", 7)  # primary key already taken
    with pytest.raises(his.HisError, match="unique constraint") as failure:
        his.load_his(engine, duplicate, his_schema, method=method)
    assert "LK-A" not in str(failure.value) and "Nguyễn" not in str(failure.value)
    with engine.connect() as conn:  # all or nothing
        assert conn.execute(sa.text(f'SELECT count(*) FROM "{his_schema}".xml130_tong_hop')).scalar() == 5


def test_executemany_and_copy_load_the_same_values(engine, his_schema, workdir):
    his.load_his(engine, merged(episode("LK-M1", "202502010000", 8)), his_schema, method="executemany")
    his.load_his(engine, merged(episode("LK-M2", "202502010000", 8)), his_schema, method="copy")
    summary = his.pull_his(engine, workdir, interval_start="202501310000", interval_end="202502010000",
                           schema=his_schema)
    a, b = staged_rows(workdir, "xml1", summary.batch_id)
    columns = [c for c in load_schema().table("xml1").columns if c != "MA_LK"]
    assert [a[c] for c in columns] == [b[c] for c in columns]


def test_standard_string():
    from decimal import Decimal
    assert [his.standard_string(v) for v in (Decimal("150000.000"), Decimal("1.100"), Decimal("1E+2"),
                                             Decimal("-0.000"), Decimal("0.001"), 7, None, "01")] == [
        "150000", "1.1", "100", "0", "0.001", "7", None, "01"]


def test_url_from_env(monkeypatch):
    monkeypatch.setenv(his.HIS_URL_ENV, PG_URL)
    assert his.his_url_from_env() == PG_URL
    monkeypatch.delenv(his.HIS_URL_ENV)
    with pytest.raises(his.HisError, match="ANDANH_HIS_URL is not set"):
        his.his_url_from_env()


@pytest.mark.airflow
def test_url_from_airflow_connection(his_schema, workdir, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_ANDANH_HIS", sa.make_url(PG_URL).set(
        drivername="postgresql", password=PASSWORD).render_as_string(hide_password=False))
    url = his.his_url_from_airflow("andanh_his")
    summary = his.pull_his(url, workdir, interval_start="202501010000", interval_end="202501021000",
                           schema=his_schema)
    assert summary.staged["xml1"] == 2 and PASSWORD not in summary.source


@pytest.mark.postgres
def test_synthetic_seed_then_pull_everything_paid(tmp_path):
    """The generator seeds the HIS schema; a pull over all time stages every seeded episode."""
    import uuid

    import duckdb
    import sqlalchemy as sa

    from pipelines.ingest.his import pull_his
    from pipelines.synth.his_seed import seed_his
    from pipelines.workdir import Workdir

    schema = f"his_seed_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    try:
        seeded = seed_his(engine, 120, 5, schema=schema)
        assert seeded["xml1"] == 120
        wd = Workdir.at(tmp_path / "w")
        summary = pull_his(engine, wd, interval_start="200001010000", interval_end="209912312359", schema=schema)
        assert summary.staged["xml1"] == 120
        staged = duckdb.sql(f"SELECT count(*) FROM read_parquet('{wd.staging}/xml2/*.parquet')").fetchall()[0][0]
        assert staged == seeded["xml2"]
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
