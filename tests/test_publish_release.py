"""publish_release: immutable, atomic, signed, idempotent releases and the catalog over them."""
from __future__ import annotations

import json
import os
import stat

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.publish import ReleaseExistsError, publish_release
from pipelines.publish.catalog import ARCHIVE, DUCKDB_FILE
from pipelines.publish.verify import verify_release
from tests.publish_fixtures import spec, tables


def publish(workdir, version="2024-04", data=None, **kw):
    return publish_release(workdir, kw.pop("s", spec()), version, data or tables(), metadata=kw or {
        "source_batches": ["b2", "b1"], "utility": {"encounters": 0.93}})


def snapshot(root):
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
            for p in root.rglob("*")}


def test_release_layout_manifest_and_catalog(workdir):
    s = publish(workdir)
    release = workdir.published / "encounters" / "2024-04"
    assert s.path == release and not s.already_published and s.rows == 10 and s.suppressed_cells == 2
    parts = sorted(p.relative_to(release).as_posix() for p in release.rglob("*.parquet"))
    assert "by_province/month=2024-03/province=01/data_0.parquet" in parts
    assert "by_province/month=2024-04/province=%2A/data_0.parquet" in parts  # the margin label, escaped
    assert "national/month=2024-03/data_0.parquet" in parts
    # Hive convention: partition columns live in the path only
    assert pq.read_schema(release / parts[0]).names == ["sex", "encounters", "total_cost_vnd", "suppressed"]
    m = json.loads((release / "manifest.json").read_text())
    assert m["tables"]["by_province"]["rows"] == 8 and m["tables"]["by_province"]["suppressed_cells"] == 2
    assert {c["name"]: c["type"] for c in m["tables"]["by_province"]["schema"]}["encounters"] == "int64"
    assert m["source_batches"] == ["b1", "b2"] and m["metadata"]["utility"] == {"encounters": 0.93}
    assert m["disclosure"]["config"]["min_count"] == 8 and m["disclosure"]["audit"]["passed"]
    assert m["signature"]["key_id"].startswith("ed25519:") and m["software"]["andanh"]
    listed = set(m["files"])
    assert {"DATA_DICTIONARY.md", "data_dictionary.json", "signing_key.pub"} <= listed and set(parts) <= listed
    assert verify_release(release).ok
    assert (workdir.published / "encounters" / "LATEST").read_text().strip() == "2024-04"
    assert stat.S_IMODE((release / parts[0]).stat().st_mode) == 0o444
    con = duckdb.connect(str(workdir.published / DUCKDB_FILE), read_only=True)
    rows = con.execute("SELECT month, province, sex, encounters, suppressed FROM encounters__by_province "
                       "ORDER BY ALL").fetchall()
    assert ("2024-03", "01", "Nam", 10, False) in rows and ("2024-04", "*", "*", 40, False) in rows
    assert con.execute("SELECT count(*) FROM encounters__by_province__2024_04").fetchone()[0] == 8
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'encounters__by_province'").fetchall())
    assert types["province"] == "VARCHAR" and types["encounters"] == "BIGINT"  # '01' stays '01'
    assert con.execute("SELECT status, verified FROM releases").fetchall() == [("current", True)]


def test_identical_content_is_a_noop(workdir):
    first = publish(workdir)
    before = snapshot(workdir.published / "encounters")
    shuffled = {name: df.sample(frac=1, random_state=3)[list(reversed(df.columns))] for name, df in tables().items()}
    again = publish(workdir, version="2024-05", data=shuffled)
    assert again.already_published and again.version == first.version == "2024-04"
    assert again.content_digest == first.content_digest
    assert snapshot(workdir.published / "encounters") == before
    assert not (workdir.published / ARCHIVE).exists()


def test_new_version_retires_the_previous_into_the_signed_archive(workdir):
    publish(workdir)
    second = publish(workdir, version="2024-05", data=tables(scale=2))
    assert second.retired == ["2024-04"]
    archived = workdir.published / ARCHIVE / "encounters" / "2024-04"
    assert archived.is_dir() and not (workdir.published / "encounters" / "2024-04").exists()
    assert verify_release(archived).ok
    con = duckdb.connect(str(workdir.published / DUCKDB_FILE), read_only=True)
    assert con.execute("SELECT version, status, verified FROM releases ORDER BY version").fetchall() == [
        ("2024-04", "retired", True), ("2024-05", "current", True)]
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "encounters__by_province__2024_05" in names and not any("2024_04" in n for n in names)
    assert con.execute("SELECT encounters FROM encounters__by_province WHERE month = '2024-03' AND province = '01' "
                       "AND sex = 'Nam'").fetchone()[0] == 20


