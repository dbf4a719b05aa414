"""No false positives: 100,000 clean synthetic encounters (across the 2025-07-01 reform) pass every rule."""
from __future__ import annotations

import pytest

from pipelines.ingest import ingest
from pipelines.quality import reconcile, validate_batch
from pipelines.synth import generate
from pipelines.workdir import Workdir

ENCOUNTERS = 100_000


@pytest.mark.slow
def test_100k_clean_encounters_raise_no_error_and_no_warning(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean100k")
    generate(ENCOUNTERS, 3, root / "synth", start_date="2025-06-01", days=60)
    workdir = Workdir.at(root / "work").ensure()
    ingest(root / "synth" / "xml", workdir, batch_id="bclean100k")
    summary = validate_batch(workdir, "bclean100k")

    errors = {r.rule_id: r.unexpected_count for r in summary.rules if r.severity == "error" and r.unexpected_count}
    warnings = {r.rule_id: r.unexpected_count for r in summary.rules
                if r.severity == "warning" and r.unexpected_count}
    assert errors == {}
    assert summary.quarantined_episodes == 0 and summary.episodes == ENCOUNTERS
    assert warnings == {}
    assert summary.gate_passed and not any(r.exception for r in summary.rules)
    hoso = next(e for e in reconcile(workdir, "bclean100k").entries if e.table_name == "hoso")
    assert (hoso.received, hoso.passed, hoso.quarantined, hoso.rejected) == (ENCOUNTERS, ENCOUNTERS, 0, 0)
