"""``andanh portal``: serve the consumer portal on 127.0.0.1 (seeding the demo registry on first start)."""
from __future__ import annotations

import sys


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_portal(args) -> int:
    import uvicorn

    from pipelines.portal import catalog
    from pipelines.portal.app import create_app
    from pipelines.portal.seed import seed_demo
    from pipelines.workdir import Workdir
    workdir = Workdir.at(args.workdir).ensure()
    app = create_app(workdir)
    if not args.no_seed:
        seeded = seed_demo(app.state.gov, sorted(catalog.datasets(workdir.published)))
        if seeded.created:
            print_accounts(seeded)
    _say(f"portal: http://{args.host}:{args.port}/  (API docs: /api/docs)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def print_accounts(seeded) -> None:
    """The demo accounts, once: these passwords are not stored anywhere in clear."""
    print("demo accounts (shown once; passwords are stored only as argon2 hashes):")
    for user, password in seeded.passwords.items():
        extra = f"  TOTP secret {seeded.totp[user]}" if user in seeded.totp else ""
        print(f"  {user:<11} {seeded.roles[user]:<15} {password}{extra}")
    print(f"researcher's age identity (decrypts delivered extracts): {seeded.researcher_identity}")


def register_commands(command, workdir_arg) -> None:
    p = command("portal", cmd_portal, "serve the consumer portal (FastAPI) on 127.0.0.1")
    workdir_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="listen address (default loopback only)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--no-seed", action="store_true", help="do not create the demo registry")
