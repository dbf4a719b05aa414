"""Floors: the least work each stage cannot avoid, measured on the same data in the same run.

- parse: read every generated file, base64-decode every ``NOIDUNGFILE`` and parse it with lxml,
  keeping nothing, one process per core;
- scan: a plain DuckDB scan of every staged column (``read_parquet('staging/<t>/**/*.parquet')``);
- detect: a plain loop calling Presidio's ``AnalyzerEngine.analyze`` per free-text value (a sample,
  its rate projected on the batch's free-text values);
- group: a plain ``GROUP BY`` (month, facility, sex) with count and sum over the safe XML1 rows.
"""
from __future__ import annotations

import os
from pathlib import Path

from bench.common import MEASURE, child

PARSE_WORKER = r'''
import base64, sys
from lxml import etree
def parse_file(path):
    n = 0
    for _, el in etree.iterparse(path, events=("end",), tag="NOIDUNGFILE", huge_tree=True):
        if el.text:
            etree.fromstring(base64.b64decode(el.text))
        n += 1
        el.clear()
    return n
'''


def parse_floor(xml_dir: Path, procs: int | None = None) -> dict:
    procs = procs or os.cpu_count() or 1
    code = (MEASURE + PARSE_WORKER + "from multiprocessing import get_context\nfrom pathlib import Path\n"
            f"files = sorted(str(p) for p in Path({str(xml_dir)!r}).glob('*.xml'))\n"
            "t = time.perf_counter(); c = cpu()\n"
            f"with get_context('fork').Pool({procs}) as pool:\n"
            "    parts = sum(pool.imap_unordered(parse_file, files, chunksize=16))\n"
            "print(json.dumps({'seconds': round(time.perf_counter() - t, 2), 'cpu_seconds': round(cpu() - c, 2), "
            "'files': len(files), 'parts': parts, 'peak_rss_mb': rss_mb()}))")
    r = child(code)
    r["processes"] = procs
    return r


def scan_floor(work: Path) -> dict:
    code = (MEASURE + "import duckdb\ncon = duckdb.connect()\ntotal = 0\nt = time.perf_counter()\n"
            "for tid in ('xml1', 'xml2', 'xml3', 'xml4', 'xml5'):\n"
            f"    glob = {str(work)!r} + f'/staging/{{tid}}/**/*.parquet'\n"
            "    cols = [d[0] for d in con.execute(f\"SELECT * FROM read_parquet('{glob}', union_by_name = true) LIMIT 0\").description]\n"
            "    touched = ', '.join(f'max(length(CAST(\"{c}\" AS VARCHAR)))' for c in cols)\n"
            "    total += con.execute(f\"SELECT count(*), {touched} FROM read_parquet('{glob}', union_by_name = true)\").fetchone()[0]\n"
            "print(json.dumps({'seconds': round(time.perf_counter() - t, 2), 'rows': total, 'peak_rss_mb': rss_mb()}))")
    return child(code)


def detect_floor(texts_file: Path, sample: int = 1500) -> dict:
    """Plain Presidio loop on the first ``sample`` distinct free-text values; rate projected on all of them."""
    code = (MEASURE + "import itertools\nfrom pipelines.detect import detect_plain, shared_analyzer\n"
            f"with open({str(texts_file)!r}, encoding='utf-8') as fh:\n"
            "    values = {json.loads(line)['text'] for line in fh}\n"
            f"texts = sorted(values)[:{sample}]\n"
            "analyzer = shared_analyzer(); analyzer.analyze('Bệnh nhân Nguyễn Văn An', language='vi')\n"
            "t = time.perf_counter(); detect_plain(texts, analyzer); el = time.perf_counter() - t\n"
            "print(json.dumps({'seconds': round(el, 2), 'texts': len(texts), 'distinct_texts': len(values), "
            "'projected_seconds': round(el / max(len(texts), 1) * len(values), 1), 'peak_rss_mb': rss_mb()}))")
    return child(code)


def group_floor(work: Path) -> dict:
    code = (MEASURE + "import duckdb\ncon = duckdb.connect()\n"
            f"glob = {str(work)!r} + '/restricted/safe/*/xml1.parquet'\n"
            "cols = {d[0] for d in con.execute(f\"SELECT * FROM read_parquet('{glob}', union_by_name = true) LIMIT 0\").description}\n"
            "month = 'THANG_VAO' if 'THANG_VAO' in cols else 'NULL'\n"
            "money = 'TRY_CAST(T_TONGCHI_BV AS DOUBLE)' if 'T_TONGCHI_BV' in cols else '1'\n"
            "t = time.perf_counter()\n"
            "cells = con.execute(f\"SELECT count(*) FROM (SELECT {month}, MA_CSKCB, GIOI_TINH, count(*), sum({money}) "
            "FROM read_parquet('{glob}', union_by_name = true) GROUP BY ALL)\").fetchone()[0]\n"
            "print(json.dumps({'seconds': round(time.perf_counter() - t, 2), 'cells': cells, 'peak_rss_mb': rss_mb()}))")
    return child(code)
