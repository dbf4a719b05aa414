"""Publish stage: immutable, signed, versioned releases in ``published/`` and the DuckDB catalog.

- :func:`publish_release` (:mod:`.release`): audit (:mod:`.audit`), write, sign and publish one release.
- :mod:`.catalog`: ``published/andanh.duckdb``, ``LATEST`` pointers, the archive of retired releases.
- :mod:`.verify`: signature and checksums of a release folder (``andanh verify``).
- :mod:`.sandbox`: governed read-only SQL over the catalog (``andanh query``, the portal).

:func:`pipelines.run.release` calls :func:`publish_release` for every declared dataset.
"""
from __future__ import annotations

from pipelines.publish.audit import ReleaseAuditError
from pipelines.publish.catalog import DUCKDB_FILE, rebuild_catalog
from pipelines.publish.release import PublishSummary, ReleaseExistsError, publish_release
from pipelines.publish.spec import POLICY_MIN_COUNT_FLOOR, POLICY_ROUND_FLOOR

__all__ = ["DUCKDB_FILE", "POLICY_MIN_COUNT_FLOOR", "POLICY_ROUND_FLOOR", "PublishSummary", "ReleaseAuditError",
           "ReleaseExistsError", "publish_release", "rebuild_catalog"]
