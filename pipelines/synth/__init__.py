"""Synthetic XML 130 data with ground truth: episodes, GIAMDINHHS files, CSV extracts, PII spans, defects.

Public API::

    generate(encounters, seed, out, *, defects_rate=0.0, formats=("xml",), start_date="2025-01-01",
             days=None, progress=None, file_defects=False, workers=None) -> SynthSummary
    iter_episodes(encounters, seed, *, defects_rate=0.0, start_date="2025-01-01", days=None) -> Iterator[Episode]

Both are deterministic for a seed. See :mod:`pipelines.synth.freetext` for the PII span
conventions and :mod:`pipelines.synth.defects` for the defect kinds.
"""
from pipelines.synth.clinical import FACILITIES, Facility
from pipelines.synth.defects import DEFECT_KINDS, FILE_DEFECT_KINDS
from pipelines.synth.freetext import ENTITY_TYPES
from pipelines.synth.generator import Episode, iter_episodes
from pipelines.synth.writers import SynthSummary, generate

__all__ = ["DEFECT_KINDS", "ENTITY_TYPES", "FACILITIES", "FILE_DEFECT_KINDS", "Episode", "Facility", "SynthSummary",
           "generate", "iter_episodes"]
