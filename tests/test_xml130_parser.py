"""XML 130 streaming parser: envelope variants, malformed and hostile input, idempotency, bounded memory."""
from __future__ import annotations

import base64
import http.server
import json
import subprocess
import sys
import textwrap
import threading
import time

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.ingest import ingest
from pipelines.ingest.staging import StagingWriter
from pipelines.ingest.xml130 import (VARIANT_BASE64, VARIANT_ELEMENT, VARIANT_ESCAPED, ParseStats,
                                     first_invalid_utf8_offset, parse_file, parse_into, parse_naive)
from xml_fixtures import (Hoso, Part, Raw, inner_document, make_checkin, make_envelope, make_hoso, write_envelope,
                          xml0_row, xml1_row, xml2_row, xml3_row)


def stage(workdir, tmp_path, data: bytes, name: str = "in.xml") -> tuple[ParseStats, StagingWriter]:
    path = tmp_path / name
    path.write_bytes(data)
    writer = StagingWriter(workdir, name=name, source_file=name, source_sha256="0" * 64, batch_id="b-test")
    stats = parse_into(path, writer)
    writer.commit()
    return stats, writer


def staged(workdir, table_id: str, name: str = "in.xml") -> list[dict]:
    path = workdir.staged_table(table_id) / f"{name}.parquet"
    return pq.read_table(path).to_pylist() if path.exists() else []


def rejects(workdir, name: str = "in.xml") -> list[dict]:
    path = workdir.rejects / f"{name}.parquet"
    return pq.read_table(path).to_pylist() if path.exists() else []


def expected(row: dict) -> dict:
    """What staging must hold for a fixture row: self-closing and empty elements both become ""."""
    return {k: ("" if v is None else v) for k, v in row.items()}


def standard_fields(staged_row: dict, columns) -> dict:
    return {k: staged_row[k] for k in columns if staged_row[k] is not None}


# -- envelope variants ------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding,variant", [("base64", VARIANT_BASE64), ("inline", VARIANT_ELEMENT),
                                              ("escaped", VARIANT_ESCAPED), ("cdata", VARIANT_ESCAPED)])
def test_every_noidungfile_variant_stages_the_same_rows(workdir, tmp_path, encoding, variant):
    xml1, xml2 = xml1_row("LK001"), [xml2_row("LK001", 1), xml2_row("LK001", 2, MA_THUOC="VM.01929")]
    stats, writer = stage(workdir, tmp_path, make_envelope([make_hoso("LK001", {"xml1": [xml1], "xml2": xml2})],
                                                           encoding))
    assert stats.variants == {variant: 2}
    assert (stats.hoso_seen, stats.hoso_landed, stats.hoso_rejected) == (1, 1, 0)
    assert (stats.facility, stats.created, stats.declared_count) == ("01929", "20250314", 1)
    [row] = staged(workdir, "xml1")
    assert standard_fields(row, xml1) == expected(xml1)
    assert row["NGAY_TAI_KHAM"] == "" and row["DU_PHONG"] == "" and row["DIA_CHI"] is None
    assert (row["_hoso_index"], row["_source_file"], row["_batch_id"]) == (1, "in.xml", "b-test")
    assert [standard_fields(r, xml2[0]) for r in staged(workdir, "xml2")] == [expected(r) for r in xml2]
    assert rejects(workdir) == []


def test_base64_wrapped_with_line_breaks_spaces_tabs_and_inner_bom(workdir, tmp_path):
    data = make_envelope([make_hoso("LK1")], "base64", wrap=20, inner_bom=True)
    assert b"\t  " in data and b"\n" in data.split(b"<NOIDUNGFILE>")[1][:40]
    stats, _ = stage(workdir, tmp_path, data)
    assert stats.hoso_landed == 1 and stats.rows == {"xml1": 1, "xml2": 2}


