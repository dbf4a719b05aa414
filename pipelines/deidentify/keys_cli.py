"""``andanh keys init|rotate|fingerprint`` and ``andanh reidentify``: key management for custodians.

Keys are printed only by ``init`` and ``rotate`` (on stdout, for a secret store) or written 0600 to a
file given with ``--out``; everything else shows key ids (fingerprints) only.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

from pipelines.deidentify import keys
from pipelines.deidentify.vault import VAULT_ENV, custodian_key
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.workdir import Workdir, private_files, write_private_bytes

KINDS = {"pseudonym": keys.KEY_ENV, "vault": VAULT_ENV}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _current_key(args, workdir: Workdir) -> bytes:
    """The key in force for ``--for``: from ``--key-file``, the environment, or the embedded key file."""
    if getattr(args, "key_file", None):
        return keys.decode_key(Path(args.key_file).read_text(encoding="utf-8"), args.key_file)
    if args.kind == "vault":
        return custodian_key()
    from pipelines.settings import get_settings
    settings = get_settings()
    if settings.pseudonym_key and settings.pseudonym_key.get_secret_value():
        return keys.decode_key(settings.pseudonym_key.get_secret_value(), keys.KEY_ENV)
    path = workdir.vault / keys.EMBEDDED_KEY_FILE
    if path.exists() and not settings.key_required:
        return keys.decode_key(path.read_text(encoding="ascii"), str(path))
    raise keys.PseudonymKeyError(f"no {args.kind} key: set {KINDS[args.kind]}" +
                                 ("" if settings.key_required else " (or run `andanh keys init --embedded`)"))


def _emit(args, workdir: Workdir, text: str, new_id: str) -> dict:
    """Hand the new key over: to ``--out`` (0600), to the embedded key file, or to stdout."""
    if args.embedded:
        if args.kind != "pseudonym":
            raise ValueError("--embedded is for the pseudonym key only; the custodian key never lives in the data root")
        from pipelines.settings import get_settings
        if get_settings().key_required:
            raise keys.PseudonymKeyError("a key is required here (ANDANH_REQUIRE_KEY=1 or deployed mode): "
                                         "an embedded key file is not allowed")
        target = workdir.vault / keys.EMBEDDED_KEY_FILE
        write_private_bytes(target, (text + "\n").encode("ascii"))
        keys.warn(f"wrote an embedded pseudonym key to {target}: for real data use {keys.KEY_ENV} instead.")
        return {"key_id": new_id, "written_to": str(target)}
    if args.out:
        target = Path(args.out)
        if target.exists():
            raise keys.PseudonymKeyError(f"{target} exists; refusing to overwrite a key")
        write_private_bytes(target, (text + "\n").encode("ascii"))
        _say(f"wrote the new {args.kind} key ({new_id}) to {target} (0600); set {KINDS[args.kind]} from it")
        return {"key_id": new_id, "written_to": str(target)}
    print(text, flush=True)
    _say(f"new {args.kind} key {new_id}: put it in your secret store as {KINDS[args.kind]}, outside the data root")
    return {"key_id": new_id}


def cmd_keys(args) -> int:
    workdir = Workdir.at(args.workdir)
    if args.action == "fingerprint":
        kid = keys.key_id(_current_key(args, workdir))
        if args.json:
            print(json.dumps({"kind": args.kind, "key_id": kid}))
        else:
            print(kid)
        return 0
    if args.action == "init":
        if args.embedded and (workdir.vault / keys.EMBEDDED_KEY_FILE).exists():
            raise keys.PseudonymKeyError("an embedded key exists already; use `andanh keys rotate --embedded`")
        text = keys.new_key_text()
        result = _emit(args, workdir, text, keys.key_id(keys.decode_key(text)))
        if args.json:
            _say(json.dumps(result))
        return 0
    # rotate: a new key, and a ledger entry old id -> new id so every later safe table is traceable
    old_id = keys.key_id(_current_key(args, workdir))
    text = keys.new_key_text()
    new_id = keys.key_id(keys.decode_key(text))
    if args.embedded:
        old = workdir.vault / keys.EMBEDDED_KEY_FILE
        if old.exists():
            os.replace(old, old.with_name(f"pseudonym.{old_id}.retired"))
    result = _emit(args, workdir, text, new_id) | {"previous_key_id": old_id}
    with private_files():
        workdir.ensure()
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        Ledger(workdir.ledger_url()).record([LedgerEntry("keys", "keys", f"rotate-{args.kind}-{stamp}"[:32],
                                                         details={"kind": args.kind, "previous_key_id": old_id,
                                                                  "key_id": new_id})])
    _say(f"rotated the {args.kind} key {old_id} -> {new_id}. " + (
        "Tokens made with the new key do not join with earlier ones; keep the old key to re-run older batches."
        if args.kind == "pseudonym" else "Vault entries recorded with the old key still need the old key."))
    if args.json:
        _say(json.dumps(result))
    return 0


def cmd_reidentify(args) -> int:
    from pipelines.deidentify.vault import reidentify
    found = reidentify(Workdir.at(args.workdir), args.token, args.reason, domain=args.domain)
    _say(f"re-identified {found.token} ({found.domain}, batch {found.batch_id}); request {found.request_id} "
         "is in the ledger")
    if args.json:
        print(json.dumps({"token": found.token, "domain": found.domain, "batch_id": found.batch_id,
                          "value": found.value, "request_id": found.request_id}, ensure_ascii=False))
    else:
        print(found.value)
    return 0


def register_commands(command, workdir_arg) -> None:
    p = command("keys", cmd_keys, "create, rotate and fingerprint pseudonym and vault keys")
    p.add_argument("action", choices=("init", "rotate", "fingerprint"),
                   help="init: print a new key; rotate: a new key, recorded in the ledger; fingerprint: the key id")
    p.add_argument("--for", dest="kind", choices=tuple(KINDS), default="pseudonym",
                   help="pseudonym key (ANDANH_PSEUDONYM_KEY, default) or custodian vault key (ANDANH_VAULT_KEY)")
    p.add_argument("--out", help="init/rotate: write the new key to this file (0600) instead of stdout")
    p.add_argument("--embedded", action="store_true",
                   help="init/rotate: write the embedded-mode key file in the restricted zone (not when a key is required)")
    p.add_argument("--key-file", help="fingerprint/rotate: read the current key from this file")
    workdir_arg(p)

    p = command("reidentify", cmd_reidentify,
                "custodian only: the original identifier behind a token (needs ANDANH_VAULT_KEY; logged)")
    p.add_argument("--token", required=True)
    p.add_argument("--reason", required=True, help="why (written to the ledger with the request)")
    p.add_argument("--domain", help="the token's domain when the same token exists in several")
    workdir_arg(p)
