"""``andanh``: the command line of the pipeline. Results go to stdout, progress and errors to stderr.

Exit codes: 0 done; 1 failed (nothing could be processed, or a stage failed); 2 wrong usage;
3 the data-quality gate closed (nothing published from that batch).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

from pipelines import __version__

EXIT_FAILED, EXIT_USAGE, EXIT_GATE = 1, 2, 3


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress_bar(label: str, unit: str = "file"):
    """A tqdm bar on stderr when it is a terminal; a plain line every tenth otherwise."""
    from pipelines.progress import progress_bar
    return progress_bar(label, unit=unit)


def _workdir(args):
    from pipelines.workdir import Workdir
    return Workdir.at(args.workdir)


def _print(args, data: dict, lines: list[str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(lines))


def cmd_synth(args) -> int:
    from pipelines import synth
    formats = ("xml", "csv") if args.csv else ("xml",)
    summary = synth.generate(args.encounters, args.seed, Path(args.out), defects_rate=args.defects,
                             formats=formats, progress=_progress_bar("synth", "encounter"))
    if args.his_url:
        import sqlalchemy as sa
        from pipelines.synth.his_seed import seed_his
        engine = sa.create_engine(args.his_url)
        seeded = seed_his(engine, args.encounters, args.seed, schema=args.his_schema,
                          progress=_progress_bar("seed HIS", "encounter"))
        _stderr(f"seeded HIS schema {args.his_schema!r} at {engine.url.render_as_string(hide_password=True)}: "
                + ", ".join(f"{t} {n}" for t, n in sorted(seeded.items())))
    data = summary.to_dict() if hasattr(summary, "to_dict") else vars(summary)
    _print(args, data, [f"{k}: {v}" for k, v in data.items()])
    return 0


def _ingest_lines(summary) -> list[str]:
    lines = [f"batch {summary.batch_id}: {len(summary.files)} file(s)"]
    lines += [f"  staged {table}: {n} rows" for table, n in summary.staged.items()]
    lines.append(f"  rejected: {summary.rejected} record(s)")
    for f in summary.files:
        if f.rejects:
            lines.append(f"    {Path(f.path).name}: {f.rejects} reject(s){' (whole file)' if f.error else ''}")
    return lines


def cmd_ingest(args) -> int:
    from pipelines.ingest import ingest
    summary = ingest(args.source, _workdir(args), batch_id=args.batch_id, interval_start=args.interval_start,
                     interval_end=args.interval_end, progress=_progress_bar("ingest"))
    lines = _ingest_lines(summary) + [f"rejects: {_workdir(args).rejects}"]
    _print(args, summary.to_dict(), lines)
    return 0 if summary.anything_processed else EXIT_FAILED


def cmd_his_pull(args) -> int:
    from pipelines.ingest import his
    url = args.url or his.his_url_from_env()
    summary = his.pull_his(url, _workdir(args), interval_start=args.interval_start, interval_end=args.interval_end,
                           batch_id=args.batch_id, schema=args.schema)
    _print(args, summary.to_dict(), _ingest_lines(summary))
    return 0


def cmd_validate(args) -> int:
    from pipelines import quality
    from pipelines.run import error_threshold_from_env
    threshold = args.error_threshold if args.error_threshold is not None else error_threshold_from_env()
    summary = quality.validate_batch(_workdir(args), args.batch, error_threshold=threshold, shards=args.shards)
    data = summary.to_dict() if hasattr(summary, "to_dict") else vars(summary)
    data["report"] = summary.html_report_path
    _print(args, data, [f"{k}: {v}" for k, v in data.items() if not isinstance(v, (dict, list))])
    return 0 if summary.gate_passed else EXIT_GATE


def cmd_deidentify(args) -> int:
    from pipelines.deidentify import deidentify_batch
    from pipelines.deidentify.gate import ResidualPIIError
    try:
        summary = deidentify_batch(_workdir(args), args.batch, policy_path=args.policy, shards=args.shards)
    except ResidualPIIError as exc:  # the safe output still holds identifiers: blocked from every later stage
        _stderr(f"andanh deidentify: residual-PII gate closed: {exc}")
        return EXIT_GATE
    _print(args, vars(summary), [f"{t}: {n} rows de-identified ({summary.special_rows.get(t, 0)} in the special "
                                  "compartment)" for t, n in summary.rows.items()]
           + [f"policy {summary.policy_version}, key {summary.key_id}; episodes linked by "
              + ", ".join(f"{k} {v}" for k, v in summary.linked_by.items()),
              "special-category episodes: " + (", ".join(f"{k} {v}" for k, v in summary.special_episodes.items())
                                              or "none")])
    return 0


def cmd_run(args) -> int:
    from pipelines.quality import QualityGateError
    from pipelines.run import run_pipeline
    workdir = _workdir(args)
    try:
        s = run_pipeline(args.source, workdir, batch_id=args.batch_id, error_threshold=args.error_threshold,
                         progress=_stderr, file_progress=_progress_bar("ingest"))
    except QualityGateError as exc:
        _stderr(f"andanh: quality gate closed, nothing published: {exc}")
        return EXIT_GATE
    _print(args, vars(s), _summary_lines(s, workdir))
    return 0


def cmd_summary(args) -> int:
    from pipelines.run import summarize
    workdir = _workdir(args)
    s = summarize(workdir, args.batch)
    _print(args, vars(s), _summary_lines(s, workdir))
    return 0


def _summary_lines(s, workdir) -> list[str]:
    lines = [
        f"batch {s.batch_id}",
        f"  in:          {s.received_hoso} treatment records (HOSO); rows staged: "
        + ", ".join(f"{t} {n}" for t, n in s.staged.items()),
        f"  rejected:    {s.rejected_hoso} records at parse (see {workdir.rejects})",
        f"  quarantined: {s.quarantined_episodes} records (see {workdir.quarantine / s.batch_id})",
        f"  passed:      {s.passed_episodes} records",
        f"  published:   {s.published_cells} cells in {len(s.releases)} dataset(s), {s.suppressed_cells} suppressed",
    ]
    lines += [f"release:  {r['dataset']} {r['version']} (periods {', '.join(r['periods'])}; visible "
              f"{r['visible_share']:.1%}) at {r['path']}" for r in s.releases if r.get("visible_share") is not None]
    lines += [f"release:  {r['dataset']} {r['version']} (periods {', '.join(r['periods'])}; differential privacy, "
              f"ε spent {r['epsilon_spent']:g}) at {r['path']}" for r in s.releases if r.get("epsilon_spent") is not None]
    lines += [f"DuckDB:   {s.duckdb_path}", f"quality report: {s.report_path}", "query it:",
              f"  {'.venv/bin/andanh' if Path('.venv/bin/andanh').exists() else 'andanh'} query --db {s.duckdb_path} "
              "\"SELECT quarter, month, icd10_chapter, encounters, total_cost_vnd FROM encounters__national_month_chapter "
              "WHERE NOT suppressed ORDER BY ALL\""]
    return lines


def cmd_query(args) -> int:
    from pipelines.publish.cli import run_query
    return run_query(args)


def cmd_runs(args) -> int:
    from pipelines.ledger import Ledger
    from pipelines.quality.reconcile import check
    entries = Ledger(_workdir(args).ledger_url()).entries(args.batch)
    lines = [f"{'batch':<17} {'stage':<11} {'table':<8} {'received':>9} {'passed':>9} {'quarant.':>9} "
             f"{'rejected':>9}  balanced"]
    lines += [f"{e.batch_id:<17} {e.stage:<11} {e.table_name:<8} {e.received:>9} {e.passed:>9} {e.quarantined:>9} "
              f"{e.rejected:>9}  {'yes' if e.balanced else 'NO'}" for e in entries]
    # Reconciliation of every validated batch: HOSO received = passed + quarantined + rejected at parse.
    validated = sorted({e.batch_id for e in entries if e.stage == "validate"})
    reconciled = {b: check(entries, b) for b in validated}
    for batch_id, result in reconciled.items():
        hoso = next((e for e in result.entries if e.table_name == "hoso"), None)
        counts = (f"HOSO received {hoso.received} = passed {hoso.passed} + quarantined {hoso.quarantined} + "
                  f"rejected at parse {hoso.rejected}") if hoso else ""
        lines.append(f"{batch_id}: reconciled, {counts}" if result.balanced
                     else f"{batch_id}: DOES NOT RECONCILE: {'; '.join(result.problems)}")
    if args.batch:  # what the de-identification policy did, rule by rule
        lines += deidentify_lines(entries)
    data = {"entries": [vars(e) for e in entries],
            "reconciliation": {b: {"balanced": r.balanced, "problems": r.problems} for b, r in reconciled.items()}}
    _print(args, data, lines)
    ok = all(e.balanced for e in entries) and all(r.balanced for r in reconciled.values())
    return 0 if ok else EXIT_FAILED


def deidentify_lines(entries) -> list[str]:
    """Per table and rule: field, action, what it did (counts only, never values)."""
    lines = []
    for e in entries:
        if e.stage != "deidentify":
            continue
        d = e.details
        if e.table_name == "persons":
            lines.append(f"deidentify: policy {d.get('policy_version')}, key {d.get('key_id')}; episodes linked by "
                         + ", ".join(f"{k} {v}" for k, v in d.get("linked_by", {}).items()))
        elif e.table_name == "special":
            lines.append("deidentify: special-category episodes "
                         + (", ".join(f"{k} {v}" for k, v in d.get("episodes_by_category", {}).items()) or "none")
                         + f" (kept apart in {d.get('compartment')})")
        for output, r in sorted(d.get("rules", {}).items()):
            counts = ", ".join(f"{k} {v}" for k, v in r.items() if isinstance(v, int))
            entities = ", ".join(f"{k} {v}" for k, v in (r.get("entities") or {}).items())
            target = f" -> {output}" if output != r.get("field") else ""
            lines.append(f"  {e.table_name} {r.get('field')}{target}: {r.get('action')} ({r.get('rule')}) "
                         f"{counts}{'; ' + entities if entities else ''}")
    return lines


def cmd_quarantine(args) -> int:
    from pipelines.quality import quarantine
    workdir = _workdir(args)
    if args.action == "list":
        episodes = quarantine.list_episodes(workdir, args.batch, include_resolved=args.all)
        lines = [f"{ep.batch_id}  {ep.ma_lk}  {ep.status}  rows "
                 + ",".join(f"{t}:{n}" for t, n in sorted(ep.rows.items())) + "  " + ";".join(ep.rule_ids)
                 for ep in episodes]
        lines.append(f"{len(episodes)} quarantined episode(s){'' if args.all else ' open'}")
        _print(args, {"episodes": [vars(ep) | {"status": ep.status} for ep in episodes]}, lines)
        return 0
    if args.action == "show":
        if not args.ma_lk:
            raise ValueError("show needs the MA_LK of the episode")
        failures = quarantine.show_episode(workdir, args.ma_lk, args.batch)
        if not failures:
            raise KeyError(f"no quarantined episode with that MA_LK{' in batch ' + args.batch if args.batch else ''}")
        lines = [f"{f['batch_id']}  {f['table']} row {f['row']}  {f['severity']:<7}  {f['rule_id']}  "
                 f"{f['field']} = {f['value']!r}" + (f"  (replayed in {f['replayed_in']})" if f["replayed_in"] else "")
                 for f in failures]
        _print(args, {"failures": failures}, lines)
        return 0
    if not args.batch:
        raise ValueError(f"{args.action} needs --batch")
    if args.action == "export":
        written = quarantine.export_episodes(workdir, args.batch, args.out, args.ma_lk and [args.ma_lk])
        folder = quarantine.export_dir(workdir, args.batch, args.out)
        _print(args, {t: str(p) for t, p in written.items()},
               [f"wrote {p}" for p in written.values()] + ["edit the values, then: andanh quarantine replay "
                                                           f"--batch {args.batch} --fixes {folder}"])
        return 0
    # replay: stage the fixes as a new batch, then validate, de-identify and publish it like any batch
    from pipelines.quality import QualityGateError
    from pipelines.run import finish_batch
    if not args.fixes:
        raise ValueError("replay needs --fixes DIR")
    staged = quarantine.stage_replay(workdir, args.batch, args.fixes)
    _stderr(f"replay of {len(staged.episodes)} episode(s) from {args.batch} as batch {staged.replay_batch}")
    try:
        s = finish_batch(workdir, staged.replay_batch, error_threshold=args.error_threshold, say=_stderr)
    except QualityGateError as exc:
        _stderr(f"andanh: quality gate closed for the replay, nothing published: {exc}")
        return EXIT_GATE
    quarantine.mark_resolved(workdir, staged)
    _print(args, vars(s) | {"replay_of": args.batch, "episodes": staged.episodes},
           [f"replayed {len(staged.episodes)} episode(s) of {args.batch}; marked resolved"] + _summary_lines(s, workdir))
    return 0


def cmd_schema(args) -> int:
    from pipelines.schema.docs import data_dictionary
    print(data_dictionary(args.version), end="")
    return 0


def cmd_detect(args) -> int:
    from pipelines.detect import cli as detect_cli
    inp = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    try:
        detect_cli.run_detect(inp, out, sys.stderr)
    finally:
        for fh in (inp, out):
            if fh not in (sys.stdin, sys.stdout):
                fh.close()
    return 0


def cmd_eval_detect(args) -> int:
    # The package exports a function named `evaluate`, which hides the submodule of that name.
    from pipelines.detect import render_eval_report, run_eval
    report = run_eval(args.truth, args.pred, args.texts)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render_eval_report(report))
    return 0


def cmd_classify_columns(args) -> int:
    from dataclasses import asdict

    from pipelines.detect import columns
    try:
        decisions = columns.classify_columns(columns.read_table(args.input), sample_size=args.sample)
    except (OSError, ValueError) as exc:
        _stderr(f"andanh: classify-columns: {exc}")
        return EXIT_FAILED
    if args.json:
        print(json.dumps([asdict(d) for d in decisions], ensure_ascii=False, indent=2))
        return 0
    for d in decisions:
        entity = f" {d.entity_type}" if d.entity_type else ""
        print(f"{d.column}: {d.deid_class}{entity} (confidence {d.confidence:.2f}, {d.method})")
    print("\n# paste into config to confirm:")
    print(columns.render_yaml(decisions), end="")
    return 0


def cmd_config(args) -> int:
    from pipelines.settings import get_settings
    values = get_settings(workdir=getattr(args, "workdir", None)).masked()
    _print(args, values, [f"{k}: {'' if v is None else v}" for k, v in values.items()])
    return 0


# Modules with a ``register_commands(command, workdir_arg)`` function adding their sub-commands:
# ``command(name, func, help)`` returns an argparse parser, ``workdir_arg(parser)`` adds --workdir.
COMMAND_MODULES: tuple[str, ...] = (
    "pipelines.detect.phoner",
    "pipelines.deidentify.keys_cli",
    "pipelines.datasets.cli",
    "pipelines.extract.cli",
    "pipelines.publish.cli",
    "pipelines.retention_cli",
    "pipelines.govern.cli",
    "pipelines.portal.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="andanh", description=(
        "De-identify Vietnamese KCB (XML 130) treatment data and publish safe aggregates."),
        epilog="Exit codes: 0 done, 1 failed, 2 wrong usage, 3 data-quality gate closed.")
    parser.add_argument("--version", action="version", version=f"andanh {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log stage details on stderr")
    parser.add_argument("--log-format", choices=("text", "json"), default=None,
                        help="log lines as text or as JSON objects with stage and batch_id (default: "
                             "$ANDANH_LOG_FORMAT or text)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        return p

    def workdir_arg(p):
        p.add_argument("--workdir", default=None,
                       help="data root holding every zone (default: $ANDANH_WORKDIR or ./andanh-data)")

    p = command("synth", cmd_synth, "generate a synthetic XML 130 data set with PII ground truth")
    p.add_argument("--encounters", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="output folder (xml/, csv/, truth/)")
    p.add_argument("--defects", type=float, default=0.0, metavar="RATE", help="share of episodes with one defect")
    p.add_argument("--csv", action="store_true", help="also write CSV extracts")
    p.add_argument("--his-url", help="also seed a HIS database (SQLAlchemy URL)")
    p.add_argument("--his-schema", default="his")

    p = command("ingest", cmd_ingest, "land and stage XML 130, CSV or Parquet files as Parquet")
    p.add_argument("--source", required=True, help="a file or a folder")
    workdir_arg(p)
    p.add_argument("--batch-id")
    p.add_argument("--interval-start")
    p.add_argument("--interval-end")

    p = command("his-pull", cmd_his_pull, "pull paid episodes from a HIS database, incrementally")
    p.add_argument("--url", help="SQLAlchemy URL (default: $ANDANH_HIS_URL)")
    p.add_argument("--schema", default="his")
    workdir_arg(p)
    p.add_argument("--batch-id")
    p.add_argument("--interval-start", help="yyyymmddHHMM, exclusive (default: the stored watermark)")
    p.add_argument("--interval-end", help="yyyymmddHHMM, inclusive")

    p = command("validate", cmd_validate, "check a staged batch with the Great Expectations suites")
    workdir_arg(p)
    p.add_argument("--batch", required=True)
    p.add_argument("--error-threshold", type=float, help="largest share of quarantined records (default 0.2)")
    p.add_argument("--shards", type=int, help="shards of the batch's episodes, validated one after the other "
                   "(default ANDANH_VALIDATE_SHARDS, else 1)")

    p = command("deidentify", cmd_deidentify, "apply the de-identification policy to a validated batch")
    workdir_arg(p)
    p.add_argument("--batch", required=True)
    p.add_argument("--policy", help="policy YAML (default: the built-in policy)")
    p.add_argument("--shards", type=int, help="shards of the batch's episodes, de-identified one after the other "
                   "(default ANDANH_DEIDENTIFY_SHARDS, else the cores)")

    p = command("run", cmd_run, "run every stage for a source: ingest to publish")
    p.add_argument("--source", required=True, help="a file or a folder")
    workdir_arg(p)
    p.add_argument("--batch-id")
    p.add_argument("--error-threshold", type=float)

    p = command("runs", cmd_runs, "show the run ledger: where every record of a batch went")
    workdir_arg(p)
    p.add_argument("--batch")

    p = command("quarantine", cmd_quarantine, "review, export, fix and replay quarantined episodes (restricted)")
    p.add_argument("action", choices=("list", "show", "export", "replay"),
                   help="list episodes; show one MA_LK; export rows to CSV for fixing; replay the fixed CSV")
    p.add_argument("ma_lk", nargs="?", help="show/export: the episode's MA_LK")
    workdir_arg(p)
    p.add_argument("--batch", help="batch id (list/show: every batch by default)")
    p.add_argument("--all", action="store_true", help="list: include episodes already replayed")
    p.add_argument("--out", help="export: folder for xml1.csv ... xml5.csv (default: restricted/quarantine/BATCH/export)")
    p.add_argument("--fixes", help="replay: folder with the corrected CSV/Parquet files")
    p.add_argument("--error-threshold", type=float, help="replay: largest share of quarantined records")

    p = command("summary", cmd_summary, "where the records of a batch went and where the release is")
    workdir_arg(p)
    p.add_argument("--batch", help="batch id (default: the latest)")

    p = command("query", cmd_query, "run one SELECT on the published views (sandboxed: no files, time and row limits)")
    p.add_argument("sql", help="the SQL, or - to read it from stdin")
    p.add_argument("--db", help="DuckDB file (default: WORKDIR/published/andanh.duckdb)")
    workdir_arg(p)
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.add_argument("--max-rows", type=int, default=1000, help="rows returned at most (default 1000)")
    p.add_argument("--timeout", type=float, default=30, help="seconds before the query is stopped (default 30)")

    p = command("schema", cmd_schema, "print the XML 130 data dictionary (Markdown) from the schema registry")
    p.add_argument("--version", dest="version", default=None)

    p = command("detect", cmd_detect, "detect PII in JSONL texts ({\"id\", \"text\"} per line)")
    p.add_argument("--input", default="-", help="JSONL input, - for stdin")
    p.add_argument("--output", default="-", help="JSONL output, - for stdout")

    p = command("eval-detect", cmd_eval_detect, "score predicted PII spans against ground truth")
    p.add_argument("--truth", required=True)
    p.add_argument("--pred", required=True)
    p.add_argument("--texts", help="the texts (JSONL {id, text}) for token-level scores")

    p = command("classify-columns", cmd_classify_columns,
                "propose a de-identification class per column of a CSV/Parquet file (sampled values, column names)")
    p.add_argument("--input", required=True, help="a .csv or .parquet file")
    p.add_argument("--sample", type=int, default=500, help="non-empty values sampled per column (default 500)")

    command("config", cmd_config, "print the effective settings (environment and defaults), secrets masked")
    for module in COMMAND_MODULES:  # each stage package adds its own commands
        importlib.import_module(module).register_commands(command, workdir_arg)
    return parser


def _local_database_full(error: BaseException) -> bool:
    """SQLite's words for a write the file system refused (a full disk, RLIMIT_FSIZE)."""
    import sqlite3
    text = str(error).lower()
    return isinstance(error, sqlite3.Error) and ("disk i/o error" in text or "disk is full" in text)


