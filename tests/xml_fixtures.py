"""Build XML 130 test files in code, so no large fixture files live in the repository.

A HOSO is a list of :class:`Part` (one ``FILEHOSO`` each); :func:`make_hoso` builds one from rows
per table id. Row dicts map a tag to its text: ``""`` writes ``<TAG></TAG>``, ``None`` writes
``<TAG/>``, a :class:`Raw` value is written without escaping (CDATA, comments, nested tags).
:func:`make_envelope` renders a whole ``GIAMDINHHS`` file as bytes, :func:`write_envelope` streams
a large one to disk, :func:`make_checkin` renders a stand-alone check-in (XML0) file.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import escape

from pipelines.schema import load_schema

ENCODINGS = ("base64", "inline", "escaped", "cdata")


@dataclass(frozen=True)
class Raw:
    """Field content written as is (markup allowed)."""
    xml: str


@dataclass
class Part:
    loaihoso: str
    inner: str | None = None  # inner XML document text; None -> content is used as is
    content: str | None = None  # raw NOIDUNGFILE content (for broken parts)
    encoding: str | None = None  # overrides the envelope's encoding for this part


@dataclass
class Hoso:
    parts: list[Part] = field(default_factory=list)


def xml1_row(ma_lk: str, **fields: str | None) -> dict:
    row = {"MA_LK": ma_lk, "STT": "1", "MA_BN": "BN0001", "HO_TEN": "Nguyễn Thị Ánh", "SO_CCCD": "001190012345",
           "NGAY_SINH": "199000000000", "GIOI_TINH": "2", "MA_QUOCTICH": "000", "MA_DANTOC": "01",
           "MA_NGHE_NGHIEP": "00000", "MA_THE_BHYT": "GD4010100000001;GD4010100000002",
           "MA_DKBD": "01929;01001", "GT_THE_TU": "20240101;20250101", "GT_THE_DEN": "20241231;20251231",
           "MA_BENH_CHINH": "J06.9", "MA_BENH_KT": "J00;K29.7", "MA_DOITUONG_KCB": "1.10", "MA_LOAI_KCB": "01",
           "NGAY_VAO": "202503140800", "NGAY_RA": "202503141130", "SO_NGAY_DTRI": "0",
           "T_TONGCHI_BV": "150000.00", "MA_KHOA": "K01", "MA_CSKCB": "01929", "NGAY_TAI_KHAM": None,
           "DU_PHONG": ""}
    row.update(fields)
    return row


def xml2_row(ma_lk: str, stt: int = 1, **fields: str | None) -> dict:
    row = {"MA_LK": ma_lk, "STT": str(stt), "MA_THUOC": "40.17", "MA_NHOM": "4", "TEN_THUOC": "Paracetamol",
           "DON_VI_TINH": "Viên", "HAM_LUONG": "500mg", "SO_LUONG": "10.000", "DON_GIA": "500.000",
           "THANH_TIEN_BV": "5000.00", "PHAM_VI": "1", "MA_BAC_SI": "000123/HNO-CCHN;000456/HNO-CCHN",
           "NGAY_YL": "202503140900", "MA_PTTT": "1"}
    row.update(fields)
    return row


def xml3_row(ma_lk: str, stt: int = 1, **fields: str | None) -> dict:
    row = {"MA_LK": ma_lk, "STT": str(stt), "MA_DICH_VU": "01.0001.1778", "MA_NHOM": "1", "SO_LUONG": "1",
           "DON_GIA_BV": "30500.000", "TYLE_TT_DV": "100", "THANH_TIEN_BV": "30500.00", "MA_KHOA": "K01",
           "MA_GIUONG": "", "NGAY_YL": "202503140815"}
    row.update(fields)
    return row


def xml0_row(ma_lk: str, stt: int = 1, **fields: str | None) -> dict:
    row = {"MA_LK": ma_lk, "STT": str(stt), "MA_BN": "BN0001", "HO_TEN": "Trần Văn Bình",
           "MA_THE_BHYT": "GD4010100000001", "MA_DOITUONG_KCB": "1.1", "NGAY_VAO": "202503140800",
           "MA_LOAI_KCB": "01", "MA_CSKCB": "01929", "DU_PHONG": None}
    row.update(fields)
    return row


def render_row(tag: str, row: dict) -> str:
    out = [f"<{tag}>"]
    for name, value in row.items():
        if value is None:
            out.append(f"<{name}/>")
        elif isinstance(value, Raw):
            out.append(f"<{name}>{value.xml}</{name}>")
        else:
            out.append(f"<{name}>{escape(value)}</{name}>")
    out.append(f"</{tag}>")
    return "".join(out)


def inner_document(table_id: str, rows: list[dict], *, namespace: str | None = None,
                   declaration: bool = True, newline: str = "\n") -> str:
    """The inner XML text of one table, with the registry's root / list / row element names."""
    table = load_schema().table(table_id)
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    head = '<?xml version="1.0" encoding="utf-8"?>' + newline if declaration else ""
    if table.list is None:
        (row,) = rows
        body = render_row(table.root, row).replace(f"<{table.root}>", f"<{table.root}{xmlns}>", 1)
        return head + body
    items = newline.join(render_row(table.row, r) for r in rows)
    return (f"{head}<{table.root}{xmlns}>{newline}<{table.list}>{newline}{items}{newline}</{table.list}>"
            f"{newline}</{table.root}>")