def test_bom_crlf_and_namespaces_on_envelope_and_inner_documents(workdir, tmp_path):
    hosos = [make_hoso(f"LK{i}", namespace="urn:inner") for i in range(2)]
    for data in (make_envelope(hosos, "base64", bom=True, crlf=True, namespace="urn:bhxh"),
                 make_envelope(hosos, "inline", bom=True, crlf=True, namespace="urn:bhxh", prefix="bh"),
                 make_envelope(hosos, "inline", crlf=True, namespace="urn:bhxh")):
        assert b"\r\n" in data
        stats, _ = stage(workdir, tmp_path, data)
        assert (stats.hoso_landed, stats.facility, stats.declared_count) == (2, "01929", 2)
        assert [r["MA_LK"] for r in staged(workdir, "xml1")] == ["LK0", "LK1"]
        assert staged(workdir, "xml1")[0]["_extra"] is None  # namespaced tags still match the schema


def test_cdata_empty_self_closing_and_whitespace_values_are_kept_as_received(workdir, tmp_path):
    row = xml1_row("LK1", HO_TEN=Raw("<![CDATA[Lê <Văn> & Tám]]>"), GHI_CHU=Raw("a<!-- note -->b"),
                   DIA_CHI="  ", CHAN_DOAN_RV=None, LY_DO_VV="", CAN_NANG=Raw("<![CDATA[]]>"))
    stage(workdir, tmp_path, make_envelope([make_hoso("LK1", {"xml1": [row]})], "inline"))
    [got] = staged(workdir, "xml1")
    assert got["HO_TEN"] == "Lê <Văn> & Tám"
    assert got["GHI_CHU"] == "ab"
    assert got["DIA_CHI"] == "  "
    assert (got["CHAN_DOAN_RV"], got["LY_DO_VV"], got["CAN_NANG"]) == ("", "", "")
    assert got["NHOM_MAU"] is None  # absent tag


def test_codes_and_multi_values_stay_strings_verbatim(workdir, tmp_path):
    row = xml1_row("LK1", MA_LOAI_KCB="01", MA_QUOCTICH="000", MA_DOITUONG_KCB="1.10", MA_NGHE_NGHIEP="00000",
                   MA_BENH_KT="J00; K29.7;", T_TONGCHI_BV="0150000.50", MATINH_CU_TRU="01")
    stage(workdir, tmp_path, make_envelope([make_hoso("LK1", {"xml1": [row]})]))
    [got] = staged(workdir, "xml1")
    for name in ("MA_LOAI_KCB", "MA_QUOCTICH", "MA_DOITUONG_KCB", "MA_NGHE_NGHIEP", "MA_BENH_KT", "T_TONGCHI_BV",
                 "MATINH_CU_TRU", "MA_THE_BHYT", "GT_THE_TU"):
        assert got[name] == row[name]
    schema = pq.read_schema(workdir.staged_table("xml1") / "in.xml.parquet")
    assert str(schema.field("T_TONGCHI_BV").type) == "string"


def test_unknown_tags_are_kept_in_extra(workdir, tmp_path):
    rows = [xml2_row("LK1", 1, TRUONG_MOI="x;y", GHI_CHU_NOI_BO=None),
            xml2_row("LK1", 2, THEM=Raw("<A>1</A><B/>"))]
    stats, writer = stage(workdir, tmp_path, make_envelope([make_hoso("LK1", {"xml2": rows})], "escaped"))
    got = staged(workdir, "xml2")
    assert json.loads(got[0]["_extra"]) == {"GHI_CHU_NOI_BO": "", "TRUONG_MOI": "x;y"}
    assert json.loads(got[1]["_extra"]) == {"THEM": "<A>1</A><B/>"}
    assert got[0]["MA_THUOC"] == "40.17" and "TRUONG_MOI" not in got[0]
    assert writer.extra_tags == {"xml2.TRUONG_MOI": 1, "xml2.GHI_CHU_NOI_BO": 1, "xml2.THEM": 1}


def test_several_hoso_and_a_wrong_declared_count_is_recorded_not_rejected(workdir, tmp_path):
    hosos = [make_hoso(f"LK{i}", {"xml1": [xml1_row(f"LK{i}")], "xml3": [xml3_row(f"LK{i}", k) for k in range(i)]})
             for i in range(1, 5)]
    stats, _ = stage(workdir, tmp_path, make_envelope(hosos, declared_count=7))
    assert (stats.hoso_seen, stats.hoso_landed, stats.declared_count, stats.count_mismatch) == (4, 4, 7, True)
    assert stats.rows == {"xml1": 4, "xml3": 1 + 2 + 3 + 4}
    assert [(r["MA_LK"], r["_hoso_index"], r["STT"]) for r in staged(workdir, "xml3")] == [
        (f"LK{i}", i, str(k)) for i in range(1, 5) for k in range(i)]
    assert rejects(workdir) == []
    stats, _ = stage(workdir, tmp_path, make_envelope(hosos[:1], declared_count=None))
    assert stats.declared_count is None and not stats.count_mismatch


