"""`andanh query` and the portal run SQL in the sandbox: only the published views, nothing else."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipelines.publish import publish_release
from pipelines.publish.sandbox import QueryRefused, open_sandbox
from tests.publish_fixtures import spec, tables

ANDANH = [sys.executable, "-m", "pipelines.cli"]


@pytest.fixture
def catalog(workdir):
    (workdir.staging / "xml1").mkdir(parents=True)
    import pandas as pd
    pd.DataFrame({"HO_TEN": ["Nguyễn Văn An"], "SO_CCCD": ["001099012345"]}).to_parquet(
        workdir.staging / "xml1" / "part.parquet")
    (workdir.vault).mkdir(parents=True, exist_ok=True)
    (workdir.vault / "pseudonym.key").write_text("aa" * 32)
    return publish_release(workdir, spec(), "v1", tables(), metadata={}).duckdb_path


@pytest.fixture
def box(catalog):
    with open_sandbox(catalog, timeout_s=2, max_rows=50) as sandbox:
        yield sandbox


def test_published_views_answer(box):
    result = box.query("WITH t AS (SELECT * FROM encounters__by_province) "
                       "SELECT province, sum(encounters) AS n FROM t GROUP BY ALL ORDER BY province")
    assert result.columns == ["province", "n"] and ("01", 30) in result.rows and not result.truncated
    assert "encounters__national" in box.views and "releases" in box.views


@pytest.mark.parametrize("sql, reason", [
    ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ("SELECT * FROM read_parquet('{staging}/xml1/*.parquet')", "read_parquet"),
    ("SELECT * FROM '{staging}/xml1/part.parquet'", "not a published view"),
    ("SELECT content FROM read_text('{vault}/pseudonym.key')", "read_text"),
    ("SELECT * FROM glob('{root}/**')", "glob"),
    ("SELECT (SELECT count(*) FROM read_blob('/etc/shadow')) AS n FROM encounters__national", "read_blob"),
    ("SELECT * FROM encounters__national WHERE month IN (SELECT file FROM glob('/etc/*'))", "glob"),
    ("SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')", "query"),
    ("SELECT getenv('ANDANH_PSEUDONYM_KEY')", "getenv"),
    ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ("SELECT * FROM information_schema.tables", "information_schema.tables"),
    ("SELECT * FROM published.main.releases", "published.main.releases"),
    ("SELECT * FROM duckdb_tables", "not a published view"),
    ("COPY encounters__national TO '{root}/out.csv'", "COPY"),
    ("COPY (SELECT 1) TO '/tmp/x.parquet' (FORMAT parquet)", "COPY"),
    ("ATTACH '{root}/restricted/ledger.sqlite' AS l", "ATTACH"),
    ("INSTALL httpfs", "not LOAD"),  # DuckDB types INSTALL as a LOAD statement
    ("LOAD httpfs", "LOAD"),
    ("SET enable_external_access = true", "SET"),
    ("RESET lock_configuration", "SET"),
    ("PRAGMA database_list", "PRAGMA"),
    ("CREATE TABLE x AS SELECT 1", "CREATE"),
    ("DROP TABLE encounters__national", "DROP"),
    ("SELECT 1; SELECT 2", "one statement"),
    ("EXPORT DATABASE '{root}/dump'", "EXPORT"),
])
def test_escapes_are_refused_with_a_clear_message(box, workdir, sql, reason):
    sql = sql.format(staging=workdir.staging, vault=workdir.vault, root=workdir.root)
    with pytest.raises(QueryRefused) as info:
        box.query(sql)
    assert reason in str(info.value)
    assert not (workdir.root / "out.csv").exists() and not os.path.exists("/tmp/x.parquet")


def test_the_engine_refuses_files_even_past_the_statement_check(box, workdir):
    """Second wall: the connection itself has external access disabled and its configuration locked."""
    con = box._con
    for sql in (f"SELECT * FROM read_text('{workdir.vault}/pseudonym.key')",
                f"COPY encounters__national TO '{workdir.root}/out.csv'", "SET enable_external_access = true"):
        with pytest.raises(Exception, match="disabled by configuration|locked"):
            con.execute(sql)
    import pandas as pd
    secret_frame = pd.DataFrame({"x": [1]})  # noqa: F841 - DuckDB would find it by name (replacement scan)
    with pytest.raises(Exception, match="secret_frame"):
        con.sql("SELECT * FROM secret_frame").fetchall()
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert names == set(box.views)  # nothing but the copies of the published views


def test_long_query_is_stopped_by_the_time_limit(box):
    with pytest.raises(QueryRefused, match="time limit of 2 s"):
        box.query("SELECT count(*) FROM range(1000000000000) a")
    assert box.query("SELECT count(*) AS n FROM encounters__national").rows == [(2,)]  # still usable


def test_huge_result_is_capped(box):
    result = box.query("SELECT * FROM range(1000000) r")
    assert len(result.rows) == 50 and result.truncated


def test_views_restrict_what_is_visible(catalog):
    with open_sandbox(catalog, views={"encounters__national"}) as box:
        assert box.query("SELECT count(*) FROM encounters__national").rows == [(2,)]
        with pytest.raises(QueryRefused, match="not a published view: encounters__by_province"):
            box.query("SELECT * FROM encounters__by_province")
    with pytest.raises(KeyError):
        open_sandbox(catalog, views={"staging_xml1"})


def test_andanh_query_uses_the_sandbox(catalog, workdir):
    env = os.environ | {"PYTHONPATH": os.getcwd()}
    ok = subprocess.run(ANDANH + ["query", "--workdir", str(workdir.root), "--csv",
                                  "SELECT month, encounters FROM encounters__national ORDER BY month"],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == ["month,encounters", "2024-03,30", "2024-04,40"]
    bad = subprocess.run(ANDANH + ["query", "--workdir", str(workdir.root),
                                   f"SELECT * FROM read_text('{workdir.vault}/pseudonym.key')"],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "read_text" in bad.stderr and "aa" * 32 not in bad.stdout + bad.stderr


def test_the_portal_pool_never_serves_another_grant_set_or_an_old_catalog(catalog, workdir):
    """Pooled sandboxes (pipelines.portal.query) are keyed by the exact view set and the catalog file:
    a sandbox opened for one grant never answers a query of another, and a new release retires it."""
    from pipelines.portal import query
    national = {"encounters__national"}
    both = national | {"encounters__by_province"}
    sql = "SELECT sum(encounters) AS n FROM encounters__by_province"
    assert query.run(catalog, both, sql).rows  # a sandbox over both views goes back to the pool
    with pytest.raises(QueryRefused, match="not a published view"):
        query.run(catalog, national, sql)  # the narrower grant gets its own sandbox, without that view
    first = query.run(catalog, both, sql).rows
    publish_release(workdir, spec(), "v2", tables(scale=2), metadata={})  # a new catalog file
    with open_sandbox(catalog, views=both) as fresh:
        expected = fresh.query(sql).rows
    assert expected != first and query.run(catalog, both, sql).rows == expected
    assert all(key[1] == catalog.stat().st_mtime_ns for key in query._IDLE if key[0] == str(catalog))