def test_a_version_is_immutable(workdir):
    publish(workdir)
    with pytest.raises(ReleaseExistsError):
        publish(workdir, data=tables(scale=2))
    publish(workdir, version="2024-05", data=tables(scale=2))
    with pytest.raises(ReleaseExistsError, match="retired"):  # an archived version is not reused either
        publish(workdir, version="2024-04", data=tables(scale=3))


@pytest.mark.parametrize("where", ["write_table", "sign", "rename"])
def test_a_failed_run_leaves_the_previous_release_intact(workdir, monkeypatch, where):
    from pipelines.publish import release as release_module
    publish(workdir)
    before = snapshot(workdir.published)
    calls = {"n": 0}

    def boom(*args, **kwargs):
        calls["n"] += 1
        if where != "write_table" or calls["n"] == 2:  # the second table: the first is written already
            raise OSError("disk full (injected)")
        return real(*args, **kwargs)
    target = {"write_table": "write_table", "sign": "sign", "rename": "os"}[where]
    if where == "rename":
        real_os = release_module.os

        class FailingOs:
            def __getattr__(self, name):
                return getattr(real_os, name)
            rename = staticmethod(boom)
        monkeypatch.setattr(release_module, "os", FailingOs())
    else:
        real = getattr(release_module, target)
        monkeypatch.setattr(release_module, target, boom)
    with pytest.raises(OSError, match="injected"):
        publish(workdir, version="2024-05", data=tables(scale=2))
    assert snapshot(workdir.published) == before  # LATEST, catalog, old release: untouched
    assert not [p for p in workdir.tmp.iterdir() if p.name.startswith("release-")]  # scratch cleaned up
    monkeypatch.undo()
    assert publish(workdir, version="2024-05", data=tables(scale=2)).retired == ["2024-04"]


def test_a_crash_after_the_rename_is_finished_by_the_next_run(workdir, monkeypatch):
    from pipelines.publish import catalog
    publish(workdir)
    monkeypatch.setattr(catalog, "write_pointer", lambda *a: (_ for _ in ()).throw(OSError("crash (injected)")))
    with pytest.raises(OSError):
        publish(workdir, version="2024-05", data=tables(scale=2))
    assert (workdir.published / "encounters" / "LATEST").read_text().strip() == "2024-04"
    monkeypatch.undo()
    again = publish(workdir, version="2024-05", data=tables(scale=2))
    assert not again.already_published and again.retired == ["2024-04"]


def test_pointer_is_replaced_atomically(workdir, monkeypatch):
    from pipelines.publish import catalog
    publish(workdir)
    replaced = []
    real = os.replace
    monkeypatch.setattr(catalog.os, "replace", lambda a, b: (replaced.append((str(a), str(b))), real(a, b))[1])
    publish(workdir, version="2024-05", data=tables(scale=2))
    latest = str(workdir.published / "encounters" / "LATEST")
    assert any(b == latest and a != latest for a, b in replaced)
    assert any(b.endswith(DUCKDB_FILE) for _, b in replaced)


def test_data_dictionary_is_bilingual_and_from_the_registry(workdir):
    s = publish(workdir)
    md = (s.path / "DATA_DICTIONARY.md").read_text()
    d = json.loads((s.path / "data_dictionary.json").read_text())
    assert "Lượt khám chữa bệnh / Encounters" in md and "Kiểm soát công bố / Disclosure control" in md
    cols = {c["name"]: c for c in d["tables"]["by_province"]["columns"]}
    assert set(cols) == {"month", "province", "sex", "encounters", "total_cost_vnd", "suppressed"}
    assert "Total cost at hospital prices" in cols["total_cost_vnd"]["en"]  # XML 130 registry description
    assert "đồng" in cols["total_cost_vnd"]["vi"] and "tỉnh/thành phố" in cols["province"]["vi"]
    assert "1 to 7" in d["disclosure"]["en"] and "1 đến 7" in d["disclosure"]["vi"]


def test_digest_ignores_storage_and_sees_every_value(workdir):
    import pyarrow as pa

    from pipelines.publish.digest import content_digest, normalise
    s = spec()
    base = {n: normalise(s, t) for n, t in tables().items()}
    as_arrow = {n: normalise(s, pa.Table.from_pandas(t, preserve_index=False)) for n, t in tables().items()}
    assert content_digest(base) == content_digest(as_arrow)
    changed = tables()
    changed["by_province"].loc[0, "total_cost_vnd"] = 1000.25
    assert content_digest({n: normalise(s, t) for n, t in changed.items()}) != content_digest(base)
    fewer = tables()
    fewer["national"] = fewer["national"].iloc[:1]
    assert content_digest({n: normalise(s, t) for n, t in fewer.items()}) != content_digest(base)
