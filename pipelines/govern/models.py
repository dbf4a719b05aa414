"""Tables of the governance database (SQLAlchemy 2 declarative). The schema is created by the migrations.

Consumers (organisations, their registered purposes, users and projects), grants, extract requests
with their approvals and deliveries, portal sessions and the hash-chained audit log.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: sa.DateTime(timezone=True), dict: sa.JSON}


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(256))
    kind: Mapped[str] = mapped_column(sa.String(32))  # ORG_KINDS
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    contact_name: Mapped[str] = mapped_column(sa.String(256), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(256), default="")
    valid_from: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    purposes: Mapped[list[OrgPurpose]] = relationship(back_populates="organisation")


class OrgPurpose(Base):
    """A purpose an organisation registered, from the controlled list; usable once the custodian approved it."""
    __tablename__ = "org_purposes"
    __table_args__ = (sa.UniqueConstraint("org_id", "purpose"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    purpose: Mapped[str] = mapped_column(sa.String(64))  # a code of purposes.PURPOSES
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")  # pending|approved|revoked
    approved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    approved_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    organisation: Mapped[Organisation] = relationship(back_populates="purposes")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(256), default="")
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(sa.String(32))  # ROLES
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    age_recipient: Mapped[str | None] = mapped_column(sa.String(128), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    organisation: Mapped[Organisation] = relationship()


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 of the token
    label: Mapped[str] = mapped_column(sa.String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class PortalSession(Base):
    """A signed-in session, server side: the cookie holds a random id, the table its SHA-256."""
    __tablename__ = "portal_sessions"
    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class SigninAttempt(Base):
    __tablename__ = "signin_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    client: Mapped[str] = mapped_column(sa.String(64), index=True)
    succeeded: Mapped[bool] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(256))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    purpose: Mapped[str] = mapped_column(sa.String(64))
    ethics_ref: Mapped[str] = mapped_column(sa.String(128), default="")
    facility_consent: Mapped[str] = mapped_column(sa.Text, default="")  # LEG-06: the facility's consent record
    valid_to: Mapped[dt.datetime | None] = mapped_column(default=None)
    members: Mapped[list[ProjectMember]] = relationship(back_populates="project")


class ProjectMember(Base):
    __tablename__ = "project_members"
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    project: Mapped[Project] = relationship(back_populates="members")


class Grant(Base):
    """Default deny: access needs a grant of the caller's organisation (or project), the resource, the
    declared purpose and the tier, valid now and not revoked."""
    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), default=None)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), default=None)
    resource_kind: Mapped[str] = mapped_column(sa.String(16))  # dataset|extract|dp_budget
    resource: Mapped[str] = mapped_column(sa.String(128))  # dataset name, extract request id or budget name
    purpose: Mapped[str] = mapped_column(sa.String(64))
    tier: Mapped[str] = mapped_column(sa.String(32))  # TIERS
    valid_from: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[dt.datetime] = mapped_column()
    granted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)


class ExtractRequest(Base):
    __tablename__ = "extract_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(sa.String(64))
    dataset: Mapped[str] = mapped_column(sa.String(128), default="xml1")
    variables: Mapped[list] = mapped_column(sa.JSON, default=list)
    quasi_identifiers: Mapped[list] = mapped_column(sa.JSON, default=list)
    sensitive: Mapped[list] = mapped_column(sa.JSON, default=list)
    population_filter: Mapped[str] = mapped_column(sa.Text, default="")
    period: Mapped[str] = mapped_column(sa.String(64), default="")
    k: Mapped[int] = mapped_column(default=5)
    l_diversity: Mapped[int] = mapped_column(default=2)
    free_text: Mapped[bool] = mapped_column(default=False)
    row_level: Mapped[bool] = mapped_column(default=True)
    retention_days: Mapped[int] = mapped_column(default=180)
    state: Mapped[str] = mapped_column(sa.String(16), default="draft")
    extract_id: Mapped[str | None] = mapped_column(sa.String(128), default=None)
    extract_path: Mapped[str | None] = mapped_column(sa.Text, default=None)
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    output_check: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    project: Mapped[Project] = relationship()
    requester: Mapped[User] = relationship()
    approvals: Mapped[list[Approval]] = relationship(back_populates="request")


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (sa.UniqueConstraint("request_id", "user_id", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("extract_requests.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    stage: Mapped[str] = mapped_column(sa.String(16), default="review")  # review|release
    decision: Mapped[str] = mapped_column(sa.String(16))  # approve|return|reject
    note: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    request: Mapped[ExtractRequest] = relationship(back_populates="approvals")


class Delivery(Base):
    """An encrypted extract waiting for its researcher: an expiring, limited-use link (the table keeps its hash)."""
    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("extract_requests.id"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    link_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    file_path: Mapped[str] = mapped_column(sa.Text)
    file_name: Mapped[str] = mapped_column(sa.String(256))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    manifest: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    manifest_signature: Mapped[str] = mapped_column(sa.Text, default="")
    uses_left: Mapped[int] = mapped_column(default=1)
    expires_at: Mapped[dt.datetime] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class AuditEntry(Base):
    """One append-only audit entry; ``hash`` covers every field and ``prev_hash`` (the entry before)."""
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(sa.String(64))
    org: Mapped[str] = mapped_column(sa.String(64), default="")
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(16))  # ok|refused|failed
    purpose: Mapped[str] = mapped_column(sa.String(64), default="")
    resource: Mapped[str] = mapped_column(sa.String(256), default="", index=True)
    details: Mapped[str] = mapped_column(sa.Text, default="{}")  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditCheckpoint(Base):
    """An Ed25519 signature over (seq, hash) of an audit entry: truncation or rewriting of the chain up to it shows."""
    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    hash: Mapped[str] = mapped_column(sa.String(64))
    key_id: Mapped[str] = mapped_column(sa.String(64))
    signature: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
