"""Run the benchmarks and write ``bench/out/report.json`` and ``bench/out/report.md``.

Each case runs in its own child process so peak memory (max RSS) belongs to that case alone.
Sizes can be cut down with ``BENCH_SIZES=2000,10000`` for a quick look.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
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
