"""Ingest output stays the same when ingest is made faster (issue 13, point 3).

One small generated set (a few hundred encounters, content defects, unreadable parts and truncated
files, CSV extracts) plus hand-made files for every reader path (inline, escaped and CDATA content,
unknown and namespaced tags, unknown tables, refused, broken and non-UTF-8 files, a check-in file) is
ingested in several ways: one process, two processes in small chunks, tiny flushes, a re-ingest of some
files. Each must give exactly the stored outcome (``tests/data/ingest_equivalence.json``, written by the
ingest before it was sped up): staged rows with their values, types, order within a source and lineage;
reject records; landing copies; the batch manifest; the ledger counts. The staged values are also
checked against an independent whole-file read (``xml130.parse_naive``) for the files read cleanly.

Regenerate the expectation (only when the wanted output changes on purpose, or the generator changed):
``PYTHONPATH=. python tests/test_ingest_equivalence.py --write``.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from xml_fixtures import (Hoso, Part, Raw, inner_document, make_checkin, make_envelope,  # noqa: E402
                          make_hoso, xml0_row, xml1_row, xml2_row, xml3_row)

from pipelines import synth  # noqa: E402
from pipelines.ingest import ingest, read_manifest, xml130  # noqa: E402
from pipelines.ingest.staging import staged_at  # noqa: E402
from pipelines.ledger import Ledger  # noqa: E402
from pipelines.schema import STAGED_TABLES, load_schema  # noqa: E402
from pipelines.workdir import Workdir  # noqa: E402

EXPECTED = Path(__file__).resolve().parent / "data" / "ingest_equivalence.json"
BATCH = "bequivalence"
ENCOUNTERS, SEED, DEFECTS = 300, 5, 0.05


def _loaihoso(table_id: str) -> str:
    return load_schema().table(table_id).loaihoso


def _variant_hosos() -> list[Hoso]:
    """Good HOSO through every content variant and the reader's slow row path."""
    extra = xml1_row("V03", GHI_CHU_MOI="khác", DU_PHONG=Raw("a<!-- c -->b"))
    nested_extra = xml2_row("V03", 1, THEM=Raw("<X>1</X><Y/>"))
    return [
        make_hoso("V01"),
        Hoso([Part(_loaihoso("xml1"), inner_document("xml1", [xml1_row("V02")]), encoding="inline"),
              Part(_loaihoso("xml2"), inner_document("xml2", [xml2_row("V02", i) for i in (1, 2, 3)]),
                   encoding="escaped"),
              Part(_loaihoso("xml3"), inner_document("xml3", [xml3_row("V02")]), encoding="cdata")]),
        Hoso([Part(_loaihoso("xml1"), inner_document("xml1", [extra])),
              Part(_loaihoso("xml2"), inner_document("xml2", [nested_extra, xml2_row("V03", 2, NGAY_YL=None)])),
              Part("XML_KHONG_CO", "<A><B>1</B></A>")]),
        make_hoso("V04", namespace="urn:example:xml130"),
    ]


def _bad_hosos() -> list[Hoso]:
    """HOSO the reader must reject, each for its own reason, between good ones."""
    repeated = inner_document("xml1", [xml1_row("R02")]).replace("<STT>1</STT>", "<STT>1</STT><STT>2</STT>")
    return [
        make_hoso("R01"),
        Hoso([Part(_loaihoso("xml1"), repeated)]),
        Hoso([Part(_loaihoso("xml1"), inner_document("xml1", [xml1_row("R03", HO_TEN=Raw("<B>x</B>"))]))]),
        Hoso([Part(_loaihoso("xml1"), inner_document("xml1", [xml1_row("R04")])),
              Part(_loaihoso("xml2"), inner_document("xml2", [xml2_row("R04X")]))]),
        Hoso([Part("", inner_document("xml1", [xml1_row("R05")]))]),
        Hoso([Part(_loaihoso("xml1"), content="  ")]),
        Hoso([Part(_loaihoso("xml1"), content="@@not base64@@")]),
        Hoso([Part(_loaihoso("xml1"), inner_document("xml1", [xml1_row("R08")]).replace("</XML1>", ""))]),
        Hoso([Part(_loaihoso("xml1"), '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><TONG_HOP/>')]),
        make_hoso("R10"),
    ]


