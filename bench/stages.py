"""``andanh run`` on a generated set, timed per stage (from the run's own progress messages), beside
each stage's floor measured in the same run (``bench.floors``).

Per stage: seconds, rows/s (encounters/s for ingest; staged rows/s for validate and de-identify),
peak RSS so far (the run is one process plus its parser workers: the peak of the process or its
largest child when the stage ended) and the floor's seconds.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from bench import floors
from bench.common import DATA, MEASURE, child, load_avg, say, synth_set

STAGES = ("ingest", "validate", "deidentify", "release")
RUN = MEASURE + r'''
from pipelines.run import run_pipeline
from pipelines.workdir import Workdir
marks = []
t0 = time.perf_counter()
def progress(message):
    marks.append((message.split(":", 1)[0], time.perf_counter(), rss_mb()))
    import sys
    print(f"progress: {marks[-1][1] - t0:7.1f} s, peak RSS {marks[-1][2]} MB, {message[:100]}", file=sys.stderr, flush=True)
from pipelines.deidentify.gate import ResidualPIIError
from pipelines.run import summarize
t = time.perf_counter(); c = cpu(); blocked = None
try:
    s = run_pipeline(SOURCE, Workdir.at(WORK), progress=progress)
except ResidualPIIError as exc:  # the gate stopped the batch: stages up to de-identify are timed, release is not
    s = summarize(Workdir.at(WORK))
    blocked = str(exc).split(";")[0]
end = time.perf_counter()
marks.append(("end", end, rss_mb()))
names = {"ingest": "ingest", "validate": "validate", "quality report": "validate", "deidentify": "deidentify",
         "aggregate": "release", "disclose": "release", "publish": "release"}
stages = {}
for (name, at, _), (_, nxt, rss) in zip(marks, marks[1:]):
    key = names.get(name, "release")
    st = stages.setdefault(key, {"seconds": 0.0, "peak_rss_mb": 0})
    st["seconds"] += nxt - at
    st["peak_rss_mb"] = max(st["peak_rss_mb"], rss)
print(json.dumps({"blocked": blocked, "seconds": round(end - t, 2), "cpu_seconds": round(cpu() - c, 2), "hoso": s.received_hoso,
                  "staged": s.staged, "passed_episodes": s.passed_episodes,
                  "quarantined_episodes": s.quarantined_episodes, "peak_rss_mb": rss_mb(),
                  "stages": {k: {"seconds": round(v["seconds"], 2), "peak_rss_mb": v["peak_rss_mb"]}
                             for k, v in stages.items()}}))
'''


def run_stages_bench(n: int) -> dict:
    """One size: the whole run with its stages, and every floor, on the same generated files."""
    synth = synth_set(n)
    work = DATA / f"work-{n}"
    shutil.rmtree(work, ignore_errors=True)
    load = load_avg()
    say(f"andanh run, {n} encounters ...")
    run = child(RUN.replace("SOURCE", repr(str(synth / "xml"))).replace("WORK", repr(str(work))), show_progress=True)
    say(f"floors, {n} encounters ...")
    texts = synth / "truth" / "texts.jsonl"
    floor = {"ingest": floors.parse_floor(synth / "xml"), "validate": floors.scan_floor(work),
             "deidentify": floors.detect_floor(texts) if texts.exists() else None,
             "release": floors.group_floor(work)}
    rows = sum(run["staged"].values())
    stages = []
    for name in STAGES:
        st = run["stages"].get(name)
        if st is None:  # not reached (the gate blocked the batch)
            stages.append({"stage": name, "seconds": None, "rows": None, "rows_per_s": None, "peak_rss_mb": None,
                           "floor": FLOOR_LABEL[name], "floor_seconds": (floor[name] or {}).get("seconds"),
                           "x_floor": None})
            continue
        unit = run["hoso"] if name == "ingest" else rows
        f = floor[name] or {}
        floor_s = f.get("projected_seconds", f.get("seconds"))
        stages.append({"stage": name, "seconds": st["seconds"], "rows": unit,
                       "rows_per_s": round(unit / max(st["seconds"], 1e-9), 1), "peak_rss_mb": st["peak_rss_mb"],
                       "floor": FLOOR_LABEL[name], "floor_seconds": floor_s,
                       "x_floor": round(st["seconds"] / floor_s, 1) if floor_s else None})
    return {"encounters": n, "hoso": run["hoso"], "staged_rows": rows, "seconds": run["seconds"],
            "cpu_seconds": run["cpu_seconds"], "encounters_per_s": round(run["hoso"] / max(run["seconds"], 1e-9), 1),
            "seconds_per_million": round(run["seconds"] * 1_000_000 / max(run["hoso"], 1), 1),
            "peak_rss_mb": run["peak_rss_mb"], "load_before": load, "load_after": load_avg(),
            "gate_blocked": bool(run["blocked"]),
            "parse_floor_hoso_per_s": round(run["hoso"] / max(floor["ingest"]["seconds"], 1e-9), 1),
            "share_of_floor": round(floor["ingest"]["seconds"] / max(run["seconds"], 1e-9), 3),
            "floors": floor, "stages": stages, "files": len(list((synth / "xml").glob("*.xml"))),
            "staged_parts_xml1": len(list((work / "staging" / "xml1").glob("*.parquet")))}


FLOOR_LABEL = {"ingest": "decode + lxml parse of every payload, one process per core",
               "validate": "plain DuckDB scan of every staged column",
               "deidentify": "plain Presidio analyze loop over the distinct free-text values (projected)",
               "release": "plain GROUP BY month x facility x sex over the safe XML1"}


def parser_case(n: int) -> list[dict]:
    """The streaming parser (``parse_into`` + staging) on the generated realistic HOSO files of the
    ``n`` set, in one process, beside the parse floor in one process."""
    synth = synth_set(n)
    code = (MEASURE + "import tempfile\nfrom pathlib import Path\nfrom pipelines.ingest import xml130\n"
            "from pipelines.ingest.staging import StagingWriter\nfrom pipelines.workdir import Workdir\n"
            f"files = sorted(Path({str(synth / 'xml')!r}).glob('*.xml'))\n"
            "wd = Workdir.at(tempfile.mkdtemp())\n"
            "w = StagingWriter(wd, name='x', batch_id='b')\nhoso = 0\nt = time.perf_counter()\n"
            "for p in files:\n    w.begin_source(p.name, p.name)\n    hoso += xml130.parse_into(p, w).hoso_seen\n"
            "w.commit()\n"
            "print(json.dumps({'seconds': round(time.perf_counter() - t, 2), 'hoso': hoso, 'peak_rss_mb': rss_mb()}))")
    streaming = child(code)
    floor = floors.parse_floor(synth / "xml", procs=1)
    return [{"case": f"parse floor, one process ({floor['files']} generated files)", "encounters": n,
             "seconds": floor["seconds"], "encounters_per_s": round(n / max(floor["seconds"], 1e-9), 1),
             "peak_rss_mb": floor["peak_rss_mb"]},
            {"case": "streaming parse_into + staging, one process", "encounters": streaming["hoso"],
             "seconds": streaming["seconds"],
             "encounters_per_s": round(streaming["hoso"] / max(streaming["seconds"], 1e-9), 1),
             "peak_rss_mb": streaming["peak_rss_mb"]}]


def workdir_of(n: int) -> Path:
    return DATA / f"work-{n}"
