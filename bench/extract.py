"""Research-extract speed: k-anonymity (k=5) and distinct l-diversity (l=2) on N records x 5 quasi-identifiers,
ours against pycanon (measuring k and l) and anjana (anonymising), in the same run on the same data.

Data (``bench/out/data/extract-<N>.parquet``, generated once, seed 5): skewed like care records (a few
provinces and age bands dominate), 5 quasi-identifiers ``NHOM_TUOI`` (age band5 -> band10 -> all),
``GIOI_TINH``, ``MATINH_2025`` (34 provinces -> 6 regions -> all), ``NGAY_VAO`` (day -> month -> quarter
-> year -> all), ``MA_LOAI_KCB``; sensitive ``MA_BENH_CHINH`` (a Zipf-like mix of 3-character ICD-10 codes).

Cases, each in its own process (peak RSS its own), each bounded by ``BENCH_EXTRACT_TIMEOUT`` seconds
(default 600): ours (:func:`pipelines.extract.anonymise`); pycanon's ``k_anonymity`` and ``l_diversity``
on our output (they must agree with our report); anjana's ``l_diversity`` (k=5, l=2, same 5% budget, the
same hierarchies given as per-row label arrays, built outside its timing). anjana is not a project
dependency (it pins pandas 2.3 and numpy 2.0, which this project is past): when it cannot be imported it
is installed with ``pip install --no-deps --target bench/out/anjana``; if that fails the case says so.
``python -m bench.extract`` (``BENCH_EXTRACT_ROWS``, default 1,000,000).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
ROWS = int(os.environ.get("BENCH_EXTRACT_ROWS", "1000000"))
TIMEOUT = int(os.environ.get("BENCH_EXTRACT_TIMEOUT", "300"))
SMALL = int(os.environ.get("BENCH_EXTRACT_SMALL", "10000"))  # anjana and ours again, where anjana finishes
ANJANA = "anjana==1.2.3"
ANJANA_DIR = OUT / "anjana"
QIS = [{"column": "NHOM_TUOI", "hierarchy": "age", "from_level": "band5"}, "GIOI_TINH",
       {"column": "MATINH_2025", "hierarchy": "geography", "from_level": "province"},
       {"column": "NGAY_VAO", "hierarchy": "date"}, "MA_LOAI_KCB"]
QI_COLUMNS = ["NHOM_TUOI", "GIOI_TINH", "MATINH_2025", "NGAY_VAO", "MA_LOAI_KCB"]
SENSITIVE = "MA_BENH_CHINH"


def make_data(rows: int, path: Path, seed: int = 5) -> Path:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.exists() and pq.ParquetFile(path).metadata.num_rows == rows:
        return path
    rng = np.random.default_rng(seed)
    ages = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
    provinces = ["01", "04", "08", "11", "12", "14", "15", "19", "20", "22", "24", "25", "31", "33", "37", "38", "40",
                 "42", "44", "46", "48", "51", "52", "56", "66", "68", "75", "79", "80", "82", "86", "91", "92", "96"]
    days = pd.date_range("2025-01-01", "2025-12-31").strftime("%Y%m%d").to_numpy()
    icd = np.array([f"{c}{i:02d}" for c in "ABCEIJKMNS" for i in range(100)])
    zipf = 1.0 / np.arange(1, len(icd) + 1)
    table = pa.table({
        "NHOM_TUOI": rng.choice(ages, rows, p=rng.dirichlet(np.full(len(ages), 2.0))),
        "GIOI_TINH": rng.choice(["1", "2"], rows, p=[0.47, 0.53]),
        "MATINH_2025": rng.choice(provinces, rows, p=rng.dirichlet(np.full(len(provinces), 0.7))),
        "NGAY_VAO": rng.choice(days, rows),
        "MA_LOAI_KCB": rng.choice(["1", "2", "3", "4", "9"], rows, p=[0.6, 0.15, 0.15, 0.05, 0.05]),
        SENSITIVE: rng.choice(icd, rows, p=zipf / zipf.sum()),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


OURS = """
import json, resource, time, pyarrow.parquet as pq
from bench.extract import QIS, SENSITIVE
from pipelines.extract import anonymise
table = pq.read_table({path!r})
t = time.perf_counter()
out = anonymise(table, QIS, SENSITIVE, k=5, l=2, max_suppression=0.05)
seconds = time.perf_counter() - t
out.table.to_pandas().to_parquet({result!r})
r = out.report
print(json.dumps({{"seconds": round(seconds, 2), "k": r["k_achieved"], "l": r["l_achieved"], "levels": r["levels"],
                  "suppressed": r["suppressed"], "nodes": r["lattice"]["nodes"], "evaluated": r["lattice"]["evaluated"],
                  "loss": r["information_loss"], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}}))
