"""Drafts the custodian signs, generated from the registry (legal.md LEG-24, LEG-32, LEG-35).

- :func:`sharing_agreement`: the data-sharing agreement with one organisation (Decree 356 Art. 7(1)):
  parties and legal basis, the purposes it registered and had approved, the data each active grant
  covers (dataset dimensions and measures, extract variables), duration, deletion, responsibilities,
  data-subject rights and breach cooperation.
- :func:`dpia`: the data-protection impact assessment of the whole system (Decree 13 Art. 24, Decree
  356 Form 10): controller and DPO (``ANDANH_CONTROLLER``, ``ANDANH_DPO``), purposes, data categories
  from the schema registry, recipients from the grants, processing and deletion times from the
  retention periods, measures, risks, the data-flow diagram (Mermaid) and when to review it.

Both are Markdown drafts (Jinja templates in ``templates/``): facts the registry does not hold are
left as visible ``⟨…⟩`` blanks, never invented. They name organisations, purposes and datasets only,
never a person's data.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import sqlalchemy as sa

from pipelines.govern.models import Grant, Organisation, OrgPurpose, Project
from pipelines.govern.policy import ORG_KINDS, PURPOSES

if TYPE_CHECKING:
    from pipelines.govern import Governance

TEMPLATES = Path(__file__).with_name("templates")
BLANK = "⟨to be completed by the controller⟩"


class DocumentError(ValueError):
    """The registry does not support the document (unknown organisation, nothing approved)."""


@dataclass
class GrantLine:
    kind: str
    resource: str
    purpose: str
    tier: str
    valid_from: str
    valid_to: str
    data: str


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False, trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _day(value: dt.datetime | None) -> str:
    return value.date().isoformat() if value else "—"


def _active(q, now: dt.datetime):
    """Grants not revoked and inside their window at ``now``."""
    return q.where(Grant.revoked_at.is_(None), Grant.valid_from <= now, Grant.valid_to > now)


def _dataset_data(name: str) -> str:
    from pipelines.datasets import DatasetConfigError, get_dataset
    try:
        spec = get_dataset(name)
    except (DatasetConfigError, KeyError, ValueError):
        return "safe-zone rows (see the extract request's variables)"
    dims = ", ".join(f"{name} ({d.level or 'code list'})" for name, d in spec.dimensions.items())
    return f"protected aggregates of {spec.title_en}: {', '.join(spec.measures)} by {dims}"


def _grant_lines(grants: list[Grant]) -> list[GrantLine]:
    lines = []
    for g in grants:
        data = _dataset_data(g.resource) if g.resource_kind == "dataset" else (
            "a row-level research extract (k-anonymous, l-diverse, project-scoped pseudonyms)"
            if g.resource_kind == "extract" else "differentially private answers within an ε budget")
        lines.append(GrantLine(g.resource_kind, g.resource, g.purpose, g.tier, _day(g.valid_from),
                               _day(g.valid_to), data))
    return lines


def sharing_agreement(gov: Governance, org_code: str, *, now: dt.datetime | None = None) -> str:
    """The draft agreement with organisation ``org_code``; DocumentError when it has no approved purpose."""
    from pipelines.settings import get_settings
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with gov.sessions() as s:
        org = s.execute(sa.select(Organisation).where(Organisation.code == org_code)).scalar()
        if org is None:
            raise DocumentError(f"no organisation {org_code!r} in the registry")
        purposes = s.execute(sa.select(OrgPurpose).where(OrgPurpose.org_id == org.id,
                                                         OrgPurpose.status == "approved")).scalars().all()
        if not purposes:
            raise DocumentError(f"{org_code}: no approved purpose, so nothing may be shared")
        projects = s.execute(sa.select(Project.id).where(Project.org_id == org.id)).scalars().all()
        grants = s.execute(_active(sa.select(Grant), now).where(
            sa.or_(Grant.org_id == org.id, Grant.project_id.in_(projects or [-1])))
            .order_by(Grant.id)).scalars().all()
        lines = _grant_lines(grants)
        settings = get_settings()
        return _env().get_template("sharing_agreement.md.j2").render(
            today=now.date().isoformat(), org=org, kind=ORG_KINDS.get(org.kind, ("—", org.kind, org.kind)),
            purposes=[(PURPOSES[p.purpose], p.statement or "") for p in purposes if p.purpose in PURPOSES],
            grants=lines, controller=settings.controller or BLANK, dpo=settings.dpo or BLANK,
            retention=_retention(), valid_to=_day(org.valid_to), blank=BLANK)


def _retention() -> dict[str, int]:
    from pipelines.retention import periods
    return periods()


def _data_categories() -> dict[str, list[str]]:
    from pipelines.schema import load_schema
    schema = load_schema()
    out: dict[str, list[str]] = {}
    for table in schema.tables.values():
        for f in table.fields:
            out.setdefault(f.deid_class, []).append(f"{table.loaihoso}.{f.name}")
    return out


def dpia(gov: Governance, *, now: dt.datetime | None = None) -> str:
    """The draft DPIA of the deployment: every approved purpose and every organisation with an active grant."""
    from pipelines.datasets import load_datasets
    from pipelines.settings import get_settings
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with gov.sessions() as s:
        approved = s.execute(sa.select(OrgPurpose.purpose).where(OrgPurpose.status == "approved")
                             .distinct()).scalars().all()
        holders = (sa.select(Organisation.name, Organisation.kind, sa.func.count(sa.distinct(Grant.id)))
                   .join(Project, Project.org_id == Organisation.id, isouter=True)
                   .join(Grant, sa.or_(Grant.org_id == Organisation.id, Grant.project_id == Project.id)))
        recipients = s.execute(_active(holders, now).group_by(Organisation.name, Organisation.kind)
                               .order_by(Organisation.name)).all()
    settings = get_settings()
    categories = _data_categories()
    return _env().get_template("dpia.md.j2").render(
        today=now.date().isoformat(), controller=settings.controller or BLANK, dpo=settings.dpo or BLANK,
        purposes=[PURPOSES[p] for p in sorted(approved) if p in PURPOSES],
        recipients=[(name, ORG_KINDS.get(kind, ("—", kind, kind))[2], n) for name, kind, n in recipients],
        categories=categories, datasets=load_datasets(), retention=_retention(), blank=BLANK,
        review=(now + dt.timedelta(days=182)).date().isoformat())
