"""``andanh govern migrate|agreement|dpia`` and ``andanh audit verify|checkpoint|scope``: the governance
database from the shell."""
from __future__ import annotations

import json
import sys
from dataclasses import asdict


def _governance(args):
    from pipelines.govern import open_governance
    from pipelines.workdir import Workdir
    return open_governance(Workdir.at(args.workdir).ensure(), getattr(args, "url", None))


def cmd_govern(args) -> int:
    if args.action == "migrate":
        from pipelines.govern.db import migrate
        from pipelines.workdir import Workdir
        url = args.url or Workdir.at(args.workdir).ensure().ledger_url()
        print(f"governance database at revision {migrate(url)}")
        return 0
    from pipelines.govern import documents
    gov = _governance(args)
    if args.action == "agreement":
        if not args.org:
            print("agreement needs --org CODE", file=sys.stderr)
            return 2
        text = documents.sharing_agreement(gov, args.org)
    else:
        text = documents.dpia(gov)
    gov.audit.append(actor="cli", action=f"document.{args.action}", resource=args.org or "")
    if args.out:
        from pathlib import Path
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_audit(args) -> int:
    from pipelines.govern.audit import verify
    gov = _governance(args)
    if args.action == "verify":
        result = verify(gov.sessions, gov.signer)
        if args.json:
            print(json.dumps(asdict(result)))
        elif result.ok:
            print(f"audit log OK: {result.entries} entries, {result.checkpoints} signed checkpoints")
        else:
            print(f"audit log BROKEN at entry {result.first_bad}: {result.problem}")
        return 0 if result.ok else 1
    if args.action == "checkpoint":
        cp = gov.audit.checkpoint()
        print(f"signed checkpoint at entry {cp.seq} (key {cp.key_id})" if cp else "the audit log is empty")
        return 0
    from pipelines.govern.breach import scope
    if not (args.batch or args.release or args.token):
        print("scope needs --batch, --release or --token", file=sys.stderr)
        return 2
    with gov.sessions() as s:
        found = scope(s, gov.published, batch=args.batch, release=args.release, token=args.token)
    gov.audit.append(actor="cli", action="audit.scope", details={"batch": args.batch, "release": args.release,
                                                                 "token": bool(args.token), "found": len(found)})
    for r in found:
        print(json.dumps(asdict(r), ensure_ascii=False) if args.json else
              f"{r.at}  {r.actor:<12} {r.org:<10} {r.purpose:<20} {r.action:<17} via {r.via}")
    return 0


def register_commands(command, workdir_arg) -> None:
    p = command("govern", cmd_govern, "governance database: apply the migrations (registry, grants, audit, "
                "ledger); draft a data-sharing agreement (LEG-24) or the DPIA (LEG-32) from the registry")
    p.add_argument("action", choices=["migrate", "agreement", "dpia"])
    workdir_arg(p)
    p.add_argument("--url", help="SQLAlchemy URL (default: the run ledger's, $ANDANH_LEDGER_URL)")
    p.add_argument("--org", help="agreement: the recipient organisation's code")
    p.add_argument("--out", help="agreement, dpia: write the Markdown draft here (default: stdout)")
    p = command("audit", cmd_audit, "audit log: verify the hash chain and signatures, sign a checkpoint, "
                "or list who received data from a batch, release or person token")
    p.add_argument("action", choices=["verify", "checkpoint", "scope"])
    workdir_arg(p)
    p.add_argument("--url", help="SQLAlchemy URL (default: the run ledger's)")
    p.add_argument("--batch")
    p.add_argument("--release")
    p.add_argument("--token", help="a person token as it appears in delivered extracts")
