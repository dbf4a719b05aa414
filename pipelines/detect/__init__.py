"""Vietnamese PII detection on Presidio (issue 4).

- `build_analyzer()` -> Presidio AnalyzerEngine for "vi" with only our recognizers.
- `detect_texts(texts, batch_size=, n_process=)` fast batch path; `detect_plain(texts)` baseline loop.
- `run_detect(in, out, progress)` / `run_eval(truth, pred)` + `render_eval_report` for the CLI.
- `redact_texts(texts, keep=("LOCATION",))` typed placeholders for free text; `residual_pii(texts)`
  direct identifiers still found (fail-closed gate).
- `classify_columns(df_or_table, sample_size=500)` proposes a class per column of a tabular source.
"""
from .analyzer import DIRECT_IDENTIFIERS, ENTITY_TYPES, SCORE_THRESHOLD, analyze_text, build_analyzer, resolve_overlaps, shared_analyzer
from .batch import detect_plain, detect_texts
from .cli import run_detect
from .columns import ColumnDecision, classify_columns
from .redact import PLACEHOLDERS, redact_texts, residual_pii
from .evaluate import evaluate, load_spans, render_eval_report, run_eval

__all__ = [
    "DIRECT_IDENTIFIERS", "ENTITY_TYPES", "SCORE_THRESHOLD", "analyze_text", "build_analyzer", "resolve_overlaps",
    "shared_analyzer", "detect_plain", "detect_texts", "run_detect", "evaluate", "load_spans", "render_eval_report",
    "run_eval", "ColumnDecision", "classify_columns", "PLACEHOLDERS", "redact_texts", "residual_pii",
]
