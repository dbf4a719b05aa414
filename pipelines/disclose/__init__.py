"""Disclose stage: statistical disclosure control of the aggregate tables of a release.

``protect(inner, tables, count=..., sums=..., params=SdcParams(...), prior=...)`` builds every table's
cells from the inner cells (full grid of observed categories, zero cells included, subtotals along
declared hierarchies and a total per dimension), then:

1. primary suppression: counts 1..min_count-1; zero cells are shown the same way (suppressed, NULL), so
   an empty cell cannot be told from a small one;
2. dominance on money sums ((n, k) and p% rules, from each cell's two largest contributions): the sums
   are withheld (count still published);
3. secondary suppression by Gaussian elimination over the model matrix of all cells of all tables of the
   release and of earlier releases (:mod:`pipelines.disclose.gauss`), for counts and again for sums;
4. rounding of published counts to the nearest ``round_to``; totals either true totals rounded or the
   sum of the published rounded cells (``totals``);
5. the interval audit (:mod:`pipelines.disclose.audit`: certificates from witness directions, local LPs,
   the full LP for the rest, within ``audit_seconds``) and extra suppression where it finds a cell
   narrowed below its protection level, repeated until it finds none; a period whose audit still has
   findings after its rounds or its time cap is refused (:class:`FindingsLeft`), never released.

:func:`pipelines.run.release` calls ``protect`` once per closed period of every declared dataset.
"""
from pipelines.disclose.audit import AuditFinding, audit_intervals, audit_release
from pipelines.disclose.cells import PublishedTable, TableRequest
from pipelines.disclose.params import SdcParams
from pipelines.disclose.protect import FindingsLeft, ProtectedRelease, protect

__all__ = ["AuditFinding", "FindingsLeft", "ProtectedRelease", "PublishedTable", "SdcParams", "TableRequest", "audit_intervals",
           "audit_release", "protect"]
