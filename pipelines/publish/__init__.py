"""Publish stage: ``publish_release(workdir, spec, version, tables, *, metadata)`` (INTERFACES.md, the publish work).

The single-dataset publisher that lived here is gone with the hard-wired dataset. Until the publish
work's ``publish_release`` lands here, :func:`pipelines.run.release` uses the TEMPORARY stand-in
:func:`pipelines.datasets.interim.publish_release`.
"""
from pipelines.datasets.interim import DUCKDB_FILE

__all__ = ["DUCKDB_FILE"]
