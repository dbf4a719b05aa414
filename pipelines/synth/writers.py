"""Writers for the synthetic data set: GIAMDINHHS XML files, CSV extracts and truth files.

XML is built with string templates (one ``str.format`` per row, values escaped only when they
contain ``& < >``; some facilities wrap free text in CDATA as some HIS vendors do). Each table of
a HOSO becomes the base64 of its UTF-8 inner document, wrapped at 76 characters.

Facilities are independent random streams, so they can be generated in parallel processes; their
CSV and truth parts are concatenated in facility order, which makes the output byte-identical
whatever the number of workers.
"""
from __future__ import annotations

import csv
import os
import shutil
from binascii import b2a_base64
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from json import dumps
from json.encoder import encode_basestring as _json_str
from multiprocessing import get_context
from operator import itemgetter
from pathlib import Path
from random import Random
from typing import Callable

from pipelines.schema import load_schema
from pipelines.synth import clinical
from pipelines.synth.generator import TABLE_IDS, Episode, FacilityStream, allocate, default_days, parse_start

FORMATS = ("xml", "csv")
_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
_ENVELOPE_HEAD = (
    _DECL + '<GIAMDINHHS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n'
    "  <THONGTINDONVI>\n    <MACSKCB>{facility}</MACSKCB>\n  </THONGTINDONVI>\n"
    "  <THONGTINHOSO>\n    <NGAYLAP>{day}</NGAYLAP>\n    <SOLUONGHOSO>{count}</SOLUONGHOSO>\n"
    "    <DANHSACHHOSO>\n")
_ENVELOPE_TAIL = b"    </DANHSACHHOSO>\n  </THONGTINHOSO>\n  <CHUKYDONVI/>\n</GIAMDINHHS>\n"
_HOSO_OPEN = b"      <HOSO>\n"
_HOSO_CLOSE = b"      </HOSO>\n"
_PART_OPEN = "        <FILEHOSO>\n          <LOAIHOSO>{}</LOAIHOSO>\n          <NOIDUNGFILE>"
_PART_CLOSE = b"</NOIDUNGFILE>\n        </FILEHOSO>\n"
INVALID_BASE64_RATE = 0.02
TRUNCATED_FILE_SHARE = 0.02


def xml_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TableFormat:
    """Precomputed XML row template and column access for one table."""

    def __init__(self, table_id: str):
        t = load_schema().table(table_id)
        self.id = table_id
        self.loaihoso = t.loaihoso
        self.part_open = _PART_OPEN.format(t.loaihoso).encode("ascii")
        self.columns = tuple(t.columns)
        self.get = itemgetter(*self.columns)
        self.free_text = tuple(f.name for f in t.fields if f.deid_class == "FREE-TEXT")
        self.free_index = tuple(i for i, c in enumerate(self.columns) if c in self.free_text)
        body = "".join(f"<{c}>{{}}</{c}>" for c in self.columns)
        if t.list is None:  # one-record tables: the root element is the record
            self.row_template = f"<{t.root}>{body}</{t.root}>"
            self.head = self.tail = ""
        else:
            self.row_template = f"<{t.row}>{body}</{t.row}>"
            self.head = f"<{t.root}>\n<{t.list}>\n"
            self.tail = f"\n</{t.list}>\n</{t.root}>"

    def row_xml(self, row: dict[str, str], cdata: bool) -> str:
        values = self.get(row)
        joined = "\x1f".join(values)
        special = "&" in joined or "<" in joined or ">" in joined
        if not special and not cdata:
            return self.row_template.format(*values)
        values = list(values)
        free = self.free_index if cdata else ()
        for i in free:
            if values[i]:
                values[i] = "<![CDATA[" + values[i] + "]]>"
        if special:
            for i, v in enumerate(values):
                if i not in free and ("&" in v or "<" in v or ">" in v):
                    values[i] = xml_escape(v)
        return self.row_template.format(*values)

    def document(self, rows: list[dict[str, str]], cdata: bool) -> str:
        return _DECL + self.head + "\n".join(self.row_xml(r, cdata) for r in rows) + self.tail


_FORMATS: dict[str, TableFormat] = {}


def table_format(table_id: str) -> TableFormat:
    f = _FORMATS.get(table_id)
    if f is None:
        f = _FORMATS[table_id] = TableFormat(table_id)
    return f