def test_tables_outside_the_registry_are_counted_and_the_hoso_still_lands(workdir, tmp_path):
    xml6 = Part("XML6", "<CHI_TIEU_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS/>")
    xml15 = Part("XML15", "<CHI_TIEU_DIEUTRI_BENHLAO/>")
    stats, _ = stage(workdir, tmp_path, make_envelope([make_hoso("LK1", extra_parts=[xml6, xml15, xml6])]))
    assert stats.unknown_tables == {"XML6": 2, "XML15": 1}
    assert stats.hoso_landed == 1 and stats.rows == {"xml1": 1, "xml2": 2}


def test_checkin_file_stages_xml0_with_one_index_per_row(workdir, tmp_path):
    rows = [xml0_row("LK1", 1), xml0_row("LK2", 2, MA_LOAI_KCB="03"), xml0_row("LK3", 3)]
    stats, _ = stage(workdir, tmp_path, make_checkin(rows, namespace="urn:x", bom=True))
    assert (stats.root, stats.hoso_seen, stats.hoso_landed) == ("CHI_TIEU_TRANG_THAI_KCB", 3, 3)
    got = staged(workdir, "xml0")
    assert [(r["MA_LK"], r["_hoso_index"], r["MA_LOAI_KCB"]) for r in got] == [
        ("LK1", 1, "01"), ("LK2", 2, "03"), ("LK3", 3, "01")]
    assert got[0]["DU_PHONG"] == ""


def test_envelope_may_carry_xml0_parts(workdir, tmp_path):
    stats, _ = stage(workdir, tmp_path, make_envelope([make_hoso("LK1", {"xml0": [xml0_row("LK1")],
                                                                          "xml1": [xml1_row("LK1")]})]))
    assert stats.rows == {"xml0": 1, "xml1": 1}


def test_parse_naive_agrees_with_the_streaming_parser(tmp_path):
    path = tmp_path / "a.xml"
    path.write_bytes(make_envelope([make_hoso(f"LK{i}") for i in range(3)]))
    streamed: dict[str, list] = {}
    for hoso in parse_file(path):
        for table_id, rows in hoso.tables.items():
            streamed.setdefault(table_id, []).extend(row for row, _ in rows)
    assert parse_naive(path) == streamed


# -- bad HOSO: rejected atomically, the others land ---------------------------------------------------

def _with_bad_second_hoso(bad_part: Part) -> bytes:
    bad = make_hoso("LK2")
    bad.parts.insert(1, bad_part)  # after a good XML1: none of it may land
    return make_envelope([make_hoso("LK1"), bad, make_hoso("LK3")])


@pytest.mark.parametrize("bad_part,reason", [
    (Part("XML2", content="PFRPTkdf!!!SE9QPg=="), "neither valid base64 nor inline XML"),
    (Part("XML2", content="PFRPTkdfSE9QPg"), "neither valid base64 nor inline XML"),  # bad padding
    (Part("XML2", inner="<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC><MA_LK>LK2</MA_LK>"),
     "not well-formed XML"),
    (Part("XML2", content=base64.b64encode("<CHITIEU_CHITIET_THUOC>Lê</CHITIEU_CHITIET_THUOC>".encode("latin-1"))
          .decode()), "not valid UTF-8"),
    (Part("XML2", inner=inner_document("xml3", [xml3_row("LK2")])), "inner root element is CHITIEU_CHITIET_DVKT_VTYT"),
    (Part("XML3", inner=inner_document("xml3", [xml3_row("LK2"), xml3_row("LK9", 2)])), "MA_LK differs"),
    (Part("XML2", content=""), "is empty"),
    (Part("", content="x"), "has no LOAIHOSO"),
    (Part("XML2", inner=inner_document("xml2", [xml2_row("LK2", MA_THUOC=Raw("<X>1</X>"))])), "child elements"),
    (Part("XML2", inner=inner_document("xml2", [xml2_row("LK2")]).replace("<STT>1</STT>", "<STT>1</STT><STT>2</STT>")),
     "element STT repeated"),
])
def test_bad_hoso_is_rejected_whole_and_the_others_land(workdir, tmp_path, bad_part, reason):
    stats, _ = stage(workdir, tmp_path, _with_bad_second_hoso(bad_part))
    assert (stats.hoso_seen, stats.hoso_landed, stats.hoso_rejected) == (3, 2, 1)
    assert [r["MA_LK"] for r in staged(workdir, "xml1")] == ["LK1", "LK3"]
    assert {r["MA_LK"] for r in staged(workdir, "xml2")} == {"LK1", "LK3"}
    [reject] = rejects(workdir)
    assert (reject["hoso_index"], reject["source_file"]) == (2, "in.xml")
    assert reason in reject["reason"]
    for value in ("LK2", "Nguyễn", "0011900", "GD40101"):  # no personal data in reasons
        assert value not in reject["reason"]


