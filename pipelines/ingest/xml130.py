"""XML 130 reader: streams a ``GIAMDINHHS`` envelope (or a check-in file) into staging, one HOSO at a time.

The outer file is read with ``lxml.etree.iterparse``; each ``HOSO`` is decoded when its end tag is
seen and then dropped from the tree, so memory stays bounded whatever the number of HOSO. Every
``NOIDUNGFILE`` is accepted as base64 of the UTF-8 inner document, as inline child elements or as
escaped inline XML (``xml130.md`` §2.2). A HOSO is atomic: if any of its parts is bad, none of its
tables land and one reject record says why. Values are staged exactly as received.

Hostile input: any document type declaration (DOCTYPE, hence any ENTITY) in the outer file or in an
inner document is refused; the parser never expands entities, loads a DTD or touches the network.
Reject reasons name elements and error kinds only, never values (they may be personal data).
"""
from __future__ import annotations

import binascii
import codecs
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from lxml import etree

from pipelines.ingest.staging import StagingWriter
from pipelines.schema import Schema, Table, load_schema

VARIANT_BASE64 = "base64"
VARIANT_ELEMENT = "inline-element"
VARIANT_ESCAPED = "inline-escaped"

# The encoding is forced so that a wrong ``encoding=`` declaration cannot switch the decoder;
# entities are never expanded, no DTD is loaded and nothing is fetched.
PARSER_OPTIONS = dict(encoding="utf-8", resolve_entities=False, no_network=True, load_dtd=False,
                      huge_tree=False, dtd_validation=False)
UTF8_CHUNK = 1 << 20
_ERROR_NAMES = {code: name for name, code in vars(etree.ErrorTypes).items() if isinstance(code, int)}
_BOM = codecs.BOM_UTF8
_ASCII_WHITESPACE = bytes(c for c in range(128) if chr(c).isspace())


def _local(tag: str) -> str:
    return tag[tag.index("}") + 1:] if tag[0] == "{" else tag


def _without_whitespace(text: str) -> str | bytes:
    """``text`` without any whitespace (as ``str.split`` finds it); ASCII text (base64) as bytes, in one
    C pass."""
    if text.isascii():
        return text.encode("ascii").translate(None, _ASCII_WHITESPACE)
    return "".join(text.split())


def _describe_xml_error(exc: etree.XMLSyntaxError) -> str:
    """The libxml2 error kind and position; the message itself is left out as it can quote data."""
    kind = _ERROR_NAMES.get(exc.code, f"error {exc.code}")
    line, column = exc.position if exc.position else (0, 0)
    if kind == "ERR_RESOURCE_LIMIT":  # huge_tree=False: libxml2's safety limits
        return (f"XML parser limit exceeded: a text node over 10 MB or nesting over 256 levels "
                f"({kind} at line {line}, column {column})")
    return f"not well-formed XML ({kind} at line {line}, column {column})"


def _has_dtd(tree: etree._ElementTree) -> bool:
    info = tree.docinfo
    return bool(info.doctype) or info.internalDTD is not None or info.externalDTD is not None


