"""Run the benchmarks and write ``bench/out/report.json`` and ``bench/out/report.md``.

Each case runs in its own child process so peak memory (max RSS) belongs to that case alone.
Sizes can be cut down with ``BENCH_SIZES=2000,10000`` for a quick look.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]


def child(code: str) -> dict:
    """Run a snippet in a fresh interpreter; it prints one JSON line; add its wall time and max RSS."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=os.environ | {"GX_ANALYTICS_ENABLED": "False"})
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark case failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(wall, 2)
    return result


def bench_end_to_end(n: int, data: Path) -> list[dict]:
    synth = data / f"synth-{n}"
    if not (synth / "xml").exists():
        child(f"from pipelines import synth; from pathlib import Path; "
              f"synth.generate({n}, 11, Path({str(synth)!r})); print('{{}}')")
    work = data / f"work-{n}"
    subprocess.run(["rm", "-rf", str(work)], check=True)
    run = child(
        "import time, json, resource\n"
        "from pipelines.run import run_pipeline\nfrom pipelines.workdir import Workdir\n"
        f"t = time.perf_counter(); s = run_pipeline({str(synth / 'xml')!r}, Workdir.at({str(work)!r}))\n"
        "el = time.perf_counter() - t\n"
        "rss = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
        "print(json.dumps({'seconds': round(el, 2), 'hoso': s.received_hoso, 'peak_rss_mb': rss // 1024}))")
    run.update(case="andanh run (ingest to publish)", encounters=n,
               encounters_per_s=round(run["hoso"] / run["seconds"], 1))
    return [run]


def bench_parser(n: int, data: Path) -> list[dict]:
    """Streaming parser against a whole-document parse of one big envelope of n HOSO."""
    big = data / f"one-envelope-{n}.xml"
    if not big.exists():
        child("import sys; sys.path.insert(0, 'tests'); from xml_fixtures import write_envelope; "
              f"from pathlib import Path; write_envelope(Path({str(big)!r}), {n}); print('{{}}')")
    rows = []
    for label, func in (("streaming parse_into", "streaming"), ("naive whole-file parse", "naive")):
        code = (
            "import time, json, resource, tempfile\nfrom pathlib import Path\n"
            "from pipelines.ingest import xml130\n"
            f"path = Path({str(big)!r})\nt = time.perf_counter()\n"
            + ("from pipelines.ingest.staging import StagingWriter\nfrom pipelines.workdir import Workdir\n"
               "wd = Workdir.at(tempfile.mkdtemp())\n"
               "w = StagingWriter(wd, name='x', source_file=path.name, source_sha256='x', batch_id='b')\n"
               "stats = xml130.parse_into(path, w); w.commit(); hoso = stats.hoso_landed\n"
               if func == "streaming" else "hoso = xml130.parse_naive(path)\n")
            + "el = time.perf_counter() - t\n"
            "print(json.dumps({'seconds': round(el, 2), 'hoso': hoso, "
            "'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))")
        r = child(code)
        r.update(case=label, encounters=n, encounters_per_s=round(n / max(r["seconds"], 1e-9), 1))
        rows.append(r)
    return rows


VALIDATE_EPISODES = int(os.environ.get("BENCH_VALIDATE_EPISODES", "1000000"))
VALIDATE_BASE = int(os.environ.get("BENCH_VALIDATE_BASE", "50000"))


