"""``andanh release`` (the one release step) and ``andanh datasets`` (what is declared)."""
from __future__ import annotations

import datetime as dt
import json
import sys


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def release_lines(summaries) -> list[str]:
    lines = []
    for s in summaries:
        if not s.version:
            lines.append(f"{s.dataset}: nothing released, no closed period (open: {', '.join(s.open_periods) or 'none'})")
            continue
        u = s.utility
        lines.append(f"{s.dataset}: release {s.version} at {s.path}")
        lines.append(f"  periods {', '.join(s.periods)} (new: {', '.join(s.new_periods) or 'none'}; open, not yet "
                     f"released: {', '.join(s.open_periods) or 'none'}); held back (late): {s.held_back}")
        if s.epsilon_remaining is not None:
            lines.append(f"  {s.cells} cells, differential privacy: ε spent now {s.epsilon_spent:g}, "
                         f"left in the budget {s.epsilon_remaining:g}; {u['rows']} rows")
            continue
        lines.append(f"  {s.cells} cells, {s.suppressed_cells} suppressed; {u['rows']} rows, "
                     f"visible in a national or province table: {u['visible_share']:.1%}")
        for name, t in u["tables"].items():
            shares = ", ".join(f"{k[:-6]} {v:.1%}" for k, v in t.items() if k.endswith("_share") and v is not None)
            lines.append(f"    {name:<34} {t['geography']:<9} {shares}")
    return lines


def cmd_release(args) -> int:
    from pipelines.run import release
    from pipelines.workdir import Workdir

    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    summaries = release(Workdir.at(args.workdir), say=_say, as_of=as_of, datasets=args.dataset or None,
                        lateness_days=args.lateness_days, config=args.config)
    if args.json:
        print(json.dumps([vars(s) for s in summaries], ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(release_lines(summaries)))
    return 0


def cmd_datasets(args) -> int:
    from pipelines.datasets import load_datasets

    specs = load_datasets(args.config)
    if args.json:
        print(json.dumps([s.config | {"name": s.name} for s in specs], ensure_ascii=False, indent=2, default=str))
        return 0
    for s in specs:
        d = s.disclosure
        method = (f"dp ε={d['epsilon']:g} per period from {d.get('consumer') or 'release:' + s.name}"
                  if d["method"] == "dp" else f"sdc min_count {d.get('min_count')}")
        print(f"{s.name}: {s.title_en} (source {s.source}, released per {s.release_period}, {method})")
        for t in s.tables:
            print(f"  {t.name:<34} {s.table_geography(t):<9} {' x '.join(t.columns)}"
                  + (f"  (periods before {t.until})" if t.until else ""))
    return 0


def register_commands(command, workdir_arg) -> None:
    p = command("release", cmd_release, "release every dataset's closed periods: aggregate, protect, publish")
    workdir_arg(p)
    p.add_argument("--dataset", action="append", help="only this dataset (repeatable; default: every one)")
    p.add_argument("--as-of", help="the day that decides which periods are closed (YYYY-MM-DD, default today)")
    p.add_argument("--lateness-days", type=int, help="days after a period ends before it closes "
                                                      "(default $ANDANH_RELEASE_LATENESS_DAYS or 10)")
    p.add_argument("--config", help="another datasets YAML (default: the built-in one; a dataset's released "
                                    "periods are refused if its declaration changed)")
    p = command("datasets", cmd_datasets, "list the declared datasets and their tables")
    p.add_argument("--config", help="a datasets YAML to check (default: the built-in one)")