def base64_wrapped(data: bytes) -> bytes:
    """Base64 in lines of 76 characters, as MIME-style encoders (and many HIS exporters) write it."""
    s = b2a_base64(data, newline=False)
    return b"\n".join([s[i:i + 76] for i in range(0, len(s), 76)])


def corrupt_base64(data: bytes) -> bytes:
    """Base64 that no decoder accepts: characters outside the alphabet and a broken length."""
    s = b2a_base64(data, newline=False)
    mid = len(s) // 2
    s = s[:mid] + b"#@!" + s[mid + 5:]
    return b"\n".join([s[i:i + 76] for i in range(0, len(s), 76)])


@dataclass
class SynthSummary:
    encounters: int = 0  # HOSO written (episodes, including re-sent duplicates)
    files: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLE_IDS, 0))
    texts: int = 0
    pii_spans: int = 0
    defects: int = 0
    defects_by_kind: dict[str, int] = field(default_factory=dict)
    out: Path | None = None
    paths: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-friendly view (paths as strings)."""
        return {"encounters": self.encounters, "files": self.files, "rows": dict(self.rows), "texts": self.texts,
                "pii_spans": self.pii_spans, "defects": self.defects, "defects_by_kind": dict(self.defects_by_kind),
                "out": str(self.out) if self.out else None, "paths": {k: str(v) for k, v in self.paths.items()}}

    def merge(self, other: "SynthSummary") -> None:
        self.encounters += other.encounters
        self.files += other.files
        for t, n in other.rows.items():
            self.rows[t] += n
        self.texts += other.texts
        self.pii_spans += other.pii_spans
        self.defects += other.defects
        for k, n in other.defects_by_kind.items():
            self.defects_by_kind[k] = self.defects_by_kind.get(k, 0) + n


@dataclass(frozen=True)
class _Job:
    facility_index: int
    seed: int
    start: int
    counts: tuple[int, ...]
    defects_rate: float
    truncated_days: frozenset[int]
    invalid_base64: bool
    out: str
    parts: str
    formats: tuple[str, ...]


def _truth_lines(ep: Episode, texts: list[str], spans_out: list[str]) -> int:
    n_spans = 0
    for t in TABLE_IDS:
        rows = ep.tables[t]
        if not rows:
            continue
        free = table_format(t).free_text
        prefix = t + ":"
        for i, row in enumerate(rows):
            stt = "" if t == "xml1" else row["STT"]
            key = prefix + row["MA_LK"] + ":" + stt + ":"
            for fld in free:
                v = row[fld]
                if not v:
                    continue
                tid = _json_str(key + fld)
                texts.append('{"id": ' + tid + ', "text": ' + _json_str(v) + "}\n")
                sp = ep.spans.get((t, i, fld))
                if not sp:
                    continue
                head = ('{"id": ' + tid + ', "table": "' + t + '", "MA_LK": ' + _json_str(row["MA_LK"])
                        + ', "STT": ' + (stt or "null") + ', "field": "' + fld + '", ')
                for a, b, entity in sp:
                    spans_out.append(head + f'"start": {a}, "end": {b}, "entity_type": "{entity}", "text": '
                                     + _json_str(v[a:b]) + "}\n")
                    n_spans += 1
    return n_spans


def _run_facility(job: _Job) -> SynthSummary:
    facility = clinical.FACILITIES[job.facility_index]
    code = facility.code
    injector = None
    if job.defects_rate > 0:
        from pipelines.synth.defects import DefectInjector
        injector = DefectInjector(job.seed, facility, job.defects_rate, job.facility_index)
    stream = FacilityStream(facility, job.seed, job.start, list(job.counts), injector, job.truncated_days)
    summary = SynthSummary()
    out = Path(job.out)
    parts = Path(job.parts)
    file_rng = Random(f"{job.seed}:{code}:files")
    write_csv = "csv" in job.formats
    csv_files = {}
    csv_writers = {}
    if write_csv:
        for t in TABLE_IDS:
            fh = open(parts / f"{code}.{t}.csv", "w", encoding="utf-8", newline="")
            csv_files[t] = fh
            csv_writers[t] = csv.writer(fh, lineterminator="\n")
    texts_fh = open(parts / f"{code}.texts.jsonl", "w", encoding="utf-8")
    spans_fh = open(parts / f"{code}.spans.jsonl", "w", encoding="utf-8")
    defects_fh = open(parts / f"{code}.defects.jsonl", "w", encoding="utf-8")
    formats = {t: table_format(t) for t in TABLE_IDS}
    cdata = stream.cdata
    try:
        current_day = None
        batch: list[Episode] = []

        def flush():
            if not batch:
                return
            offset = stream.start_offset(batch[0].day)
            _write_file(out, batch, formats, cdata, file_rng, job.invalid_base64,
                        offset in job.truncated_days, defects_fh, summary)
            batch.clear()

        for ep in stream.episodes():
            if ep.day != current_day:
                flush()
                current_day = ep.day
            batch.append(ep)
            texts: list[str] = []
            spans: list[str] = []
            if not ep.resend:
                summary.pii_spans += _truth_lines(ep, texts, spans)
                summary.texts += len(texts)
                texts_fh.writelines(texts)
                spans_fh.writelines(spans)
            summary.encounters += 1
            for t in TABLE_IDS:
                rows = ep.tables[t]
                summary.rows[t] += len(rows)
                if write_csv and rows:
                    get = formats[t].get
                    csv_writers[t].writerows(get(r) for r in rows)
            if ep.defect is not None:
                defects_fh.write(dumps(ep.defect, ensure_ascii=False) + "\n")
                summary.defects += 1
                kind = ep.defect["kind"]
                summary.defects_by_kind[kind] = summary.defects_by_kind.get(kind, 0) + 1
        flush()
    finally:
        for fh in csv_files.values():
            fh.close()
        texts_fh.close()
        spans_fh.close()
        defects_fh.close()
    return summary


def _write_file(out: Path, batch: list[Episode], formats, cdata: bool, rng: Random, invalid_base64: bool,
                truncate: bool, defects_fh, summary: SynthSummary) -> None:
    ep0 = batch[0]
    pieces = [_ENVELOPE_HEAD.format(facility=ep0.facility, day=ep0.day, count=len(batch)).encode("utf-8")]
    for ep in batch:
        pieces.append(_HOSO_OPEN)
        corrupt = (invalid_base64 and not truncate and ep.defect is None and not ep.resend and not ep.copied
                   and rng.random() < INVALID_BASE64_RATE)
        present = [t for t in TABLE_IDS if ep.tables[t]]
        corrupt_table = present[-1] if corrupt else None
        for t in present:
            fmt = formats[t]
            data = fmt.document(ep.tables[t], cdata).encode("utf-8")
            pieces.append(fmt.part_open)
            pieces.append(corrupt_base64(data) if t == corrupt_table else base64_wrapped(data))
            pieces.append(_PART_CLOSE)
        pieces.append(_HOSO_CLOSE)
        if corrupt:
            record = {"MA_LK": ep.ma_lk, "table": corrupt_table, "field": None, "STT": None, "kind": "invalid_base64",
                      "file": f"xml/{ep.file_name}"}
            defects_fh.write(dumps(record, ensure_ascii=False) + "\n")
            summary.defects += 1
            summary.defects_by_kind["invalid_base64"] = summary.defects_by_kind.get("invalid_base64", 0) + 1
    pieces.append(_ENVELOPE_TAIL)
    data = b"".join(pieces)
    if truncate:
        data = data[:int(len(data) * rng.uniform(0.35, 0.9))]
        record = {"MA_LK": None, "table": None, "field": None, "STT": None, "kind": "truncated_file",
                  "file": f"xml/{ep0.file_name}", "MA_LK_lost": [e.ma_lk for e in batch]}
        defects_fh.write(dumps(record, ensure_ascii=False) + "\n")
        summary.defects += 1
        summary.defects_by_kind["truncated_file"] = summary.defects_by_kind.get("truncated_file", 0) + 1
    (out / "xml" / ep0.file_name).write_bytes(data)
    summary.files += 1


def generate(encounters: int, seed: int, out: Path | str, *, defects_rate: float = 0.0,
             formats: tuple[str, ...] = ("xml",), start_date="2025-01-01", days: int | None = None,
             progress: Callable[[int, int], None] | None = None, file_defects: bool = False,
             workers: int | None = None) -> SynthSummary:
    """Write a synthetic XML 130 data set with its truth files under ``out``.

    - ``out/xml/<MA_CSKCB>_<yyyymmdd>.xml``: one GIAMDINHHS file per facility and day;
    - ``out/csv/xml1.csv`` … ``xml5.csv`` when ``"csv"`` is in ``formats``;
    - ``out/truth/texts.jsonl`` (every non-empty free-text value, by id
      ``<table>:<MA_LK>:<STT>:<FIELD>``, STT empty for xml1), ``out/truth/pii_spans.jsonl`` and,
      with defects, ``out/truth/defects.jsonl``.

    ``days`` defaults to about twenty episodes per facility-day. ``file_defects`` adds unreadable
    HOSO parts (invalid base64) and truncated files. ``workers`` processes generate facilities in
    parallel (default: the CPU count, at most 4); the bytes written do not depend on it.
    ``progress(done, total)`` is called as facilities finish. Existing files of a previous run
    in ``out/xml``, ``out/csv`` and ``out/truth`` are replaced.
    """
    unknown = set(formats) - set(FORMATS)
    if unknown or "xml" not in formats:
        raise ValueError(f"formats must include 'xml' and only use {FORMATS}; got {tuple(formats)}")
    if encounters < 0:
        raise ValueError("encounters must be >= 0")
    if not 0.0 <= defects_rate <= 1.0:
        raise ValueError("defects_rate must be between 0 and 1")
    out = Path(out)
    facilities = clinical.FACILITIES
    start = parse_start(start_date)
    days = days or default_days(encounters, len(facilities))
    counts = allocate(encounters, seed, start, days, facilities)

    for sub in ("xml", "csv", "truth", ".parts"):
        shutil.rmtree(out / sub, ignore_errors=True)
    (out / "xml").mkdir(parents=True)
    (out / "truth").mkdir()
    parts = out / ".parts"
    parts.mkdir()

    truncated: dict[str, set[int]] = {}
    if file_defects:
        all_files = [(f.code, d) for f in facilities for d, n in enumerate(counts[f.code]) if n]
        if len(all_files) >= 3:
            rng = Random(f"{seed}:file-defects")
            for code, d in rng.sample(all_files, max(1, round(TRUNCATED_FILE_SHARE * len(all_files)))):
                truncated.setdefault(code, set()).add(d)

    jobs = [_Job(i, seed, start, tuple(counts[f.code]), defects_rate, frozenset(truncated.get(f.code, ())),
                 file_defects, str(out), str(parts), tuple(formats))
            for i, f in enumerate(facilities) if any(counts[f.code])]
    workers = min(workers or min(os.cpu_count() or 1, 4), max(1, len(jobs)))
    summary = SynthSummary(out=out)
    done = 0
    if workers <= 1:
        results = []
        for job in jobs:
            results.append(_run_facility(job))
            done += sum(job.counts)
            if progress:
                progress(done, encounters)
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            futures = [pool.submit(_run_facility, job) for job in jobs]
            results = []
            for job, fut in zip(jobs, futures):
                results.append(fut.result())
                done += sum(job.counts)
                if progress:
                    progress(done, encounters)
    for r in results:
        summary.merge(r)

    codes = [facilities[j.facility_index].code for j in jobs]
    truth = out / "truth"
    summary.paths["xml"] = out / "xml"
    _concat(parts, codes, "texts.jsonl", truth / "texts.jsonl")
    _concat(parts, codes, "spans.jsonl", truth / "pii_spans.jsonl")
    summary.paths["texts"] = truth / "texts.jsonl"
    summary.paths["pii_spans"] = truth / "pii_spans.jsonl"
    if defects_rate > 0 or file_defects:
        _concat(parts, codes, "defects.jsonl", truth / "defects.jsonl")
        summary.paths["defects"] = truth / "defects.jsonl"
    if "csv" in formats:
        (out / "csv").mkdir()
        for t in TABLE_IDS:
            target = out / "csv" / f"{t}.csv"
            with open(target, "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerow(table_format(t).columns)
            _concat(parts, codes, f"{t}.csv", target, append=True)
            summary.paths[f"csv_{t}"] = target
    shutil.rmtree(parts)
    return summary


def _concat(parts: Path, codes: list[str], suffix: str, target: Path, append: bool = False) -> None:
    with open(target, "ab" if append else "wb") as dst:
        for code in codes:
            with open(parts / f"{code}.{suffix}", "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 20)
