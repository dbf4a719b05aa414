"""``andanh extract`` (build a research extract) and ``andanh dp-budget`` (set or show a consumer's ε budget)."""
from __future__ import annotations

import json
import sys


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _qi(text: str) -> dict | str:
    """``COLUMN`` or ``COLUMN:hierarchy[:from_level]``."""
    parts = text.split(":")
    if len(parts) == 1:
        return parts[0]
    return {"column": parts[0], "hierarchy": parts[1], **({"from_level": parts[2]} if len(parts) > 2 else {})}


def _request(args):
    from pipelines.extract.request import ExtractRequest, RequestError, load_request
    if args.request:
        return load_request(args.request)
    if not (args.project and args.qi):
        raise RequestError("give --request FILE, or --project and at least one --qi")
    data = {"project": args.project, "variables": args.var or [], "quasi_identifiers": [_qi(q) for q in args.qi],
            "sensitive": args.sensitive, "period": args.period, "k": args.k, "l": args.l, "free_text": args.free_text,
            "max_suppression": args.max_suppression}
    if args.filter:
        data["filter"] = json.loads(args.filter)
    return ExtractRequest.from_dict(data)


def cmd_extract(args) -> int:
    from pipelines.extract import build_extract
    from pipelines.workdir import Workdir
    result = build_extract(Workdir.at(args.workdir), _request(args), say=_say)
    r = result.report
    data = {"extract_id": result.extract_id, "folder": str(result.folder), "rows": result.rows,
            **{key: r.get(key) for key in ("k_achieved", "l_achieved", "suppressed", "levels", "risk",
                                           "information_loss", "epsilon", "epsilon_remaining")}}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(f"{k}: {v}" for k, v in data.items() if v is not None))
    return 0


def cmd_dp_budget(args) -> int:
    from pipelines.dp import EpsilonLedger
    from pipelines.workdir import Workdir
    ledger = EpsilonLedger(Workdir.at(args.workdir).ledger_url())
    if args.set is not None:
        ledger.set_budget(args.consumer, args.set)
    data = {"consumer": args.consumer, "remaining": ledger.remaining(args.consumer),
            "spends": [{k: str(v) for k, v in s.items()} for s in ledger.spends(args.consumer)]}
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else
          f"{args.consumer}: ε remaining {data['remaining']:g} ({len(data['spends'])} spend(s))")
    return 0


def register_commands(command, workdir_arg) -> None:
    p = command("extract", cmd_extract,
                "build a k-anonymous, l-diverse research extract from the released safe zone (restricted/extracts/)")
    p.add_argument("--request", help="request file (YAML or JSON, keys of ExtractRequest)")
    p.add_argument("--project", help="project id (the pseudonym scope)")
    p.add_argument("--qi", action="append", help="quasi-identifier COLUMN[:hierarchy[:from_level]] (repeat)")
    p.add_argument("--var", action="append", help="further column to include (repeat)")
    p.add_argument("--sensitive", help="sensitive attribute for l-diversity (e.g. MA_BENH_CHINH)")
    p.add_argument("--period", help="YYYY-MM or YYYY-MM..YYYY-MM (real admission month)")
    p.add_argument("--filter", help='JSON, e.g. {"MA_LOAI_KCB": ["3"]}')
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--l", type=int, default=2)
    p.add_argument("--max-suppression", type=float, default=0.05, help="largest share of records suppressed")
    p.add_argument("--free-text", action="store_true", help="allow free-text columns (they pass the residual-PII gate)")
    workdir_arg(p)
    p = command("dp-budget", cmd_dp_budget, "set or show a consumer's differential-privacy ε budget")
    p.add_argument("--consumer", required=True)
    p.add_argument("--set", type=float, help="total ε the consumer may spend")
    workdir_arg(p)
