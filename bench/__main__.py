"""``make bench``: every case, then ``bench/out/report.json`` and ``bench/out/report.md``.

    python -m bench [--sizes 10000,100000,1000000] [--only stages,parser,validate,detect,deid,sdc,...]

Cases (each in child processes, so peak memory is the case's own):
- ``stages``: ``andanh run`` per size, per stage beside its floor (``bench.stages``, ``bench.floors``);
- ``parser``: the streaming parser on generated realistic HOSO beside the one-process parse floor;
- ``validate``: validate on a replicated 1M-episode batch and on the largest generated batch as staged;
- ``detect``: PII detection, fast path beside a plain Presidio loop;
- ``deid``: de-identification on a replicated batch (``bench.deid``);
- ``sdc``, ``extract``, ``portal``, ``scaleout``: the ``run_*_bench()`` of ``bench/<case>.py`` when that
  module exists (``scaleout``: ``andanh_kcb`` on 1 and 2 Celery workers, ``bench.scaleout``).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from bench.common import DATA, say

CASES = ("stages", "parser", "validate", "detect", "deid", "sdc", "extract", "portal", "scaleout")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10000,100000,1000000"),
                        help="encounters per andanh run, comma-separated (default 10000,100000,1000000; BENCH_SIZES)")
    parser.add_argument("--only", default="", help=f"comma-separated cases out of {', '.join(CASES)}")
    parser.add_argument("--note", action="append", default=[], help="a line for the report (machine load ...)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    only = [c for c in args.only.split(",") if c] or list(CASES)
    unknown = set(only) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    DATA.mkdir(parents=True, exist_ok=True)
    scaling, rows = [], []
    for case in only:
        found = run_case(case, sizes)
        if case == "stages":
            scaling += found
        else:
            rows += found
    from bench.report import write_report
    print(write_report(scaling, rows, args.note))
    return 0


def run_case(case: str, sizes: list[int]) -> list[dict]:
    if case == "stages":  # each size goes into the report as soon as it is measured (a long run stopped keeps it)
        from bench.report import write_report
        from bench.stages import run_stages_bench
        found = []
        for n in sizes:
            found.append(run_stages_bench(n))
            write_report(found[-1:], [], [])
        return found
    if case == "parser":
        from bench.stages import parser_case
        return parser_case(min(sizes))
    if case == "validate":
        from bench import cases
        say(f"validate, {cases.VALIDATE_EPISODES} replicated episodes ...")
        found = cases.bench_validate(cases.VALIDATE_EPISODES, min(cases.VALIDATE_BASE, cases.VALIDATE_EPISODES), DATA)
        if (DATA / f"work-{max(sizes)}").is_dir():
            found += cases.bench_validate_real_files(max(sizes), DATA)
        return found
    if case == "detect":
        from bench import cases
        return cases.bench_detection(cases.DETECT_TEXTS, DATA)
    if case == "deid":
        from bench.common import child
        from bench.deid import DEID_BASE, DEID_ENCOUNTERS, bench_deidentify
        say(f"de-identification, {DEID_ENCOUNTERS} encounters ...")
        return bench_deidentify(DEID_ENCOUNTERS, min(DEID_BASE, DEID_ENCOUNTERS), DATA, child)
    try:  # cases other branches add: bench/sdc.py run_sdc_bench(), ...
        module = importlib.import_module(f"bench.{case}")
    except ModuleNotFoundError:
        say(f"{case}: bench/{case}.py not present, skipped")
        return []
    found = getattr(module, f"run_{case}_bench")()
    return found if isinstance(found, list) else [found]


if __name__ == "__main__":
    sys.exit(main())
