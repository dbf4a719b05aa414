"""Detection quality: per entity type precision, recall and F2 at span level (exact and overlap)
and token level, plus a confusion summary of predicted vs true types on overlapping spans.

Matching rules:
- exact: a prediction is correct if a true span has the same start, end and type.
- overlap: a prediction is correct if it overlaps (shares at least one character with) a true
  span of the same type; a true span is found if some prediction of its type overlaps it.
- token: texts are split on whitespace; a token belongs to a type if it overlaps a span of that
  type. Needs the texts (`texts_path`, lines {"id","text"}); without them, characters are the unit.
- token_strict (the CI gate): same units, but a true token counts as found only when every one of
  its characters that lies in a true span of the type is covered by predictions of that type (a
  name cut after its first syllable, or a phone number missing its last group, is a miss for the
  uncovered tokens, and a one-character overlap no longer counts). Precision is the token
  precision. Its rows also carry `span_recall`: the share of true spans whose every character is
  covered by predictions of their type (an identifier found whole).
Texts absent from the truth file have no true spans.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from .entities import DIRECT_IDENTIFIERS

_TOKEN = re.compile(r"\S+")


def _read_jsonl(path: Path | str, kind: str):
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{kind} file line {number}: invalid JSON ({exc.msg})") from None
            if not isinstance(record, dict) or "id" not in record:
                raise ValueError(f"{kind} file line {number}: expected an object with an 'id'")
            yield number, record


def load_spans(path: Path | str, kind: str) -> dict[str, list[tuple[int, int, str]]]:
    """Spans per text id from either one-span-per-line or grouped {"id","entities":[...]} lines."""
    spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for number, record in _read_jsonl(path, kind):
        key = str(record["id"])
        items = record["entities"] if "entities" in record else ([record] if "start" in record else [])
        for item in items:
            try:
                start, end, entity_type = int(item["start"]), int(item["end"]), str(item["entity_type"])
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{kind} file line {number}: span needs integer start, end and an entity_type") from None
            if start < 0 or end <= start:
                raise ValueError(f"{kind} file line {number}: span has end <= start")
            spans[key].append((start, end, entity_type))
        spans.setdefault(key, [])
    return dict(spans)


def _prf(tp_pred: int, n_pred: int, tp_true: int, n_true: int) -> dict:
    precision = tp_pred / n_pred if n_pred else (1.0 if n_true == 0 else 0.0)
    recall = tp_true / n_true if n_true else 1.0
    f2 = 5 * precision * recall / (4 * precision + recall) if (precision + recall) else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f2": round(f2, 4),
            "support": n_true, "predicted": n_pred}


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _covered_chars(spans: list[tuple[int, int, str]]) -> dict[str, set[int]]:
    """Character positions covered by the spans, per entity type."""
    covered: dict[str, set[int]] = defaultdict(set)
    for start, end, entity_type in spans:
        covered[entity_type].update(range(start, end))
    return covered


def evaluate(truth: dict, pred: dict, texts: dict[str, str] | None = None) -> dict:
    """Per-type scores at every level of the module docstring, plus the type confusion."""
    ids = sorted(set(truth) | set(pred))
    types = sorted({s[2] for spans in truth.values() for s in spans} | {s[2] for spans in pred.values() for s in spans})
    counts = {level: defaultdict(Counter) for level in ("exact", "overlap", "token", "token_strict")}
    whole: dict[str, Counter] = defaultdict(Counter)
    confusion: Counter = Counter()
    for key in ids:
        true_spans, pred_spans = truth.get(key, []), pred.get(key, [])
        true_set = set(true_spans)
        for p in pred_spans:
            c = counts["exact"][p[2]]
            c["pred"] += 1
            c["tp_pred"] += p in true_set
            c = counts["overlap"][p[2]]
            c["pred"] += 1
            c["tp_pred"] += any(_overlaps(p, t) and t[2] == p[2] for t in true_spans)
            if not any(_overlaps(p, t) for t in true_spans):
                confusion[("(none)", p[2])] += 1
        pred_set = set(pred_spans)
        for t in true_spans:
            c = counts["exact"][t[2]]
            c["true"] += 1
            c["tp_true"] += t in pred_set
            c = counts["overlap"][t[2]]
            c["true"] += 1
            c["tp_true"] += any(_overlaps(p, t) and t[2] == p[2] for p in pred_spans)
            overlapping = sorted({p[2] for p in pred_spans if _overlaps(p, t)})
            for predicted_type in overlapping or ["(missed)"]:
                confusion[(t[2], predicted_type)] += 1
        # Token level (characters when the text is unknown).
        if texts is not None and key in texts:
            units = [(m.start(), m.end()) for m in _TOKEN.finditer(texts[key])]
        else:
            bounds = [b for s in true_spans + pred_spans for b in range(s[0], s[1])]
            units = [(b, b + 1) for b in sorted(set(bounds))]
        covered = _covered_chars(pred_spans)
        for t in true_spans:
            whole[t[2]]["true"] += 1
            whole[t[2]]["found"] += all(i in covered.get(t[2], ()) for i in range(t[0], t[1]))
        true_chars = _covered_chars(true_spans)
        for unit in units:
            true_types = {t[2] for t in true_spans if unit[0] < t[1] and t[0] < unit[1]}
            pred_types = {p[2] for p in pred_spans if unit[0] < p[1] and p[0] < unit[1]}
            for entity_type in true_types:
                counts["token"][entity_type]["true"] += 1
                counts["token"][entity_type]["tp_true"] += entity_type in pred_types
                needed = true_chars[entity_type].intersection(range(unit[0], unit[1]))
                counts["token_strict"][entity_type]["true"] += 1
                counts["token_strict"][entity_type]["tp_true"] += needed <= covered.get(entity_type, set())
            for entity_type in pred_types:
                for level in ("token", "token_strict"):
                    counts[level][entity_type]["pred"] += 1
                    counts[level][entity_type]["tp_pred"] += entity_type in true_types
    report: dict = {"texts": len(ids), "token_unit": "token" if texts is not None else "char", "levels": {}}
    for level, per_type in counts.items():
        rows = {t: _prf(per_type[t]["tp_pred"], per_type[t]["pred"], per_type[t]["tp_true"], per_type[t]["true"]) for t in types}
        for label, selected in (("ALL", types), ("DIRECT_IDENTIFIERS", [t for t in types if t in DIRECT_IDENTIFIERS])):
            total = Counter()
            for t in selected:
                total.update(per_type[t])
            rows[label] = _prf(total["tp_pred"], total["pred"], total["tp_true"], total["true"])
            if level == "token_strict":
                found = sum(whole[t]["found"] for t in selected)
                n_true = sum(whole[t]["true"] for t in selected)
                rows[label]["span_recall"] = round(found / n_true, 4) if n_true else 1.0
        if level == "token_strict":
            for t in types:
                rows[t]["span_recall"] = round(whole[t]["found"] / whole[t]["true"], 4) if whole[t]["true"] else 1.0
        report["levels"][level] = rows
    report["confusion"] = [
        {"true": true_type, "predicted": predicted_type, "count": n}
        for (true_type, predicted_type), n in sorted(confusion.items())
    ]
    return report


def load_texts(path: Path | str) -> dict[str, str]:
    return {str(r["id"]): str(r.get("text", "")) for _, r in _read_jsonl(path, "texts")}


def run_eval(truth_path: Path | str, pred_path: Path | str, texts_path: Path | str | None = None) -> dict:
    """Compare predictions (detect output or span lines) with truth spans; see module docstring."""
    texts = load_texts(texts_path) if texts_path else None
    return evaluate(load_spans(truth_path, "truth"), load_spans(pred_path, "prediction"), texts)


def render_eval_report(report: dict) -> str:
    lines = [f"Texts: {report['texts']}"]
    for level, rows in report["levels"].items():
        unit = f" ({report['token_unit']})" if level.startswith("token") else ""
        lines.append("")
        lines.append(f"[{level}{unit}]")
        whole = level == "token_strict"
        lines.append(f"{'entity_type':<20} {'precision':>9} {'recall':>7} {'f2':>7} {'support':>8} {'predicted':>9}"
                     + (f" {'whole spans':>11}" if whole else ""))
        for name, row in rows.items():
            lines.append(
                f"{name:<20} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f2']:>7.3f} {row['support']:>8} {row['predicted']:>9}"
                + (f" {row['span_recall']:>11.3f}" if whole else "")
            )
    lines.append("")
    lines.append("[confusion: true type -> predicted type, overlapping spans]")
    for row in report["confusion"]:
        if row["true"] != row["predicted"]:
            lines.append(f"{row['true']:<20} -> {row['predicted']:<20} {row['count']:>6}")
    return "\n".join(lines)
