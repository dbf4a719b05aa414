#!/usr/bin/env python
"""Regenerate the Great Expectations suites in pipelines/quality/expectations/ from the schema registry.

Rerunnable: the output depends only on the registry, the hand-written rules in
pipelines/quality/rules.py and the installed Great Expectations version. Review the diff in git.

    python scripts/build_expectation_suites.py            # write pipelines/quality/expectations/xml1.json ... xml5.json
    python scripts/build_expectation_suites.py --check    # exit 1 if the files are out of date
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from pipelines.quality.rules import write_suites

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "pipelines" / "quality" / "expectations", help="target folder")
    parser.add_argument("--check", action="store_true", help="only compare with the files in --out")
    args = parser.parse_args(argv)
    if not args.check:
        for path in write_suites(args.out):
            print(f"wrote {path}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stale = [p.name for p in write_suites(tmp)
                 if not (args.out / p.name).exists() or (args.out / p.name).read_bytes() != p.read_bytes()]
    if stale:
        print(f"out of date in {args.out}: {', '.join(stale)}; rerun {Path(__file__).name}", file=sys.stderr)
        return 1
    print("expectation suites are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
