"""Row-level research extracts: k-anonymous, l-diverse, per-project pseudonyms (see README "Research extracts").

``build_extract(workdir, request)`` reads the released safe zone and writes
``restricted/extracts/<extract_id>/extract.parquet`` and ``report.json``; :func:`anonymise` is the
data-level step (lattice search, suppression, risk and information loss) the bench calls directly.
"""
from __future__ import annotations

from pipelines.extract.anonymise import Anonymised, anonymise
from pipelines.extract.build import ExtractRefused, ExtractResult, build_extract, rekey, scope_for
from pipelines.extract.encode import QuasiIdentifier
from pipelines.extract.lattice import InfeasibleError
from pipelines.extract.request import ExtractRequest, RequestError, load_request

__all__ = ["Anonymised", "ExtractRefused", "ExtractRequest", "ExtractResult", "InfeasibleError", "QuasiIdentifier",
           "RequestError", "anonymise", "build_extract", "load_request", "rekey", "scope_for"]