def test_truncated_file_keeps_the_hoso_before_the_break(workdir, tmp_path):
    data = make_envelope([make_hoso(f"LK{i}") for i in range(1, 5)])
    cut = data.index(b"<HOSO>", data.index(b"<HOSO>", data.index(b"<HOSO>") + 1) + 1) + 300  # inside HOSO 3
    stats, _ = stage(workdir, tmp_path, data[:cut])
    assert (stats.hoso_seen, stats.hoso_landed, stats.hoso_rejected) == (3, 2, 1)
    assert [r["MA_LK"] for r in staged(workdir, "xml1")] == ["LK1", "LK2"]
    [reject] = rejects(workdir)
    assert reject["hoso_index"] == 3 and reject["source_file"] == "in.xml"
    assert "broke inside HOSO 3: not well-formed XML" in reject["reason"] and "line" in reject["reason"]


def test_file_broken_after_the_last_hoso_keeps_every_hoso(workdir, tmp_path):
    data = make_envelope([make_hoso("LK1"), make_hoso("LK2")])
    stats, _ = stage(workdir, tmp_path, data[: data.index(b"</DANHSACHHOSO>") + 5])
    assert (stats.hoso_landed, stats.hoso_rejected) == (2, 0)
    [reject] = rejects(workdir)
    assert reject["hoso_index"] is None and "after HOSO 2" in reject["reason"]


def test_part_over_the_parser_text_limit_breaks_the_file_there_with_a_clear_reason(workdir, tmp_path):
    huge = make_hoso("LK2", {"xml3": [xml3_row("LK2", k, TEN_DICH_VU="x" * 1000) for k in range(8000)]})
    stats, _ = stage(workdir, tmp_path, make_envelope([make_hoso("LK1"), huge, make_hoso("LK3")], wrap=0))
    assert (stats.hoso_landed, stats.hoso_rejected) == (1, 1)
    [reject] = rejects(workdir)
    assert reject["hoso_index"] == 2 and "text node over 10 MB" in reject["reason"]


@pytest.mark.parametrize("data", [
    make_envelope([make_hoso("LK1")], "escaped").replace("Ánh".encode(), "Ánh".encode("windows-1258")),
    make_envelope([make_hoso("LK1")], "inline").replace("Ánh".encode(), "Ánh".encode("latin-1")),
    make_envelope([make_hoso("LK1")], "inline").decode().encode("utf-16"),
    make_envelope([make_hoso("LK1")], "inline").decode().encode("utf-16-le"),  # no BOM: NUL bytes
], ids=["windows-1258", "latin-1", "utf-16", "utf-16-no-bom"])
def test_non_utf8_file_is_rejected_whole(workdir, tmp_path, data):
    stats, _ = stage(workdir, tmp_path, data)
    assert (stats.hoso_seen, stats.hoso_landed) == (0, 0)
    assert staged(workdir, "xml1") == []
    [reject] = rejects(workdir)
    assert reject["hoso_index"] is None and reject["reason"].startswith("not valid UTF-8")


def test_wrong_encoding_declaration_cannot_switch_the_decoder(workdir, tmp_path):
    data = make_envelope([make_hoso("LK1")], "escaped",
                         xml_declaration='<?xml version="1.0" encoding="windows-1258"?>')
    stats, _ = stage(workdir, tmp_path, data)
    assert stats.hoso_landed == 1 and staged(workdir, "xml1")[0]["HO_TEN"] == "Nguyễn Thị Ánh"


