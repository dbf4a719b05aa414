"""Consumer registry (LEG-03, LEG-07): organisations with their Art. 11 kind, registered purposes
approved by the custodian, users with roles, research projects, and grants."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from pipelines.govern.access import AccessDenied
from pipelines.govern.models import (ApiToken, Grant, OrgPurpose, Organisation, Project, ProjectMember, User,
                                     utcnow)
from pipelines.govern.policy import (ORG_KINDS, PURPOSES, RESOURCE_KINDS, ROLES, ROW_LEVEL_BLOCKED_KINDS, TIERS,
                                     can)

_HASHER = PasswordHasher()
# a hash to verify against when the user does not exist, so both cases take the same time
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
# One verification at a time: argon2 (64 MiB, 4 lanes) takes every core while it runs, and a burst of
# sign-ins must not starve the pages and queries of users already signed in (make bench-portal).
_VERIFY_SLOTS = threading.BoundedSemaphore(1)


class RegistryError(ValueError):
    """A registry change that the rules do not allow; the message says which rule."""


def create_organisation(s: Session, *, code: str, name: str, kind: str, legal_basis: str, contact_name: str = "",
                        contact_email: str = "", valid_to: dt.datetime | None = None) -> Organisation:
    if kind not in ORG_KINDS:
        raise RegistryError(f"organisation kind {kind!r} is not one of {', '.join(ORG_KINDS)}")
    if not legal_basis.strip():
        raise RegistryError("an organisation needs its legal basis")
    org = Organisation(code=code, name=name, kind=kind, legal_basis=legal_basis, contact_name=contact_name,
                       contact_email=contact_email, valid_to=valid_to)
    s.add(org)
    s.flush()
    return org


def register_purpose(s: Session, org: Organisation, purpose: str, statement: str = "") -> OrgPurpose:
    """An organisation registers a purpose of the controlled list that its Art. 11 kind allows (pending)."""
    spec = PURPOSES.get(purpose)
    if spec is None:
        raise RegistryError(f"{purpose!r} is not on the controlled list of purposes")
    if org.kind not in spec.kinds:
        raise RegistryError(f"purpose {purpose} (Art. {spec.article}) is not open to a {org.kind}")
    row = OrgPurpose(org_id=org.id, purpose=purpose, statement=statement)
    s.add(row)
    s.flush()
    return row


def approve_purpose(s: Session, row: OrgPurpose, custodian: User) -> OrgPurpose:
    if not can(custodian.role, "approve_purpose"):
        raise AccessDenied("not_custodian", "only a data custodian approves registered purposes")
    row.status, row.approved_by, row.approved_at = "approved", custodian.id, utcnow()
    return row


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise RegistryError("a password needs at least 12 characters")
    return _HASHER.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Verify in constant work whether or not the user exists; one at a time (see ``_VERIFY_SLOTS``)."""
    with _VERIFY_SLOTS:
        try:
            return _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
        except (VerificationError, InvalidHashError):
            return False


def create_user(s: Session, *, username: str, org: Organisation, role: str, password: str, display_name: str = "",
                totp_secret: str | None = None, age_recipient: str | None = None) -> User:
    if role not in ROLES:
        raise RegistryError(f"role {role!r} is not one of {', '.join(ROLES)}")
    user = User(username=username, org_id=org.id, role=role, password_hash=hash_password(password),
                display_name=display_name or username, totp_secret=totp_secret, age_recipient=age_recipient)
    s.add(user)
    s.flush()
    return user


def create_project(s: Session, *, code: str, title: str, org: Organisation, purpose: str, members: list[User],
                   facility_consent: str = "", ethics_ref: str = "") -> Project:
    if purpose not in PURPOSES:
        raise RegistryError(f"{purpose!r} is not on the controlled list of purposes")
    project = Project(code=code, title=title, org_id=org.id, purpose=purpose, facility_consent=facility_consent,
                      ethics_ref=ethics_ref)
    s.add(project)
    s.flush()
    for m in members:
        s.add(ProjectMember(project_id=project.id, user_id=m.id))
    s.flush()
    return project


def create_grant(s: Session, *, by: User, resource_kind: str, resource: str, purpose: str, tier: str,
                 valid_to: dt.datetime, org: Organisation | None = None, project: Project | None = None,
                 valid_from: dt.datetime | None = None) -> Grant:
    """A custodian grants an organisation or a project one resource, for one registered purpose and tier."""
    if not can(by.role, "grant"):
        raise AccessDenied("not_custodian", "only a data custodian creates grants")
    if (org is None) == (project is None):
        raise RegistryError("a grant is for exactly one organisation or one project")
    if resource_kind not in RESOURCE_KINDS or tier not in TIERS:
        raise RegistryError(f"resource kind must be one of {RESOURCE_KINDS}, tier one of {TIERS}")
    holder = org or s.get(Organisation, project.org_id)
    approved = s.execute(sa.select(OrgPurpose).where(OrgPurpose.org_id == holder.id, OrgPurpose.purpose == purpose,
                                                     OrgPurpose.status == "approved")).scalar()
    if approved is None:
        raise RegistryError(f"purpose {purpose} is not registered and approved for {holder.code}")
    if tier == "row_level_extract" and holder.kind in ROW_LEVEL_BLOCKED_KINDS:
        raise RegistryError("patient-level data is never granted to insurers (LEG-04)")
    if tier == "row_level_extract" and (project is None or not project.facility_consent.strip()):
        raise RegistryError("a row-level grant is for a project with the facility's recorded consent (LEG-06)")
    grant = Grant(org_id=org.id if org else None, project_id=project.id if project else None,
                  resource_kind=resource_kind, resource=resource, purpose=purpose, tier=tier,
                  valid_from=valid_from or utcnow(), valid_to=valid_to, granted_by=by.id)
    s.add(grant)
    s.flush()
    return grant


def revoke_grant(s: Session, grant: Grant, by: User) -> Grant:
    if not can(by.role, "grant"):
        raise AccessDenied("not_custodian", "only a data custodian revokes grants")
    grant.revoked_at, grant.revoked_by = utcnow(), by.id
    return grant


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_api_token(s: Session, user: User, label: str = "", days: int = 90) -> str:
    """A new API token for scripts; only its SHA-256 is stored, the token is shown once."""
    token = "adt_" + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=user.id, token_hash=token_digest(token), label=label,
                   expires_at=utcnow() + dt.timedelta(days=days)))
    s.flush()
    return token
