"""Default-deny access decisions (LEG-01, LEG-03, LEG-07, LEG-12): checked on every request, so an
expired, revoked or wrong-purpose grant stops an open session at its next click."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pipelines.govern.models import Grant, OrgPurpose, Organisation, ProjectMember, User, utcnow
from pipelines.govern.policy import PURPOSES, ROW_LEVEL_BLOCKED_KINDS, tier_covers


class AccessDenied(PermissionError):
    """Refused; ``code`` is stable (audit and tests), ``message`` is for the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands timestamps back naive; they are stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def check_organisation(org: Organisation, now: dt.datetime) -> None:
    if aware(org.valid_from) > now or (org.valid_to and aware(org.valid_to) <= now):
        raise AccessDenied("organisation_not_valid", f"organisation {org.code} is not registered for this date")


def registered_purposes(s: Session, org_id: int) -> set[str]:
    rows = s.execute(sa.select(OrgPurpose.purpose).where(OrgPurpose.org_id == org_id, OrgPurpose.status == "approved"))
    return set(rows.scalars())


def check_purpose(s: Session, user: User, purpose: str | None) -> str:
    """The declared purpose must be on the controlled list and approved for the caller's organisation."""
    if not purpose:
        raise AccessDenied("no_purpose", "declare the purpose of this access (one of your registered purposes)")
    if purpose not in PURPOSES:
        raise AccessDenied("unknown_purpose", f"{purpose!r} is not a purpose of the controlled list")
    if purpose not in registered_purposes(s, user.org_id):
        raise AccessDenied("purpose_not_registered",
                           f"purpose {purpose} is not registered and approved for your organisation")
    return purpose


def _candidates(s: Session, user: User, kind: str, resource: str) -> list[Grant]:
    projects = sa.select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
    query = sa.select(Grant).where(Grant.resource_kind == kind, Grant.resource == resource,
                                   sa.or_(Grant.org_id == user.org_id, Grant.project_id.in_(projects)))
    return list(s.execute(query).scalars())


def authorize(s: Session, user: User, *, kind: str, resource: str, purpose: str | None, tier: str,
              project_id: int | None = None, now: dt.datetime | None = None) -> Grant:
    """The grant allowing ``user`` this access now, or :class:`AccessDenied` naming why not."""
    now = now or utcnow()
    if not user.active:
        raise AccessDenied("user_inactive", "this account is disabled")
    org = s.get(Organisation, user.org_id)
    check_organisation(org, now)
    purpose = check_purpose(s, user, purpose)
    if tier == "row_level_extract" and org.kind in ROW_LEVEL_BLOCKED_KINDS:
        raise AccessDenied("insurer_blocked", "patient-level data is never released to insurers (LEG-04)")
    grants = [g for g in _candidates(s, user, kind, resource)
              if tier_covers(g.tier, tier) and (project_id is None or g.project_id in (None, project_id))]
    if not grants:
        raise AccessDenied("no_grant", f"no grant gives your organisation {tier} access to {kind} {resource}")
    right_purpose = [g for g in grants if g.purpose == purpose]
    if not right_purpose:
        raise AccessDenied("wrong_purpose", f"your grants for {resource} are for other purposes than {purpose}")
    live = [g for g in right_purpose if g.revoked_at is None]
    if not live:
        raise AccessDenied("grant_revoked", f"the grant for {resource} was revoked")
    current = [g for g in live if aware(g.valid_from) <= now < aware(g.valid_to)]
    if not current:
        raise AccessDenied("grant_expired", f"the grant for {resource} is not valid now (expired or not yet begun)")
    return current[0]


def live_grants(s: Session, user: User, kind: str, purpose: str | None,
                now: dt.datetime | None = None) -> list[Grant]:
    """Grants of ``kind`` for ``purpose`` held now by the user's organisation or a project the user is a
    member of (not revoked, inside their window); empty when the organisation or purpose is not usable."""
    now = now or utcnow()
    try:
        check_organisation(s.get(Organisation, user.org_id), now)
        check_purpose(s, user, purpose)
    except AccessDenied:
        return []
    projects = sa.select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
    query = sa.select(Grant).where(Grant.resource_kind == kind, Grant.purpose == purpose, Grant.revoked_at.is_(None),
                                   sa.or_(Grant.org_id == user.org_id, Grant.project_id.in_(projects)))
    return [g for g in s.execute(query).scalars() if aware(g.valid_from) <= now < aware(g.valid_to)]


def granted_datasets(s: Session, user: User, purpose: str | None, now: dt.datetime | None = None) -> dict[str, Grant]:
    """Datasets the user may read as aggregates now for ``purpose`` (empty when the purpose is not usable)."""
    out: dict[str, Grant] = {}
    for g in live_grants(s, user, "dataset", purpose, now):
        if g.tier != "row_level_extract":
            out.setdefault(g.resource, g)
    return out