def _configure_logging(args) -> None:
    from pipelines.logs import configure_cli_logging
    from pipelines.settings import get_settings
    configure_cli_logging(args.verbose, args.log_format or get_settings().log_format)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _configure_logging(args)
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError, KeyError, PermissionError) as exc:
        _stderr(f"andanh {args.command}: error: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `andanh ingest ... | head`: the reader left, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a full disk, a file-size limit, a read-only mount
        _stderr(f"andanh {args.command}: error: file system: {exc.strerror or exc}"
                f"{f' ({exc.filename})' if exc.filename else ''}; releases are moved into place whole, "
                "so none is half-written: free space and run the same command again")
        return EXIT_FAILED
    except Exception as exc:
        if not type(exc).__module__.startswith("sqlalchemy"):
            raise
        orig = getattr(exc, "orig", None) or exc  # the driver's message, without SQLAlchemy's parameter echo
        if _local_database_full(orig):
            _stderr(f"andanh {args.command}: error: file system: the SQLite ledger could not be written ({orig}: "
                    "no space left or the file-size limit reached); free space and run the same command again")
            return EXIT_FAILED
        _stderr(f"andanh {args.command}: error: database unreachable or failing "
                f"({type(orig).__name__}: {str(orig).strip().splitlines()[0] if str(orig).strip() else '-'}); "
                "check ANDANH_LEDGER_URL and run the same command again")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
