"""The whole job on a small synthetic data set: from the CLI, and as a real Airflow DAG run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.ledger import Ledger
from pipelines.workdir import Workdir

ANDANH = [sys.executable, "-m", "pipelines.cli"]


@pytest.fixture(scope="module")
def synth_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    subprocess.run(ANDANH + ["synth", "--encounters", "400", "--seed", "21", "--out", str(out), "--defects",
                             "0.05"], check=True, capture_output=True)
    return out


def pii_samples(synth_dir: Path, limit: int = 200) -> list[str]:
    """Personal values the generator wrote into free text: none of them may be published."""
    spans = [json.loads(line) for line in (synth_dir / "truth" / "pii_spans.jsonl").read_text().splitlines()]
    wanted = {"PERSON", "VN_CCCD", "VN_BHYT", "PHONE_NUMBER", "VN_PATIENT_ID"}
    return sorted({s["text"] for s in spans if s["entity_type"] in wanted and len(s["text"]) >= 6})[:limit]


def published_text(workdir: Workdir) -> str:
    con = duckdb.connect(str(workdir.published / "andanh.duckdb"), read_only=True)
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    assert "encounters__national_month_chapter" in tables
    return "\n".join(repr(row) for t in tables for row in con.execute(f'SELECT * FROM "{t}"').fetchall())


def assert_published_and_balanced(workdir: Workdir, synth_dir: Path) -> None:
    entries = Ledger(workdir.ledger_url()).entries()
    assert entries and all(e.balanced for e in entries)
    hoso = next(e for e in entries if e.stage == "ingest" and e.table_name == "hoso")
    assert hoso.received == 400
    episodes = next(e for e in entries if e.stage == "validate" and e.table_name == "episodes")
    assert episodes.passed > 300 and episodes.quarantined > 0
    release = (workdir.published / "encounters" / "LATEST").read_text().strip()
    manifest = json.loads((workdir.published / "encounters" / release / "manifest.json").read_text())
    assert manifest["rows"] > 0 and manifest["metadata"]["periods"]
    stages = {(e.stage, e.table_name) for e in entries if e.batch_id == release}
    assert {("aggregate", "encounters"), ("disclose", "encounters"), ("publish", "encounters")} <= stages
    text = published_text(workdir)
    leaked = [value for value in pii_samples(synth_dir) if value in text]
    assert not leaked


def planted_identifiers(workdir: Workdir, synth_dir: Path) -> list[str]:
    """The free-text identifiers the generator planted, and the identifying columns of every record."""
    columns = ["HO_TEN", "SO_CCCD", "MA_THE_BHYT", "DIEN_THOAI", "MA_BN"]
    staged = duckdb.sql(f"SELECT {', '.join(columns)} FROM read_parquet('{workdir.staging}/xml1/**/*.parquet', "
                        "union_by_name = true)").fetchall()
    values = {str(v) for row in staged for v in row if v is not None and len(str(v)) >= 6}
    return sorted(values | set(pii_samples(synth_dir, limit=10_000)))


def assert_no_identifier_outside_the_data(workdir: Workdir, synth_dir: Path, *outputs: str) -> None:
    """Issue 12, point 7: no planted identifier in what the CLI printed, in the reports, the ledger, the
    lineage events or anything published (the data files of the restricted zone hold them, by design)."""
    planted = planted_identifiers(workdir, synth_dir)
    assert len(planted) > 200
    surfaces = {"cli output": "\n".join(outputs)}
    for path in sorted(workdir.reports.rglob("*")) + sorted(workdir.published.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".json", ".md", ".txt", ".csv", ".jsonl", ""}:
            surfaces[str(path.relative_to(workdir.root))] = path.read_text(errors="replace")
    surfaces["ledger"] = "\n".join(repr(vars(e)) for e in Ledger(workdir.ledger_url()).entries())
    lineage = list(workdir.restricted.rglob("*.jsonl"))
    surfaces |= {str(p.relative_to(workdir.root)): p.read_text() for p in lineage if "lineage" in str(p)}
    found = {where: [v for v in planted if v in text] for where, text in surfaces.items()}
    found = {where: values for where, values in found.items() if values}
    assert not found, {where: f"{len(v)} value(s)" for where, v in found.items()}


def test_cli_run_end_to_end_and_rerun_changes_nothing(synth_set, tmp_path):
    workdir = Workdir.at(tmp_path / "work")
    cmd = ANDANH + ["-v", "run", "--source", str(synth_set / "xml"), "--workdir", str(workdir.root)]
    first = subprocess.run(cmd, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "release:" in first.stdout and "quarantined:" in first.stdout
    assert_published_and_balanced(workdir, synth_set)
    runs = subprocess.run(ANDANH + ["runs", "--workdir", str(workdir.root)], capture_output=True, text=True)
    assert_no_identifier_outside_the_data(workdir, synth_set, first.stdout, first.stderr, runs.stdout, runs.stderr)
    before = {p: p.stat().st_mtime_ns for p in workdir.published.glob("*/*/**/*.parquet")}
    rows_before = duckdb.sql(f"SELECT count(*) FROM read_parquet('{workdir.staging}/xml1/**/*.parquet')").fetchall()
    second = subprocess.run(cmd, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-2000:]
    after = {p: p.stat().st_mtime_ns for p in workdir.published.glob("*/*/**/*.parquet")}
    assert after == before  # same content, same release: nothing was republished
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{workdir.staging}/xml1/**/*.parquet')").fetchall() \
        == rows_before


def test_cli_reports_failure_with_exit_codes(tmp_path):
    missing = subprocess.run(ANDANH + ["run", "--source", str(tmp_path / "nope"), "--workdir", str(tmp_path / "w")],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "error" in missing.stderr and not missing.stdout
    usage = subprocess.run(ANDANH + ["run"], capture_output=True, text=True)
    assert usage.returncode == 2
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.xml").write_bytes(b"\xff\xfe not xml")
    nothing = subprocess.run(ANDANH + ["ingest", "--source", str(junk), "--workdir", str(tmp_path / "w")],
                             capture_output=True, text=True)
    assert nothing.returncode == 1 and "rejected: 1" in nothing.stdout


@pytest.mark.airflow
@pytest.mark.slow
def test_dag_runs_end_to_end_in_airflow(synth_set, tmp_path, monkeypatch):
    migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True,
                             env=os.environ.copy())
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    workdir = Workdir.at(tmp_path / "work")
    conf = {"source": str(synth_set / "xml"), "workdir": str(workdir.root)}  # as DAG params (see conftest)
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState
    dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags["andanh_kcb"]
    run = dag.test(run_conf=conf)
    assert run.state == DagRunState.SUCCESS
    shards = sorted(ti.map_index for ti in run.get_task_instances() if ti.task_id == "deidentify"
                    and ti.state == "success")
    assert shards == [0, 1, 2, 3]  # de-identify mapped over the batch's shards (ANDANH_DEIDENTIFY_SHARDS' default)
    validated = sorted(ti.map_index for ti in run.get_task_instances() if ti.task_id == "validate"
                       and ti.state == "success")
    assert validated == [0, 1, 2, 3]  # and validate (ANDANH_VALIDATE_SHARDS' default)
    assert_published_and_balanced(workdir, synth_set)
    latest = sorted(p.read_text() for p in workdir.published.rglob("LATEST"))
    # the next day brings no new file: a success that publishes nothing new, nothing retried
    import pendulum
    quiet = dag.test(logical_date=pendulum.now("UTC").add(days=1), run_conf=conf)
    assert quiet.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in quiet.get_task_instances()}
    assert states["anything_new"] == "success" and states["validate"] == "skipped", states
    assert sorted(p.read_text() for p in workdir.published.rglob("LATEST")) == latest


@pytest.mark.airflow
@pytest.mark.postgres
@pytest.mark.slow
def test_his_dag_pulls_one_data_interval(tmp_path, monkeypatch):
    """andanh_his pulls exactly the episodes paid in its data interval from a seeded PostgreSQL HIS."""
    import uuid

    import pendulum
    import sqlalchemy as sa
    from conftest import PG_URL

    from pipelines.synth.his_seed import seed_his

    schema = f"his_dag_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    try:
        seed_his(engine, 400, 9, schema=schema)
        with engine.begin() as conn:  # committed when paid: the DAG reads by commit time
            conn.execute(sa.text(f"UPDATE {schema}.xml130_tong_hop SET updated_at = to_timestamp(ngay_ttoan, "
                                 "'YYYYMMDDHH24MI')::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh' "
                                 "WHERE coalesce(ngay_ttoan, '') <> ''"))
        with engine.connect() as conn:  # the busiest payment hour, so the interval holds episodes
            hour = conn.execute(sa.text(
                f"SELECT substr(ngay_ttoan, 1, 10) AS h FROM {schema}.xml130_tong_hop "
                "GROUP BY h ORDER BY count(*) DESC, h LIMIT 1")).scalar()
        migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
        assert migrate.returncode == 0, migrate.stderr[-2000:]
        url = sa.make_url(PG_URL).set(drivername="postgresql")
        monkeypatch.setenv("AIRFLOW_CONN_ANDANH_HIS", url.render_as_string(hide_password=False))
        monkeypatch.setenv("ANDANH_HIS_START_DATE", "2019-01-01")  # the seeded payments are in 2025
        from airflow.dag_processing.dagbag import DagBag
        from airflow.utils.state import DagRunState
        dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags["andanh_his"]
        workdir = Workdir.at(tmp_path / "work")
        logical = pendulum.datetime(int(hour[:4]), int(hour[4:6]), int(hour[6:8]), int(hour[8:10]),
                                    tz="Asia/Ho_Chi_Minh")
        run = dag.test(logical_date=logical, run_conf={"schema": schema, "workdir": str(workdir.root)})
        assert run.state == DagRunState.SUCCESS
        overlap = pendulum.duration(minutes=60)  # ANDANH_HIS_OVERLAP_MINUTES' default
        lo, hi = (pendulum.instance(d).in_tz("Asia/Ho_Chi_Minh").format("YYYYMMDDHHmm")
                  for d in (run.data_interval_start - overlap, run.data_interval_end))
        with engine.connect() as conn:
            paid = conn.execute(sa.text(f"SELECT count(*) FROM {schema}.xml130_tong_hop "
                                        "WHERE ngay_ttoan > :lo AND ngay_ttoan <= :hi"), {"lo": lo, "hi": hi}).scalar()
        hoso = next(e for e in Ledger(workdir.ledger_url()).entries()
                    if e.stage == "ingest" and e.table_name == "hoso")
        assert paid > 0 and hoso.received == paid
        before = {(e.batch_id, e.stage, e.table_name) for e in Ledger(workdir.ledger_url()).entries()}
        quiet = dag.test(logical_date=pendulum.datetime(2020, 1, 1, tz="Asia/Ho_Chi_Minh"),
                         run_conf={"schema": schema, "workdir": str(workdir.root)})
        assert quiet.state == DagRunState.SUCCESS
        # the quiet interval stopped after the pull: no validation, nothing new in the ledger
        new = {(e.batch_id, e.stage, e.table_name) for e in Ledger(workdir.ledger_url()).entries()} - before
        assert {stage for _, stage, _ in new} <= {"ingest"}, new
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
