"""``bench/out/report.json`` and ``bench/out/report.md``: the scaling rows, the per-stage table beside
each floor, and every other case's rows."""
from __future__ import annotations

import datetime as dt
import json
import os
import platform

from bench.common import OUT


def write_report(scaling: list[dict], cases: list[dict], notes: list[str]) -> str:
    report = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "scaling": scaling, "results": cases, "notes": notes}
    OUT.mkdir(parents=True, exist_ok=True)
    previous = OUT / "report.json"
    if previous.exists():  # a partial run (--only, --sizes) keeps the other sizes' rows and other cases
        old = json.loads(previous.read_text())
        sizes = {r["encounters"] for r in scaling}
        report["scaling"] = sorted([r for r in old.get("scaling", []) if r["encounters"] not in sizes] + scaling,
                                   key=lambda r: r["encounters"])
        cases_now = {r["case"] for r in cases}
        report["results"] = [r for r in old.get("results", []) if r["case"] not in cases_now] + cases
    (OUT / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    text = "\n".join(markdown(report)) + "\n"
    (OUT / "report.md").write_text(text)
    return text


def markdown(report: dict) -> list[str]:
    lines = ["# AnDanh benchmark", "",
             f"{report['date']}, {report['machine']['cpus']} CPUs, Python {report['machine']['python']}", ""]
    lines += [f"- {n}" for n in report["notes"]]
    if report["scaling"]:
        lines += ["", "## andanh run, scaling (generated XML 130, five tables, free text, 2% defects)", "",
                  "| encounters | files | staged parts (xml1) | seconds | s per million | encounters/s | "
                  "two-core parse floor (HOSO/s) | share of floor | peak RSS (MB) | load before |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r['encounters']:,} | {r['files']:,} | {r['staged_parts_xml1']} | {r['seconds']} | "
                  f"{r['seconds_per_million']} | {r['encounters_per_s']} | {r['parse_floor_hoso_per_s']} | "
                  f"{r['share_of_floor']:.1%} | {r['peak_rss_mb']} | {r['load_before']} |" for r in report["scaling"]]
        for r in report["scaling"]:
            blocked = (" The residual-PII gate blocked this batch (detector findings in redacted free text): the run "
                       "stopped after de-identify, release not timed.") if r.get("gate_blocked") else ""
            lines += ["", f"### Stages, {r['encounters']:,} encounters", "",
                      f"Load average {r['load_before']} before, {r.get('load_after')} after.{blocked}", "",
                      "| stage | seconds | rows | rows/s | peak RSS so far (MB) | floor | floor seconds | x floor |",
                      "|---|---|---|---|---|---|---|---|"]
            lines += [f"| {s['stage']} | {s['seconds']} | {s['rows'] if s['rows'] is None else format(s['rows'], ',')} | {s['rows_per_s']} | {s['peak_rss_mb']} | "
                      f"{s['floor']} | {s['floor_seconds']} | {s['x_floor']} |" for s in r["stages"]]
            lines = [line.replace("| None |", "| — |").replace("| None ", "| — ") for line in lines]
    if report["results"]:
        lines += ["", "## Other cases", "", "| case | encounters | seconds | encounters/s | peak RSS (MB) |",
                  "|---|---|---|---|---|"]
        lines += [f"| {r['case']} | {r.get('encounters', '')} | {r.get('seconds', '')} | "
                  f"{r.get('encounters_per_s', '')} | {r.get('peak_rss_mb', '')} |" for r in report["results"]]
    scaleout = [r for r in report["results"] if "workers" in r]
    if scaleout:
        from bench.scaleout import markdown as scaleout_markdown
        lines += scaleout_markdown(scaleout)
    return lines