def bench_validate(n: int, base: int, data: Path) -> list[dict]:
    """Validate stage on n XML1 episodes plus their child rows, against a plain DuckDB scan of the same
    staged files. The batch is n / base copies of a staged synthetic batch of ``base`` encounters (2%
    with an injected defect), each copy with fresh MA_LK (the generator makes about 2,000
    encounters/s: 1M would take too long). Copies repeat the other values, so GE sees fewer distinct
    values than in 1M real encounters (names, card numbers): the figure flatters GE's share.
    Peak RSS includes DuckDB's buffers (capped by ``ANDANH_VALIDATE_MEMORY``, default 4GB, beyond
    which it spills to the workdir), so 1M fits on a 24 GB machine beside other jobs."""
    copies = max(1, n // base)
    synth = data / f"synth-defects-{base}"  # 2% of encounters with an injected defect: quarantine runs too
    if not (synth / "xml").exists():
        child(f"from pipelines import synth; from pathlib import Path; "
              f"synth.generate({base}, 11, Path({str(synth)!r}), defects_rate=0.02); print('{{}}')")
    base_work = data / f"validate-base-defects-{base}"
    if not (base_work / "restricted" / "batches" / "bvbase").exists():
        subprocess.run(["rm", "-rf", str(base_work)], check=True)
        child(f"from pipelines.ingest import ingest; from pipelines.workdir import Workdir; "
              f"ingest({str(synth / 'xml')!r}, Workdir.at({str(base_work)!r}), batch_id='bvbase'); print('{{}}')")
    work = data / f"validate-{copies * base}"
    subprocess.run(["rm", "-rf", str(work)], check=True)
    child("from pipelines.quality.bench import replicate_batch; from pipelines.workdir import Workdir; "
          f"replicate_batch(Workdir.at({str(base_work)!r}), 'bvbase', Workdir.at({str(work)!r}), 'bvbig', {copies}); "
          "print('{}')")
    return validate_against_scan(work, "bvbig", copies * base,
                                 f"{copies} copies of a staged batch, {len(list((work / 'staging' / 'xml1').glob('*.parquet')))} "
                                 "files per table")


def validate_against_scan(work: Path, batch_id: str, episodes: int, layout: str) -> list[dict]:
    """``validate_batch`` of one staged batch beside a plain DuckDB scan of the same files."""
    rows = []
    for label, call in ((f"plain DuckDB scan of the staged batch, all columns ({layout})",
                         f"scan_batch(wd, {batch_id!r})"),
                        (f"validate_batch ({layout})",
                         f"validate_batch(wd, {batch_id!r}, error_threshold=1.0).episodes")):
        r = child(
            "import time, json, resource\nfrom pipelines.workdir import Workdir\n"
            "from pipelines.quality import validate_batch\nfrom pipelines.quality.bench import scan_batch\n"
            f"wd = Workdir.at({str(work)!r})\nt = time.perf_counter(); out = {call}\n"
            "el = time.perf_counter() - t\n"
            "print(json.dumps({'seconds': round(el, 2), 'out': out, "
            "'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))")
        r.update(case=label, encounters=episodes, encounters_per_s=round(episodes / max(r["seconds"], 1e-9), 1),
                 seconds_per_million_xml1=round(r["seconds"] * 1_000_000 / episodes, 1))
        rows.append(r)
    rows[1]["ratio_to_scan"] = round(rows[1]["seconds"] / max(rows[0]["seconds"], 1e-9), 2)
    rows[1]["case"] += f": {rows[1]['seconds_per_million_xml1']} s per million XML1, {rows[1]['ratio_to_scan']}x the scan"
    return rows


def bench_validate_real_files(n: int, data: Path) -> list[dict]:
    """Validate the batch ``bench_end_to_end`` staged from n generated encounters: every value as
    generated (no copies), one staged file per source file (a facility's day), as ingest writes it."""
    work = data / f"work-{n}"
    batches = sorted(p.name for p in (work / "restricted" / "batches").iterdir() if p.is_dir())
    if len(batches) != 1:
        raise RuntimeError(f"expected one batch in {work}, found {batches}")
    files = len(list((work / "staging" / "xml1").glob("*.parquet")))
    return validate_against_scan(work, batches[0], n, f"{n:,} generated encounters, {files} files per table")


DETECT_TEXTS = int(os.environ.get("BENCH_DETECT_TEXTS", "50000"))


def bench_detection(n_texts: int, data: Path) -> list[dict]:
    """PII detection on the free-text fields of a synthetic set (truth/texts.jsonl: every FREE-TEXT
    value, many short catalogue texts, most without PII): (a) a plain loop calling Presidio's
    `AnalyzerEngine.analyze` per text (`detect_plain`), (b) our path (`detect_texts`). Same notes,
    same recognizers; each writes its entity lists and the two are compared (`equal`, every text's
    entity list). Besides wall time, each case reports its CPU seconds (its own and its worker
    processes'), and the 1-minute load average before it ran: on a busy machine the fast path's
    second core is not free, so the wall-clock ratio is then lower than the CPU ratio."""
    synth = data / "detect-synth"
    texts_file = synth / "truth" / "texts.jsonl"
    encounters = n_texts // 15 + 100  # about 17 free-text values per encounter
    if not texts_file.exists() or sum(1 for _ in texts_file.open(encoding="utf-8")) < n_texts:
        child(f"from pipelines import synth; from pathlib import Path; "
              f"synth.generate({encounters}, 11, Path({str(synth)!r})); print('{{}}')")
    rows, outputs = [], []
    for label, call in (("(a) plain loop: AnalyzerEngine.analyze per text", "detect_plain(texts, analyzer)"),
                        ("(b) detect_texts (dedup, exact pre-filter, no word segmentation unless context "
                         "decides, worker processes)", "list(detect_texts(texts, analyzer=analyzer))")):
        out = data / f"detect-{'plain' if 'plain' in call else 'fast'}.json"
        r = child(
            "import time, json, resource, itertools, os\n"
            "from pipelines.detect import detect_plain, detect_texts, shared_analyzer\n"
            f"with open({str(texts_file)!r}, encoding='utf-8') as fh:\n"
            f"    texts = [json.loads(line)['text'] for line in itertools.islice(fh, {n_texts})]\n"
            "analyzer = shared_analyzer(); analyzer.analyze('Bệnh nhân Nguyễn Văn An', language='vi')\n"
            "def cpu():\n"
            "    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, "
            "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))\n"
            "load = os.getloadavg()[0]\n"
            f"c = cpu(); t = time.perf_counter(); found = {call}\nel = time.perf_counter() - t; c = cpu() - c\n"
            f"open({str(out)!r}, 'w').write(json.dumps(found))\n"
            "rss = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
            "print(json.dumps({'seconds': round(el, 2), 'cpu_seconds': round(c, 2), 'load_before': round(load, 2), "
            "'notes': len(texts), 'distinct': len(set(texts)), "
            "'entities': sum(map(len, found)), 'peak_rss_mb': rss // 1024}))")
        r.update(case=label, encounters=r["notes"], encounters_per_s=round(r["notes"] / max(r["seconds"], 1e-9), 1))
        r["notes_per_s"] = r["encounters_per_s"]
        rows.append(r)
        outputs.append(out)
    equal = outputs[0].read_text() == outputs[1].read_text()
    ratio = round(rows[0]["seconds"] / max(rows[1]["seconds"], 1e-9), 1)
    cpu_ratio = round(rows[0]["cpu_seconds"] / max(rows[1]["cpu_seconds"], 1e-9), 1)
    rows[1].update(ratio_to_plain=ratio, cpu_ratio_to_plain=cpu_ratio, equal=equal)
    rows[1]["case"] += (f": {ratio}x the plain loop ({cpu_ratio}x in CPU time), "
                        f"equal results: {str(equal).lower()}")
    for out in outputs:
        out.unlink()
    return rows


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / "data"
    data.mkdir(exist_ok=True)
    results = []
    for n in SIZES:
        print(f"end to end, {n} encounters ...", file=sys.stderr, flush=True)
        results += bench_end_to_end(n, data)
    n_parse = min(max(SIZES), 50_000)
    print(f"parser, one envelope of {n_parse} HOSO ...", file=sys.stderr, flush=True)
    results += bench_parser(n_parse, data)
    print(f"validate, {VALIDATE_EPISODES} episodes ...", file=sys.stderr, flush=True)
    results += bench_validate(VALIDATE_EPISODES, min(VALIDATE_BASE, VALIDATE_EPISODES), data)
    print(f"validate, the {max(SIZES)} generated encounters as staged ...", file=sys.stderr, flush=True)
    results += bench_validate_real_files(max(SIZES), data)
    print(f"PII detection, {DETECT_TEXTS} free-text values ...", file=sys.stderr, flush=True)
    results += bench_detection(DETECT_TEXTS, data)
    from bench.deid import DEID_BASE, DEID_ENCOUNTERS, bench_deidentify
    print(f"de-identification, {DEID_ENCOUNTERS} encounters ...", file=sys.stderr, flush=True)
    results += bench_deidentify(DEID_ENCOUNTERS, min(DEID_BASE, DEID_ENCOUNTERS), data, child)
    from bench.extract import ROWS as EXTRACT_ROWS, run_extract_bench
    results += run_extract_bench(EXTRACT_ROWS)
    report = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "results": results}
    (OUT / "report.json").write_text(json.dumps(report, indent=2))
    lines = ["# AnDanh benchmark", "", f"{report['date']}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
             "", "| case | encounters | seconds | encounters/s | peak RSS (MB) |", "|---|---|---|---|---|"]
    lines += [f"| {r['case']} | {r['encounters']} | {r['seconds']} | {r['encounters_per_s']} | {r['peak_rss_mb']} |"
              for r in results]
    (OUT / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nreport: {OUT / 'report.json'} and {OUT / 'report.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
