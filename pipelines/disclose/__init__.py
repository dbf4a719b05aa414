"""Disclose stage: ``protect(inner, tables, *, count, sums, params, prior)`` (INTERFACES.md, the sdc work).

The single-dataset small-cell suppression that lived here is gone with the hard-wired dataset. Until
the sdc work's ``protect`` lands here, :func:`pipelines.run.release` uses the TEMPORARY stand-in
:func:`pipelines.datasets.interim.protect`.
"""
