"""Readable data-quality report of a validate run: ``restricted/reports/<batch>/report.html``.

Rendered with Jinja2 from ``validation.json`` (counts, pass rates, gate) and the failure list
``restricted/quarantine/<batch>/failures.parquet`` (example values). The report stays in the
restricted zone, and still masks personal values: fields of class DIRECT-ID, QUASI-ID and FREE-TEXT
show their first two characters only (``Ng***``); codes and amounts (NON-ID, SENSITIVE-HEALTH) are
shown as they are, since they explain the failure.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import jinja2
import pyarrow.parquet as pq

from pipelines.schema import load_schema
from pipelines.workdir import Workdir

EXAMPLES_PER_RULE = 3
MASKED_CLASSES = frozenset({"DIRECT-ID", "QUASI-ID", "FREE-TEXT"})
SHOWN_CHARACTERS = 2

TEMPLATE = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Data quality: batch {{ r.batch_id }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.passed { color: #17662b; } .failed { color: #a3161b; font-weight: bold; }
.error { color: #a3161b; } .warning { color: #8a5a00; }
tr.clean td { color: #777; }
code { font-size: 0.95em; }
</style></head><body>
<h1>Data quality report, batch <code>{{ r.batch_id }}</code></h1>
<p>Schema {{ r.schema_version }}.
Gate: <span class="{{ 'passed' if r.gate.passed else 'failed' }}">{{ 'passed' if r.gate.passed else 'FAILED' }}</span>
(error rate {{ '%.4f'|format(r.gate.error_rate) }}, threshold {{ r.gate.error_threshold }}).</p>
{% if r.gate.reasons %}<ul>{% for reason in r.gate.reasons %}<li>{{ reason }}</li>{% endfor %}</ul>{% endif %}
<h2>Records</h2>
<table><tr><th></th><th>received</th><th>passed</th><th>quarantined</th></tr>
<tr><td>episodes (MA_LK)</td><td class="n">{{ r.episodes.total }}</td><td class="n">{{ r.episodes.passed }}</td>
<td class="n">{{ r.episodes.quarantined }}</td></tr>
{% if r.hoso %}<tr><td>HOSO</td><td class="n">{{ r.hoso.received }}</td><td class="n">{{ r.hoso.passed }}</td>
<td class="n">{{ r.hoso.quarantined }}</td></tr>{% endif %}
{% for t in r.tables.values() %}<tr><td>{{ t.table }} rows</td><td class="n">{{ t.received }}</td>
<td class="n">{{ t.passed }}</td><td class="n">{{ t.quarantined }}</td></tr>{% endfor %}
</table>
{% if r.schema_drift %}<h2>Schema drift</h2><ul>{% for table, d in r.schema_drift.items() %}
<li>{{ table }}: unknown {{ d.unknown }}, missing {{ d.missing }}</li>{% endfor %}</ul>{% endif %}
<h2>Rules</h2>
<p>{{ failing|length }} of {{ r.rules|length }} rules found something. Rows are named by <code>_staged_row</code>
(their position in the table's staged rows); personal values are masked.</p>
{% for table, rules in by_table %}
<h3>{{ table }}</h3>
<table><tr><th>rule</th><th>severity</th><th>rows checked</th><th>failures</th><th>pass rate</th>
<th>examples (row: field = value)</th></tr>
{% for rule in rules %}<tr class="{{ '' if rule.unexpected_count else 'clean' }}">
<td><code>{{ rule.rule_id }}</code>{% if rule.exception %}<br><span class="failed">{{ rule.exception }}</span>{% endif %}</td>
<td class="{{ rule.severity }}">{{ rule.severity }}</td><td class="n">{{ rule.element_count }}</td>
<td class="n">{{ rule.unexpected_count }}</td><td class="n">{{ '%.4f'|format(rule.pass_rate) }}</td>
<td>{% for ex in examples.get((table, rule.rule_id), []) %}{{ ex.row }}: {% for f, v in ex['values'] %}{{ f }} = <code>{{ v }}</code>{{ ', ' if not loop.last }}{% endfor %}<br>{% endfor %}</td>
</tr>{% endfor %}
</table>
{% endfor %}
</body></html>
""", autoescape=True)


def mask(value: str | None, deid_class: str | None) -> str:
    """What the report shows of a value: blank, as is (codes), or the first characters then ``***``."""
    if value is None or not str(value).strip():
        return "(blank)"
    if deid_class in MASKED_CLASSES or deid_class is None:
        return str(value)[:SHOWN_CHARACTERS] + "***"
    return str(value)


def _examples(failures_path: Path) -> dict[tuple[str, str], list[dict]]:
    """Up to three failing rows per (table, rule), each with its masked values."""
    if not failures_path.exists():
        return {}
    schema = load_schema()
    rows = pq.read_table(failures_path, columns=["table_name", "_staged_row", "rule_id", "field", "value"]).to_pylist()
    grouped: dict[tuple[str, str], dict[int, list]] = {}
    for r in rows:
        per_rule = grouped.setdefault((r["table_name"], r["rule_id"]), {})
        if r["_staged_row"] not in per_rule and len(per_rule) >= EXAMPLES_PER_RULE:
            continue
        field = schema.table(r["table_name"]).by_name.get(r["field"])
        per_rule.setdefault(r["_staged_row"], []).append(
            (r["field"], mask(r["value"], field.deid_class if field else None)))
    return {key: [{"row": row, "values": values} for row, values in sorted(per_rule.items())]
            for key, per_rule in grouped.items()}


def render_html(report: dict, examples: dict[tuple[str, str], list[dict]]) -> str:
    by_table: dict[str, list] = {}
    for rule in sorted(report["rules"], key=lambda x: (x["unexpected_count"] == 0, x["severity"], x["rule_id"])):
        by_table.setdefault(rule["table"], []).append(rule)
    failing = [rule for rule in report["rules"] if rule["unexpected_count"]]
    return TEMPLATE.render(r=report, by_table=sorted(by_table.items()), failing=failing, examples=examples)


def write_html_report(workdir: Workdir, batch_id: str) -> Path:
    """Render ``report.html`` next to ``validation.json`` of the batch; returns its path."""
    folder = workdir.reports / batch_id
    report = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    html = render_html(report, _examples(workdir.quarantine / batch_id / "failures.parquet"))
    path = folder / "report.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path