def make_hoso(ma_lk: str, tables: dict[str, list[dict]] | None = None, *, namespace: str | None = None,
              extra_parts: Iterable[Part] = ()) -> Hoso:
    """One HOSO: XML1 plus two XML2 rows by default; ``tables`` maps table id -> rows."""
    if tables is None:
        tables = {"xml1": [xml1_row(ma_lk)], "xml2": [xml2_row(ma_lk, 1), xml2_row(ma_lk, 2)]}
    parts = [Part(load_schema().table(t).loaihoso, inner_document(t, rows, namespace=namespace))
             for t, rows in tables.items()]
    return Hoso(parts + list(extra_parts))


def _base64_lines(data: bytes, wrap: int, newline: str) -> str:
    text = base64.b64encode(data).decode("ascii")
    if not wrap:
        return text
    # Wrapped like MIME, with indentation and a stray tab: all whitespace must be ignored.
    lines = [text[i:i + wrap] for i in range(0, len(text), wrap)]
    return newline + newline.join("\t  " + line for line in lines) + newline + "  "


def render_content(part: Part, encoding: str, *, wrap: int = 76, newline: str = "\n", bom: bool = False) -> str:
    encoding = part.encoding or encoding
    if part.inner is None:
        return part.content or ""
    inner = part.inner
    if encoding == "base64":
        return _base64_lines((b"\xef\xbb\xbf" if bom else b"") + inner.encode("utf-8"), wrap, newline)
    body = inner.split("?>", 1)[1].lstrip() if inner.startswith("<?xml") else inner
    if encoding == "inline":
        return body
    if encoding == "escaped":
        return escape(inner)
    if encoding == "cdata":
        return f"<![CDATA[{inner}]]>"
    raise ValueError(f"unknown NOIDUNGFILE encoding {encoding!r}; use one of {ENCODINGS}")


def render_hoso(hoso: Hoso, encoding: str = "base64", *, wrap: int = 76, newline: str = "\n",
                prefix: str = "", inner_bom: bool = False) -> str:
    p = f"{prefix}:" if prefix else ""
    parts = "".join(
        f"{newline}<{p}FILEHOSO>{newline}<{p}LOAIHOSO>{part.loaihoso}</{p}LOAIHOSO>{newline}"
        f"<{p}NOIDUNGFILE>{render_content(part, encoding, wrap=wrap, newline=newline, bom=inner_bom)}"
        f"</{p}NOIDUNGFILE>{newline}</{p}FILEHOSO>"
        for part in hoso.parts)
    return f"<{p}HOSO>{parts}{newline}</{p}HOSO>{newline}"


def envelope_head(count: int | None, *, facility: str = "01929", created: str = "20250314",
                  namespace: str | None = None, prefix: str = "", newline: str = "\n",
                  xml_declaration: str | None = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    p = f"{prefix}:" if prefix else ""
    ns = ""
    if namespace:
        ns = f' xmlns:{prefix}="{namespace}"' if prefix else f' xmlns="{namespace}"'
    declared = f"<{p}SOLUONGHOSO>{count}</{p}SOLUONGHOSO>{newline}" if count is not None else ""
    return ((xml_declaration + newline if xml_declaration else "")
            + f'<{p}GIAMDINHHS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"{ns}>{newline}'
            f"<{p}THONGTINDONVI><{p}MACSKCB>{facility}</{p}MACSKCB></{p}THONGTINDONVI>{newline}"
            f"<{p}THONGTINHOSO>{newline}<{p}NGAYLAP>{created}</{p}NGAYLAP>{newline}{declared}"
            f"<{p}DANHSACHHOSO>{newline}")


def envelope_tail(*, prefix: str = "", newline: str = "\n") -> str:
    p = f"{prefix}:" if prefix else ""
    return f"</{p}DANHSACHHOSO>{newline}</{p}THONGTINHOSO>{newline}<{p}CHUKYDONVI/>{newline}</{p}GIAMDINHHS>{newline}"


def make_envelope(hosos: list[Hoso], encoding: str = "base64", *, declared_count: int | None | str = "auto",
                  facility: str = "01929", created: str = "20250314", namespace: str | None = None,
                  prefix: str = "", bom: bool = False, crlf: bool = False, wrap: int = 76,
                  inner_bom: bool = False,
                  xml_declaration: str | None = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    """A whole GIAMDINHHS file as UTF-8 bytes. ``declared_count`` "auto" writes len(hosos)."""
    newline = "\r\n" if crlf else "\n"
    count = len(hosos) if declared_count == "auto" else declared_count
    text = (envelope_head(count, facility=facility, created=created, namespace=namespace, prefix=prefix,
                          newline=newline, xml_declaration=xml_declaration)
            + "".join(render_hoso(h, encoding, wrap=wrap, newline=newline, prefix=prefix, inner_bom=inner_bom)
                      for h in hosos)
            + envelope_tail(prefix=prefix, newline=newline))
    if crlf:  # inner documents and base64 lines too
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def write_envelope(path: Path, count: int, hoso_for_index=None, encoding: str = "base64") -> Path:
    """Stream a large envelope to ``path`` without holding it in memory; HOSO i from ``hoso_for_index(i)``."""
    hoso_for_index = hoso_for_index or (lambda i: make_hoso(f"LK{i:08d}"))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(envelope_head(count))
        for i in range(count):
            fh.write(render_hoso(hoso_for_index(i), encoding))
        fh.write(envelope_tail())
    return path


def make_checkin(rows: list[dict], *, namespace: str | None = None, bom: bool = False) -> bytes:
    """A stand-alone check-in (XML0) file: CHI_TIEU_TRANG_THAI_KCB with one row per visit."""
    root = load_schema().table("xml0").root
    inner = inner_document("xml0", rows, namespace=namespace).replace(f"</{root}>", f"<CHUKYDONVI/>\n</{root}>")
    return (b"\xef\xbb\xbf" if bom else b"") + inner.encode("utf-8")
