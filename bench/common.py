"""Shared bench helpers: cases run in child interpreters so each one's peak memory is its own.

A child snippet prints one JSON line last; :func:`child` adds the wall time. :data:`MEASURE` is a
prelude giving a child ``cpu()`` (its own and its children's CPU seconds) and ``rss_mb()`` (peak
resident memory of the process and of its largest child, from ``resource.getrusage``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
DATA = OUT / "data"
SEED = 11
DEFECTS = 0.02

MEASURE = (
    "import json, os, resource, time\n"
    "def cpu():\n"
    "    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, "
    "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))\n"
    "def rss_mb():\n"
    "    return max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) // 1024\n"
)


def child(code: str, *, env: dict | None = None, show_progress: bool = False) -> dict:
    """Run a snippet in a fresh interpreter; return its last JSON line plus ``wall_s``. With
    ``show_progress`` the child's lines starting with ``progress:`` are passed on to our stderr as they come."""
    start = time.perf_counter()
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=os.environ | {"GX_ANALYTICS_ENABLED": "False"} | (env or {})) as proc:
        stdout, stderr = _drain(proc, show_progress)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark case failed:\n{stderr[-3000:]}")
    result = _last_json_line(stdout)
    result["wall_s"] = round(wall, 2)
    return result


def _last_json_line(stdout: str) -> dict:
    """The snippet's result: its last line that is a JSON object (a worker process sharing stdout, such as a
    solver's, may print after it)."""
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    raise RuntimeError(f"benchmark case printed no JSON result; its output ended with:\n{stdout[-2000:]}")


def _drain(proc: subprocess.Popen, show_progress: bool) -> tuple[str, str]:
    """Read the child's stdout (in a thread) and its stderr line by line, echoing progress lines."""
    import threading

    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    err = []
    for line in proc.stderr:
        err.append(line)
        if show_progress and line.startswith("progress:"):
            say("  " + line[len("progress:"):].strip())
    reader.join()
    proc.wait()
    return "".join(out), "".join(err)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def synth_set(n: int) -> Path:
    """The generated data set of ``n`` encounters (all five tables, free text, 2% defects), made once."""
    folder = DATA / f"synth-d2-{n}"
    if not (folder / "xml").is_dir() or not any((folder / "xml").iterdir()):
        say(f"generating {n} encounters ...")
        child(f"from pipelines import synth; from pathlib import Path; "
              f"synth.generate({n}, {SEED}, Path({str(folder)!r}), defects_rate={DEFECTS}); print('{{}}')")
    return folder


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)
