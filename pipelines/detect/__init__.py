"""Vietnamese PII detection on Presidio (issue 4).

- `build_analyzer()` -> Presidio AnalyzerEngine for "vi" with only our recognizers.
- `detect_texts(texts, batch_size=, n_process=)` fast batch path; `detect_plain(texts)` baseline loop.
- `run_detect(in, out, progress)` / `run_eval(truth, pred)` + `render_eval_report` for the CLI.
- `redact_texts(texts, keep=("LOCATION",))` typed placeholders for free text; `residual_pii(texts)`
  direct identifiers still found (fail-closed gate).
- `classify_columns(df_or_table, sample_size=500)` proposes a class per column of a tabular source.

The names are loaded on first use (PEP 562): importing a light submodule such as
``pipelines.detect.phoner`` for the command line does not load Presidio and spaCy.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "analyzer": ("DIRECT_IDENTIFIERS", "ENTITY_TYPES", "SCORE_THRESHOLD", "analyze_text", "build_analyzer",
                 "resolve_overlaps", "shared_analyzer"),
    "batch": ("detect_plain", "detect_texts"),
    "cli": ("run_detect",),
    "columns": ("ColumnDecision", "classify_columns"),
    "redact": ("PLACEHOLDERS", "redact_texts", "residual_pii"),
    "evaluate": ("evaluate", "load_spans", "render_eval_report", "run_eval"),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