def build_source(folder: Path) -> Path:
    """The generated set plus the hand-made files, under ``folder/in``."""
    synth.generate(ENCOUNTERS, SEED, folder / "gen", defects_rate=DEFECTS, formats=("xml", "csv"),
                   file_defects=True, workers=1)
    source = folder / "in"
    (source / "xml").mkdir(parents=True)
    (source / "csv").mkdir()
    for path in sorted((folder / "gen" / "xml").glob("*.xml")):
        path.rename(source / "xml" / path.name)
    for path in sorted((folder / "gen" / "csv").glob("*.csv")):
        path.rename(source / "csv" / path.name)
    made = source / "made"
    made.mkdir()
    (made / "variants.xml").write_bytes(make_envelope(_variant_hosos(), declared_count=7, crlf=True, bom=True))
    (made / "rejects.xml").write_bytes(make_envelope(_bad_hosos()))
    broken = make_envelope([make_hoso(f"T{i:02d}") for i in range(6)])
    (made / "truncated.xml").write_bytes(broken[: len(broken) * 2 // 3])
    (made / "doctype.xml").write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE GIAMDINHHS [<!ENTITY x "y">]>\n'
                                       + make_envelope([make_hoso("D01")], xml_declaration=None))
    (made / "latin1.xml").write_bytes(make_envelope([make_hoso("L01")]).replace(b">01929<", b">0\xe9929<", 1))
    (made / "wrong_root.xml").write_bytes(b"<KHAC><A/></KHAC>")
    (made / "checkin.xml").write_bytes(make_checkin([xml0_row("C01"), xml0_row("C02", 2, DU_PHONG="x")]))
    return source


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def _staged_table(workdir: Workdir, table_id: str) -> pa.Table | None:
    """Every staged row of a table, ordered by source then by its place in its part (= file order)."""
    files = sorted((workdir.staging / table_id).glob("**/*.parquet"))
    if not files:
        return None
    parts = []
    for path in files:
        part = pq.read_table(path)
        shas = set(part.column("_source_sha256").to_pylist())
        assert {staged_at(workdir, sha) for sha in shas} == {path.stem}  # the lineage manifest
        parts.append(part.append_column("_pos", pa.array(range(part.num_rows), pa.int64())))
    table = pa.concat_tables(parts)
    order = pc.sort_indices(table, sort_keys=[("_source_sha256", "ascending"), ("_pos", "ascending")])
    return table.take(order).drop_columns(["_pos"])


def outcome(workdir: Workdir, batch_id: str = BATCH) -> dict:
    """What ingest left behind, in a form independent of how it was chunked or flushed."""
    staged = {}
    for table_id in STAGED_TABLES:
        table = _staged_table(workdir, table_id)
        if table is not None:
            staged[table_id] = {"rows": table.num_rows, "schema": table.schema.to_string(),
                                "content": _digest({c: table.column(c).to_pylist() for c in table.column_names})}
    rejects = [r for p in sorted(workdir.rejects.glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    files = [{k: v for k, v in f.items() if k not in ("path", "source", "staging_name")} | {"name": Path(f["path"]).name}
             for f in read_manifest(workdir, batch_id)["files"]]
    ledger = [(e.stage, e.table_name, e.received, e.passed, e.quarantined, e.rejected, e.details)
              for e in Ledger(workdir.ledger_url()).entries(batch_id)]
    result = {"staged": staged, "rejects": len(rejects), "rejects_content": _digest(rejects),
              "reject_reasons": sorted({r["reason"] for r in rejects}),
              "landing": sorted(p.name for p in workdir.landing.rglob("*") if p.is_file()),
              "files": sorted(files, key=lambda f: (f["name"], f["sha256"])), "ledger": sorted(ledger, key=str)}
    return json.loads(json.dumps(result, ensure_ascii=False, sort_keys=True))  # as stored: lists, str keys


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return build_source(tmp_path_factory.mktemp("equivalence"))


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def _ingest(source: Path, root: Path, **kwargs) -> Workdir:
    workdir = Workdir.at(root).ensure()
    ingest(source, workdir, batch_id=BATCH, **kwargs)
    return workdir


def test_one_process_gives_the_stored_outcome(source, tmp_path, expected):
    got = outcome(_ingest(source, tmp_path / "w", workers=1))
    assert got["rejects"] > 10 and len(got["staged"]) == 6 and any(f["kind"] == "csv" for f in got["files"])
    assert sum(1 for f in got["files"] if f["rejects"] and not f["hoso_seen"]) == 3  # refused files
    assert got == expected


def test_two_processes_in_small_chunks_give_the_same_outcome(source, tmp_path, expected, monkeypatch):
    monkeypatch.setenv("ANDANH_INGEST_CHUNK_FILES", "5")
    assert outcome(_ingest(source, tmp_path / "w", workers=2)) == expected


def test_tiny_flushes_and_a_reingest_give_the_same_outcome(source, tmp_path, expected, monkeypatch):
    from pipelines.ingest import staging
    monkeypatch.setattr(staging, "FLUSH_ROWS", 7)  # many flushes; broken files purged from flushed parts
    monkeypatch.setenv("ANDANH_INGEST_CHUNK_FILES", "3")
    workdir = _ingest(source, tmp_path / "w", workers=1)
    again = [source / "made" / n for n in ("variants.xml", "truncated.xml", "rejects.xml")]
    again += sorted((source / "xml").glob("*.xml"))[:2]
    ingest(source, workdir, batch_id=BATCH, files=again, workers=1)
    assert outcome(workdir) == expected


def test_staged_values_match_an_independent_whole_file_read(source, tmp_path):
    """Files read without any reject: every staged standard value is what a plain lxml read finds."""
    workdir = _ingest(source, tmp_path / "w", workers=1, record=False)
    clean = {f["sha256"]: Path(f["path"]) for f in read_manifest(workdir, BATCH)["files"]
             if f["kind"] == "xml" and not f["rejects"] and not f["error"] and f["staged"]
             and not f["details"]["unknown_tables"] and f["details"]["variants"].keys() == {"base64"}}
    assert len(clean) > 10
    schema = load_schema()
    for table_id in ("xml1", "xml2", "xml3", "xml4", "xml5"):
        table = _staged_table(workdir, table_id)
        columns = schema.table(table_id).columns
        rows_by_source: dict[str, list[dict]] = {}
        for row in table.to_pylist():
            if row["_source_sha256"] in clean:
                assert row["_batch_id"] == BATCH and row["_extra"] is None
                assert row["_source_file"] == clean[row["_source_sha256"]].name
                rows_by_source.setdefault(row["_source_sha256"], []).append(
                    {c: row[c] for c in columns if row[c] is not None})
        for sha, path in clean.items():
            naive = [{c: r[c] for c in columns if c in r} for r in xml130.parse_naive(path).get(table_id, [])]
            assert rows_by_source.get(sha, []) == naive, (table_id, path.name)


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        src = build_source(Path(tmp))
        workdir = Workdir.at(Path(tmp) / "w").ensure()
        ingest(src, workdir, batch_id=BATCH, workers=1)
        EXPECTED.write_text(json.dumps(outcome(workdir), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
        print(f"wrote {EXPECTED}")
