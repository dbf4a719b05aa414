"""``andanh verify`` and the body of ``andanh query`` (SQL in the sandbox over the published catalog)."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from pipelines.publish.catalog import DUCKDB_FILE, LATEST
from pipelines.publish.verify import MANIFEST, verify_release
from pipelines.workdir import Workdir


def _release_folder(path: Path) -> Path:
    """A release folder, or a dataset folder (its LATEST release)."""
    if not (path / MANIFEST).exists() and (path / LATEST).exists():
        return path / (path / LATEST).read_text(encoding="utf-8").strip()
    return path


def cmd_verify(args) -> int:
    folder = _release_folder(Path(args.path))
    pinned = Path(args.public_key).read_bytes() if args.public_key else None
    result = verify_release(folder, public_key=pinned)
    lines = result.lines()
    if pinned is None and result.key_id:
        lines.append("  (checked with the public key shipped in the release; pin the signer with --public-key)")
    data = {"path": str(folder), "ok": result.ok, "signature": result.signature, "key_id": result.key_id,
            "changed": result.changed, "missing": result.missing, "extra": result.extra, "problems": result.problems}
    print(json.dumps(data, indent=2) if args.json else "\n".join(lines))
    return 0 if result.ok else 1


def run_query(args) -> int:
    """``andanh query``: one SELECT over the published views, with time and row limits."""
    from pipelines.publish.sandbox import open_sandbox
    db = Path(args.db) if args.db else Workdir.at(args.workdir).published / DUCKDB_FILE
    sql = args.sql if args.sql != "-" else sys.stdin.read()
    with open_sandbox(db, timeout_s=args.timeout, max_rows=args.max_rows) as box:
        result = box.query(sql)
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    elif getattr(args, "json", False):
        print(json.dumps({"columns": result.columns, "rows": result.rows, "truncated": result.truncated},
                         ensure_ascii=False, default=str))
    else:
        print(format_table(result.columns, result.rows))
    if result.truncated:
        print(f"andanh query: only the first {args.max_rows} rows (--max-rows)", file=sys.stderr)
    return 0


def format_table(columns: list[str], rows: list[tuple]) -> str:
    cells = [[("NULL" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda values: " | ".join(v.ljust(w) for v, w in zip(values, widths))  # noqa: E731
    return "\n".join([line(columns), "-+-".join("-" * w for w in widths)] + [line(r) for r in cells]
                     + [f"({len(rows)} row{'s' if len(rows) != 1 else ''})"])


def register_commands(command, workdir_arg) -> None:
    p = command("verify", cmd_verify, "check a release's signature and the checksum of every file (exit 0 / 1)")
    p.add_argument("path", help="a release folder published/<dataset>/<version> (or a dataset folder: its latest)")
    p.add_argument("--public-key", help="PEM public key the release must be signed with (default: the shipped one)")
