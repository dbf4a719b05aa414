"""``andanh retention`` and ``andanh shred-project``: apply retention periods, crypto-shred a project."""
from __future__ import annotations

import json


def cmd_retention(args) -> int:
    from pipelines.retention import apply_retention
    from pipelines.workdir import Workdir

    override = json.loads(args.override) if args.override else None
    summary = apply_retention(Workdir.at(args.workdir).ensure(), dry_run=args.dry_run, override=override)
    verb = "would delete" if args.dry_run else "deleted"
    for zone, paths in summary.deleted.items():
        print(f"{zone:<11} {summary.periods[zone]:>5} days  {verb} {len(paths)} file(s)")
    if summary.kept_not_deidentified:
        print(f"staging: kept {summary.kept_not_deidentified} expired file(s) of batches not yet de-identified")
    return 0


def cmd_shred(args) -> int:
    from pipelines.retention import shred_project
    from pipelines.workdir import Workdir

    if not args.yes:
        print("crypto-shredding is irreversible; pass --yes to confirm")
        return 2
    summary = shred_project(Workdir.at(args.workdir).ensure(), args.project)
    print(f"project {args.project}: pseudonym scope shredded "
          f"({'key salt destroyed' if summary.deleted['project_key'] else 'no key had been made'})")
    return 0


def register_commands(command, workdir_arg) -> None:
    p = command("retention", cmd_retention, "delete data past its retention period (recorded in the ledger)")
    workdir_arg(p)
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted")
    p.add_argument("--override", help='periods in days as JSON, e.g. \'{"landing": 30}\'')
    p = command("shred-project", cmd_shred, "crypto-shred a research project's pseudonym scope")
    workdir_arg(p)
    p.add_argument("project")
    p.add_argument("--yes", action="store_true", help="confirm: irreversible")