def test_first_invalid_utf8_offset_across_chunk_boundaries(tmp_path, monkeypatch):
    import pipelines.ingest.xml130 as xml130
    monkeypatch.setattr(xml130, "UTF8_CHUNK", 4)
    path = tmp_path / "a.xml"
    path.write_bytes("ab€ệ".encode() + b"\xe1\xbb")  # multi-byte characters split over chunks, truncated end
    assert first_invalid_utf8_offset(path) == 8
    path.write_bytes("aệb".encode() + b"\xff" + b"zz")
    assert first_invalid_utf8_offset(path) == 5
    path.write_bytes("aệbcdệ".encode())
    assert first_invalid_utf8_offset(path) is None


def test_unexpected_root_and_empty_file_are_file_rejects(workdir, tmp_path):
    for data, reason in ((b"<TONG_HOP><MA_LK>1</MA_LK></TONG_HOP>", "unexpected root element TONG_HOP"),
                         (b"", "not well-formed XML"), (b"\xef\xbb\xbf  ", "not well-formed XML")):
        stats, _ = stage(workdir, tmp_path, data)
        [reject] = rejects(workdir)
        assert reason in reject["reason"] and stats.hoso_seen == 0


def test_hoso_without_filehoso_is_rejected(workdir, tmp_path):
    stats, _ = stage(workdir, tmp_path, make_envelope([make_hoso("LK1"), make_hoso("LK2", {})]))
    assert (stats.hoso_landed, stats.hoso_rejected) == (1, 1)
    assert "HOSO has no FILEHOSO" in rejects(workdir)[0]["reason"]


# -- hostile input ---------------------------------------------------------------------------------

BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                            for i in range(1, 10))
                  + "]>")
QUADRATIC = '<!DOCTYPE q [<!ENTITY a "' + "x" * 100_000 + '">]>'


def _outer_with_dtd(dtd: str, reference: str) -> bytes:
    data = make_envelope([make_hoso("LK1", {"xml1": [xml1_row("LK1", HO_TEN=Raw(reference))]})], "inline")
    return data.replace(b"<GIAMDINHHS", dtd.replace("lolz", "GIAMDINHHS").encode() + b"\n<GIAMDINHHS", 1)


def _inner_with_dtd(dtd: str, reference: str) -> bytes:
    inner = inner_document("xml1", [xml1_row("LK2", HO_TEN=Raw(reference))], declaration=False)
    bad = Hoso([Part("XML1", dtd.replace("lolz", "TONG_HOP") + inner)])
    return make_envelope([make_hoso("LK1"), bad, make_hoso("LK3")], "base64")


@pytest.mark.parametrize("dtd,reference", [(BILLION_LAUGHS, "&lol9;"), (QUADRATIC, "&a;" * 20_000)],
                         ids=["billion-laughs", "quadratic-blowup"])
def test_entity_bombs_are_refused_fast_without_expansion(workdir, tmp_path, dtd, reference):
    start = time.perf_counter()
    stats, _ = stage(workdir, tmp_path, _outer_with_dtd(dtd, reference))
    assert time.perf_counter() - start < 1.0
    assert stats.hoso_landed == 0 and staged(workdir, "xml1") == []
    [reject] = rejects(workdir)
    assert "DOCTYPE" in reject["reason"] and reject["hoso_index"] is None

    start = time.perf_counter()
    stats, _ = stage(workdir, tmp_path, _inner_with_dtd(dtd, reference), name="inner.xml")
    assert time.perf_counter() - start < 1.0
    assert (stats.hoso_landed, stats.hoso_rejected) == (2, 1)
    assert [r["MA_LK"] for r in staged(workdir, "xml1", "inner.xml")] == ["LK1", "LK3"]
    [reject] = rejects(workdir, "inner.xml")
    assert reject["hoso_index"] == 2 and "DOCTYPE" in reject["reason"]