"""

PYCANON = """
import json, resource, time, pandas as pd
from pycanon import anonymity
from bench.extract import QI_COLUMNS, SENSITIVE
df = pd.read_parquet({result!r}).fillna("<missing>")
t = time.perf_counter()
value = anonymity.k_anonymity(df, QI_COLUMNS) if {what!r} == "k" else anonymity.l_diversity(df, QI_COLUMNS, [SENSITIVE])
print(json.dumps({{{what!r}: int(value), "seconds": round(time.perf_counter() - t, 2),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}}))
"""

ANJANA_CASE = """
import json, resource, sys, time, numpy as np, pandas as pd, pyarrow.parquet as pq
pd.set_option("future.infer_string", False)  # anjana (beartype) wants numpy arrays, not pandas 3 Arrow strings
sys.path.insert(0, {anjana_dir!r})
from anjana.anonymity import l_diversity
from bench.extract import QIS, QI_COLUMNS, SENSITIVE
from pipelines.extract.encode import QuasiIdentifier, encode_qi
table = pq.read_table({path!r})
hierarchies = {{}}
for item in QIS:  # the same chains as ours, as per-row label arrays (anjana's input form), built untimed
    e = encode_qi(QuasiIdentifier.parse(item), table.column(QuasiIdentifier.parse(item).column))
    hierarchies[e.qi.column] = {{lv: np.array(e.generalised(lv).to_pylist(), dtype=object) for lv in range(e.height + 1)}}
df = table.to_pandas().astype(object)  # anjana (beartype) takes numpy arrays, not pandas 3 Arrow strings
t = time.perf_counter()
out = l_diversity(df, [], QI_COLUMNS, SENSITIVE, 5, 2, 5.0, hierarchies)
seconds = time.perf_counter() - t
print(json.dumps({{"seconds": round(seconds, 2), "rows_out": int(len(out)),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}}))
"""


def _run(code: str, timeout: int, extra_path: str | None = None) -> dict:
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).resolve().parent.parent),
                                                                    os.environ.get("PYTHONPATH")) if p)}
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"did not finish in {timeout} s"}
    if proc.returncode != 0:
        return {"status": "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:300]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update(status="ok", wall_s=round(time.perf_counter() - start, 2))
    return out


def _anjana_available() -> str | None:
    """None when anjana can be imported (installed or in bench/out/anjana), else why not."""
    probe = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ANJANA_DIR)!r}); import anjana.anonymity"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return None
    try:
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(ANJANA_DIR),
                               ANJANA, "beartype==0.22.2"], capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return "pip install did not finish in 180 s"
    if proc.returncode != 0:
        return "pip install failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:300]
    return None if subprocess.run(probe, capture_output=True).returncode == 0 else "installed but cannot be imported"


def _row(case: str, rows: int, r: dict, **extra) -> dict:
    seconds = r.get("seconds")
    return {"case": case, "encounters": rows, "seconds": seconds if seconds is not None else r["status"],
            "encounters_per_s": round(rows / seconds, 1) if seconds else "-", "peak_rss_mb": r.get("peak_rss_mb", "-"),
            **{k: v for k, v in r.items() if k not in ("seconds", "peak_rss_mb")}, **extra}


def run_extract_bench(rows: int = ROWS, *, timeout: int = TIMEOUT, small: int = SMALL, say=None) -> list[dict]:
    """Ours, pycanon and anjana on ``rows`` records; ours and anjana again on ``small`` records."""
    say = say or (lambda m: print(m, file=sys.stderr, flush=True))
    out = _compare(rows, timeout, say, measure=True)
    if small and small < rows:
        out += _compare(small, timeout, say, measure=False)
    return out


def _compare(rows: int, timeout: int, say, *, measure: bool) -> list[dict]:
    data = OUT / "data"
    path = make_data(rows, data / f"extract-{rows}.parquet")
    result = data / f"extract-{rows}-ours.parquet"
    say(f"extract: k=5, l=2 on {rows} records x 5 quasi-identifiers (ours) ...")
    ours = _run(OURS.format(path=str(path), result=str(result)), timeout)
    out = [_row("extract k=5 l=2, 5 QIs (ours: lattice search)", rows, ours)]
    if measure and ours["status"] == "ok":
        for what, name in (("k", "k_anonymity"), ("l", "l_diversity")):
            say(f"extract: pycanon {name} of our output (bounded by {timeout} s) ...")
            canon = _run(PYCANON.format(result=str(result), what=what), timeout)
            agrees = canon.get(what) == ours[what] if canon.get("status") == "ok" else None
            out.append(_row(f"extract: pycanon {name} of our output", rows, canon, agrees=agrees))
    reason = _anjana_available()
    if reason:
        out.append(_row("extract k=5 l=2 (anjana l_diversity)", rows, {"status": f"anjana not run: {reason}"}))
    else:
        say(f"extract: anjana l_diversity on the same {rows} records (bounded by {timeout} s) ...")
        anj = _run(ANJANA_CASE.format(path=str(path), anjana_dir=str(ANJANA_DIR)), timeout)
        out.append(_row("extract k=5 l=2 (anjana l_diversity, same hierarchies)", rows, anj))
    return out


if __name__ == "__main__":
    results = run_extract_bench()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "extract.json").write_text(json.dumps(results, indent=2, default=str))
    for r in results:
        print(json.dumps(r, default=str))
