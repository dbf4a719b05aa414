"""De-identify stage: validated tables of a batch -> safe tables, by the policy (``policy.yaml``).

For each batch: read the validated rows (Arrow), find the person of every episode (``person.py``:
CCCD, else the BHXH number in the card, else ``MA_BN`` within its facility), flag special-category
episodes (``special.py``), then apply the policy's action to every field of every table
(``actions.py``, per distinct value) and the free-text profile to every free-text field
(``freetext.py``: one detector pass, Presidio operators). Writes
``restricted/safe/<batch>/<table>.parquet`` and, for special-category episodes,
``restricted/safe/<batch>/special/<table>.parquet``; every table gets ``PERSON_ID`` (person
pseudonym), ``PERSON_LINK`` (how the person was linked) and ``_key_id``; the ledger gets, per table
and rule, what was done (``andanh runs --batch B``).

A batch is de-identified in shards of its episodes (``shards.py``: plan, one task per shard with its
own residual-PII gate, close), the same code in one process and as mapped Airflow tasks.

The stage itself is in ``stage.py``; its names load on first use (PEP 562), so a light submodule
(``keys``, ``keys_cli``) imports without Presidio, spaCy or Great Expectations.
"""
from __future__ import annotations

import importlib

_STAGE_NAMES = ("deidentify_batch", "DeidentifySummary", "Deidentifier", "exempt_columns", "PIECE_ROWS",
                "SPECIAL_DIR", "SPECIAL_COLUMN", "KEPT_LINEAGE")

__all__ = list(_STAGE_NAMES)


def __getattr__(name: str):
    if name not in _STAGE_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.stage"), name)