@pytest.fixture
def http_probe():
    """A loopback HTTP server that counts requests: external entities must never reach it."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"LEAKED-OVER-HTTP")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_external_entities_are_never_read_or_fetched(workdir, tmp_path, http_probe):
    url, hits = http_probe
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT-4711")
    cases = {
        "file-entity": (f'<!DOCTYPE lolz [<!ENTITY xxe SYSTEM "file://{secret}">]>', "&xxe;"),
        "http-entity": (f'<!DOCTYPE lolz [<!ENTITY xxe SYSTEM "{url}/entity">]>', "&xxe;"),
        "external-dtd": (f'<!DOCTYPE lolz SYSTEM "{url}/dtd">', "x"),
        "parameter-entity": (f'<!DOCTYPE lolz [<!ENTITY % p SYSTEM "{url}/param"> %p;]>', "x"),
    }
    for case, (dtd, reference) in cases.items():
        for where, build in (("outer", _outer_with_dtd), ("inner", _inner_with_dtd)):
            name = f"{case}-{where}.xml"
            stats, _ = stage(workdir, tmp_path, build(dtd, reference), name=name)
            assert any("DOCTYPE" in r["reason"] for r in rejects(workdir, name)), name
    assert hits == []
    for parquet in workdir.root.rglob("*.parquet"):
        content = json.dumps(pq.read_table(parquet).to_pylist(), ensure_ascii=False)
        assert "TOP-SECRET" not in content and "LEAKED" not in content


# -- idempotency through the ingest entry point -------------------------------------------------------

def test_ingesting_the_same_file_twice_gives_the_same_rows(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "a.xml").write_bytes(make_envelope([make_hoso(f"LK{i}") for i in range(3)]))
    (source / "b.xml").write_bytes(make_envelope([make_hoso("LK9"), make_hoso("LK8", {})], "inline"))
    data_dir = tmp_path / "data"

    def counts():
        con = duckdb.connect()
        return {t: con.execute(f"SELECT count(*) FROM read_parquet('{data_dir}/staging/{t}/**/*.parquet')")
                .fetchone()[0] for t in ("xml1", "xml2")} | {
            "rejects": con.execute(f"SELECT count(*) FROM read_parquet('{data_dir}/rejects/*.parquet')").fetchone()[0]}

    first = ingest(source, data_dir)
    before = counts()
    second = ingest(source, data_dir)
    assert counts() == before == {"xml1": 4, "xml2": 8, "rejects": 1}
    assert first.staged == second.staged == {"xml1": 4, "xml2": 8}
    assert [(f.hoso_seen, f.hoso_rejected) for f in second.files] == [(3, 0), (2, 1)]


# -- bounded memory on a large file ------------------------------------------------------------------

@pytest.mark.slow
def test_50k_hoso_file_parses_in_bounded_memory(tmp_path):
    path = write_envelope(tmp_path / "big.xml", 50_000)
    assert path.stat().st_size > 100e6  # a whole-tree parse would hold all of it and more
    # Peak RSS is per process, so measure in a fresh one: the parser alone first, then the real
    # staging path, whose writer buffers up to FLUSH_ROWS rows per table by design.
    script = textwrap.dedent(f"""
        import json, resource, time
        from pathlib import Path
        from pipelines.ingest.staging import StagingWriter
        from pipelines.ingest.xml130 import parse_file, parse_into
        from pipelines.workdir import Workdir
        peak_kb = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        path = Path({str(path)!r})
        writer = StagingWriter(Workdir.at({str(tmp_path / 'data')!r}), name="big", source_file="big.xml",
                               source_sha256="0" * 64, batch_id="b")
        before, start = peak_kb(), time.perf_counter()
        seen = sum(1 for hoso in parse_file(path) if not hoso.rejected)
        parse_kb, parse_s = peak_kb() - before, time.perf_counter() - start
        before, start = peak_kb(), time.perf_counter()
        stats = parse_into(path, writer)
        counts = writer.commit()
        print(json.dumps({{"seen": seen, "parse_mb": parse_kb / 1024, "parse_s": parse_s,
                          "stage_mb": (peak_kb() - before) / 1024, "stage_s": time.perf_counter() - start,
                          "landed": stats.hoso_landed, "counts": counts}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout)
    assert result["seen"] == result["landed"] == 50_000, result
    assert result["counts"] == {"xml1": 50_000, "xml2": 100_000}, result
    assert result["parse_mb"] < 50, result
    assert result["stage_mb"] < 250, result