def first_invalid_utf8_offset(path: Path) -> int | None:
    """Byte offset of the first byte that is not UTF-8 text (NUL counts: UTF-16/32 input), else None."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    consumed = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(UTF8_CHUNK):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return max(consumed - pending + exc.start, 0)
            nul = chunk.find(b"\x00")
            if nul >= 0:
                return consumed + nul
            consumed += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return consumed - len(decoder.getstate()[0])
    return None


def _sniff_root(source) -> tuple[str, bool]:
    """Root element name of a document and whether it declares a DTD; reads no further than the root
    start tag, so a document whose entities would blow up is refused before they are met."""
    for _, elem in etree.iterparse(source, events=("start",), **PARSER_OPTIONS):
        return _local(elem.tag), _has_dtd(elem.getroottree())
    raise etree.XMLSyntaxError("no root element", None, 0, 0)  # not reached: lxml raises first


class HosoRejected(Exception):
    """One HOSO (or check-in row) cannot be staged; ``reason`` names elements and rules, never values."""

    def __init__(self, reason: str, table_id: str | None = None):
        super().__init__(reason)
        self.reason, self.table_id = reason, table_id


@dataclass
class ParseStats:
    hoso_seen: int = 0
    hoso_landed: int = 0
    hoso_rejected: int = 0
    declared_count: int | None = None  # SOLUONGHOSO; compare with hoso_seen (a check, not a rejection)
    facility: str | None = None  # THONGTINDONVI/MACSKCB
    created: str | None = None  # THONGTINHOSO/NGAYLAP
    root: str | None = None  # GIAMDINHHS or the check-in root
    variants: Counter = field(default_factory=Counter)  # NOIDUNGFILE variant -> parts
    unknown_tables: Counter = field(default_factory=Counter)  # LOAIHOSO not in the registry -> parts
    rows: Counter = field(default_factory=Counter)  # table id -> rows landed
    file_error: str | None = None  # set when the file broke or was refused

    @property
    def count_mismatch(self) -> bool:
        return self.declared_count is not None and self.declared_count != self.hoso_seen


@dataclass
class ParsedHoso:
    """One HOSO (one check-in row for a check-in file): its rows per table, or why it was rejected.

    ``index`` is the 1-based position in the file; ``None`` for a problem of the whole file.
    Each row is ``(fields, extra)``: standard tags as received, unknown tags (or ``None``).
    """
    index: int | None
    tables: dict[str, list[tuple[dict[str, str], dict[str, str] | None]]] = field(default_factory=dict)
    reason: str | None = None
    table_id: str | None = None

    @property
    def rejected(self) -> bool:
        return self.reason is not None


class _Reader:
    def __init__(self, schema: Schema, stats: ParseStats):
        self.schema, self.stats = schema, stats
        self.parser = etree.XMLParser(**PARSER_OPTIONS)
        self.by_loaihoso = {t.loaihoso.upper(): t for t in schema.tables.values()}
        self.columns = {t.id: {name: name for name in t.columns} for t in schema.tables.values()}
        envelope = schema.envelope
        self.envelope_root = envelope["root"]
        self.record, self.part = envelope["record"], envelope["part"]
        self.part_type, self.part_content = envelope["part_type"], envelope["part_content"]
        self.header = {envelope[key].rsplit("/", 1)[-1]: key for key in ("facility", "created", "declared_count")}
        self.checkin = schema.table("xml0")

    # -- outer file -------------------------------------------------------------------------------
    def read(self, path: Path) -> Iterator[ParsedHoso]:
        stats = self.stats
        try:  # root name and DTD first, before any record is read
            with open(path, "rb") as fh:
                root_name, has_dtd = _sniff_root(fh)
        except etree.XMLSyntaxError as exc:
            yield self._file_problem(_describe_xml_error(exc))
            return
        stats.root = root_name
        if has_dtd:
            yield self._file_problem("document type declaration (DOCTYPE/ENTITY) not allowed")
            return
        if root_name == self.envelope_root:
            record, tags = self.record, [self.record, *self.header]
        elif root_name == self.checkin.root:
            record, tags = self.checkin.row, [self.checkin.row]
        else:
            yield self._file_problem(f"unexpected root element {root_name} (expected {self.envelope_root} "
                                     f"or {self.checkin.root})")
            return
        depth = 0  # record elements open; a nested one is content, not a record
        with open(path, "rb") as fh:
            events = etree.iterparse(fh, events=("start", "end"), tag=[f"{{*}}{t}" for t in tags],
                                     **PARSER_OPTIONS)
            try:
                for event, elem in events:
                    name = _local(elem.tag)
                    if name != record:
                        if event == "end" and depth == 0:
                            self._header_value(name, elem.text)
                        continue
                    if event == "start":
                        depth += 1
                        continue
                    depth -= 1
                    if depth:
                        continue
                    stats.hoso_seen += 1
                    parsed = (self._checkin_row(elem) if record == self.checkin.row else self._hoso(elem))
                    # Drop the finished record and what came before it: bounded memory.
                    elem.clear(keep_tail=False)
                    while elem.getprevious() is not None:
                        del elem.getparent()[0]
                    yield self._counted(parsed)
            except etree.XMLSyntaxError as exc:
                reason = _describe_xml_error(exc)
                if depth:  # the record being read is lost with the rest of the file
                    stats.hoso_seen += 1
                    stats.file_error = f"file broke inside {record} {stats.hoso_seen}: {reason}"
                    yield self._counted(ParsedHoso(stats.hoso_seen, reason=stats.file_error))
                else:
                    yield self._file_problem(f"file broke after {record} {stats.hoso_seen}: {reason}")

    def _header_value(self, name: str, text: str | None) -> None:
        key = self.header[name]
        if key == "declared_count":
            value = (text or "").strip()
            self.stats.declared_count = int(value) if value.isdigit() else None
        elif getattr(self.stats, key) is None:
            setattr(self.stats, key, text or "")

    def _file_problem(self, reason: str) -> ParsedHoso:
        self.stats.file_error = reason
        return ParsedHoso(None, reason=reason)

    def _counted(self, parsed: ParsedHoso) -> ParsedHoso:
        if parsed.rejected:
            self.stats.hoso_rejected += 1
        else:
            self.stats.hoso_landed += 1
            for table_id, rows in parsed.tables.items():
                self.stats.rows[table_id] += len(rows)
        return parsed

    # -- one record ---------------------------------------------------------------------------------
    def _checkin_row(self, elem: etree._Element) -> ParsedHoso:
        index = self.stats.hoso_seen
        try:
            return ParsedHoso(index, {self.checkin.id: [self._row(elem, self.checkin)]})
        except HosoRejected as exc:
            return ParsedHoso(index, reason=exc.reason, table_id=self.checkin.id)

    def _hoso(self, hoso: etree._Element) -> ParsedHoso:
        index = self.stats.hoso_seen
        try:
            return ParsedHoso(index, self._hoso_tables(hoso))
        except HosoRejected as exc:
            return ParsedHoso(index, reason=exc.reason, table_id=exc.table_id)

    def _hoso_tables(self, hoso: etree._Element) -> dict[str, list]:
        tables: dict[str, list] = {}
        parts = 0
        for part in hoso:
            if not isinstance(part.tag, str) or _local(part.tag) != self.part:
                continue
            parts += 1
            type_elem = content = None
            for child in part:
                if isinstance(child.tag, str):
                    name = _local(child.tag)
                    if name == self.part_type:
                        type_elem = child
                    elif name == self.part_content:
                        content = child
            loaihoso = (type_elem.text or "").strip() if type_elem is not None else ""
            if not loaihoso:
                raise HosoRejected(f"{self.part} {parts} has no {self.part_type}")
            table = self.by_loaihoso.get(loaihoso.upper())
            if table is None:
                self.stats.unknown_tables[loaihoso[:32]] += 1
                continue
            if content is None:
                raise HosoRejected(f"{self.part} {loaihoso} has no {self.part_content}", table.id)
            inner = self._inner_document(content, table)
            tables.setdefault(table.id, []).extend(self._rows(inner, table))
        if not parts:
            raise HosoRejected(f"{self.record} has no {self.part}")
        self._check_ma_lk(tables)
        return tables

    def _inner_document(self, content: etree._Element, table: Table) -> etree._Element:
        """The inner root element of one NOIDUNGFILE, following xml130.md §2.2."""
        where = f"{self.part_content} of {table.loaihoso}"
        children = [c for c in content if isinstance(c.tag, str)] if len(content) else ()
        if children:
            if len(children) > 1:
                raise HosoRejected(f"{where} holds {len(children)} elements, expected one inner document",
                                   table.id)
            inner, variant = children[0], VARIANT_ELEMENT
        else:
            text = content.text or ""
            start = text.lstrip()[:1]
            if not start:
                raise HosoRejected(f"{where} is empty", table.id)
            data = None
            if start != "<":
                try:
                    data = binascii.a2b_base64(_without_whitespace(text), strict_mode=True)
                except (binascii.Error, ValueError):
                    data = None
                if data is not None and not data.removeprefix(_BOM).lstrip().startswith(b"<"):
                    data = None
            if data is not None:
                variant = VARIANT_BASE64
            elif text.lstrip().lstrip("\ufeff").startswith("<"):
                data, variant = text.encode("utf-8"), VARIANT_ESCAPED
            else:
                raise HosoRejected(f"{where}: neither valid base64 nor inline XML", table.id)
            if b"<!DOCTYPE" in data:
                try:
                    has_dtd = _sniff_root(io.BytesIO(data))[1]
                except etree.XMLSyntaxError:
                    has_dtd = False  # the full parse below reports it
                if has_dtd:
                    raise HosoRejected(f"{where}: document type declaration (DOCTYPE/ENTITY) not allowed",
                                       table.id)
            try:
                inner = etree.fromstring(data, self.parser)
            except etree.XMLSyntaxError as exc:
                try:  # libxml2 refuses bad UTF-8 too; say so plainly, its message quotes the bytes
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    raise HosoRejected(f"{where}: inner document is not valid UTF-8", table.id) from None
                raise HosoRejected(f"{where}: inner document {_describe_xml_error(exc)}", table.id) from None
            if b"<!DOCTYPE" in data and _has_dtd(inner.getroottree()):  # in case the sniff above failed
                raise HosoRejected(f"{where}: document type declaration (DOCTYPE/ENTITY) not allowed", table.id)
        root_name = _local(inner.tag)
        if root_name != table.root:
            raise HosoRejected(f"{where}: inner root element is {root_name}, expected {table.root}", table.id)
        self.stats.variants[variant] += 1
        return inner

    def _rows(self, inner: etree._Element, table: Table) -> list:
        if table.list is None:  # one-record table: the root element is the row
            return [self._row(inner, table)]
        rows = []
        for child in inner:
            if not isinstance(child.tag, str):
                continue
            name = _local(child.tag)
            if name == table.list:
                for elem in child:
                    if not isinstance(elem.tag, str):
                        continue
                    if _local(elem.tag) != table.row:
                        raise HosoRejected(f"{table.loaihoso}: unexpected element {_local(elem.tag)} in "
                                           f"{table.list}", table.id)
                    rows.append(self._row(elem, table))
            elif name == table.row:  # a producer that left out the list element
                rows.append(self._row(child, table))
        return rows

    def _row(self, elem: etree._Element, table: Table) -> tuple[dict, dict | None]:
        """(standard fields, unknown tags or None) of one row element, values as received."""
        known = self.columns[table.id]
        # Fast path, the usual case: every child is a standard, un-namespaced tag without child nodes,
        # none repeated. Keys are the schema's own strings, so buffered rows share them (memory).
        try:
            row = {known[child.tag]: child.text or "" for child in elem if not len(child)}
        except KeyError:  # unknown or namespaced tag, comment, processing instruction
            row = None
        if row is not None and len(row) == len(elem):
            return row, None
        row = {}
        extra: dict[str, str] | None = None
        for child in elem:
            tag = child.tag
            if tag.__class__ is not str:  # comment or processing instruction
                continue
            if tag[0] == "{":
                tag = tag[tag.index("}") + 1:]
            if len(child):
                value = self._nested_value(child, tag, tag in known, table)
            else:
                value = child.text or ""
            if tag in known:
                if tag in row:
                    raise HosoRejected(f"{table.loaihoso}: element {tag} repeated in one {table.row}", table.id)
                row[known[tag]] = value
            else:
                if extra is None:
                    extra = {}
                if tag in extra:
                    raise HosoRejected(f"{table.loaihoso}: element {tag} repeated in one {table.row}", table.id)
                extra[tag] = value
        return row, extra

    @staticmethod
    def _nested_value(child: etree._Element, tag: str, is_standard: bool, table: Table) -> str:
        """Text of a field that has child nodes: comments are dropped; elements are an error in a
        standard field and are kept serialised in an unknown one."""
        if not any(isinstance(c.tag, str) for c in child):
            return "".join(child.itertext())
        if is_standard:
            raise HosoRejected(f"{table.loaihoso}: element {tag} has child elements", table.id)
        return "".join([child.text or ""] + [etree.tostring(c, encoding="unicode", with_tail=True) for c in child])

    def _check_ma_lk(self, tables: dict[str, list]) -> None:
        """All tables of one HOSO carry the same MA_LK (absent or empty values are left to later checks)."""
        first = None
        for table_id, rows in tables.items():
            for row, _ in rows:
                value = row.get("MA_LK")
                if value:
                    if first is None:
                        first = value
                    elif value != first:
                        raise HosoRejected("MA_LK differs between the tables of one HOSO", table_id)


def parse_file(path: str | Path, stats: ParseStats | None = None,
               schema: Schema | None = None) -> Iterator[ParsedHoso]:
    """Yield every HOSO of an XML 130 file (check-in file: every row) in file order.

    Problems never raise: a bad HOSO is yielded with ``reason`` set, a broken or refused file ends
    with one item whose ``reason`` says where (``index`` None unless it broke inside a record).
    ``stats`` (optional) is filled in as the file is read.
    """
    path = Path(path)
    stats = stats if stats is not None else ParseStats()
    reader = _Reader(schema or load_schema(), stats)
    bad_offset = first_invalid_utf8_offset(path)
    if bad_offset is not None:
        yield reader._file_problem(f"not valid UTF-8 (byte offset {bad_offset})")
        return
    yield from reader.read(path)


def parse_into(path: str | Path, writer: StagingWriter) -> ParseStats:
    """Stage one XML 130 file: rows of good HOSO via ``writer.add_rows``, every problem via ``writer.reject``."""
    stats = ParseStats()
    for hoso in parse_file(path, stats, writer.schema):
        if hoso.rejected:
            writer.reject(hoso.index, hoso.reason, hoso.table_id)
            continue
        for table_id, rows in hoso.tables.items():
            writer.add_rows(table_id, rows, hoso.index)
    return stats


def parse_naive(path: str | Path, schema: Schema | None = None) -> dict[str, list[dict[str, str]]]:
    """Benchmark baseline only: whole file in memory, no streaming, no reject handling."""
    schema = schema or load_schema()
    parser = etree.XMLParser(**PARSER_OPTIONS)
    rows: dict[str, list[dict[str, str]]] = {}
    for part in etree.parse(str(path), parser).getroot().iter("{*}FILEHOSO"):
        table = schema.by_loaihoso(part.findtext("{*}LOAIHOSO") or "")
        if table is None:
            continue
        content = part.find("{*}NOIDUNGFILE")
        if len(content):
            inner = content[0]
        else:
            text = content.text.strip()
            data = text.encode() if text.startswith("<") else binascii.a2b_base64("".join(text.split()))
            inner = etree.fromstring(data, parser)
        elems = [inner] if table.list is None else inner.iterfind(f"{{*}}{table.list}/{{*}}{table.row}")
        rows.setdefault(table.id, []).extend(
            {etree.QName(c).localname: c.text or "" for c in elem if isinstance(c.tag, str)} for elem in elems)
    return rows
