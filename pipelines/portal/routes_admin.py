"""Administration (organisations, users, purposes, grants), the audit viewer and the account page."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pipelines.govern import registry as reg
from pipelines.govern.access import AccessDenied
from pipelines.govern.audit import verify
from pipelines.govern.breach import scope
from pipelines.govern.models import AuditEntry, Grant, OrgPurpose, Organisation, Project, User, utcnow
from pipelines.govern.policy import ORG_KINDS, PURPOSES, RESOURCE_KINDS, ROLES, TIERS
from pipelines.govern.requests import withdraw_undownloaded
from pipelines.portal.app import render
from pipelines.portal.security import audit, check_csrf, gov, need, refuse

router = APIRouter(include_in_schema=False)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request):
    caller = need(request, "catalog")
    if caller.user.role not in ("administrator", "data_custodian"):
        raise refuse(request, "admin.forbidden", "role_forbidden", "administrators and custodians only")
    with gov(request).sessions() as s:
        ctx = {"orgs": s.execute(sa.select(Organisation)).scalars().all(),
               "users": s.execute(sa.select(User)).scalars().all(),
               "org_purposes": s.execute(sa.select(OrgPurpose)).scalars().all(),
               "grants": s.execute(sa.select(Grant).order_by(Grant.id.desc())).scalars().all(),
               "projects": s.execute(sa.select(Project)).scalars().all()}
    audit(request, "admin.read")
    return render(request, "admin.html", kinds=ORG_KINDS, roles=ROLES, purpose_list=PURPOSES, tiers=TIERS,
                  resource_kinds=RESOURCE_KINDS, **ctx)


async def _admin_form(request: Request, permission: str):
    caller = need(request, permission)
    form = await request.form()
    check_csrf(request, caller, form)
    return caller, form


def _write(request: Request, action: str, change, resource: str = "") -> RedirectResponse:
    """Run one registry change; a refusal rolls back and is audited."""
    try:
        with gov(request).sessions.begin() as s:
            details = change(s) or {}
    except (AccessDenied, reg.RegistryError, ValueError) as exc:
        raise refuse(request, action, getattr(exc, "code", "invalid"), str(exc), 400, resource=resource) from None
    audit(request, action, resource=resource, details=details)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/orgs")
async def add_org(request: Request):
    _, f = await _admin_form(request, "admin")
    return _write(request, "org.create", lambda s: {"id": reg.create_organisation(
        s, code=str(f["code"]), name=str(f["name"]), kind=str(f["kind"]), legal_basis=str(f.get("legal_basis", "")),
        contact_name=str(f.get("contact_name", "")), contact_email=str(f.get("contact_email", ""))).id},
        resource=str(f.get("code", "")))


@router.post("/admin/users")
async def add_user(request: Request):
    _, f = await _admin_form(request, "admin")
    password = secrets.token_urlsafe(12)

    def change(s):
        org = s.execute(sa.select(Organisation).where(Organisation.code == str(f["org"]))).scalar_one()
        reg.create_user(s, username=str(f["username"]), org=org, role=str(f["role"]), password=password)
        return {"role": str(f["role"])}
    _write(request, "user.create", change, resource=str(f.get("username", "")))
    return render(request, "notice.html", message=f"{f['username']}: {password}",
                  hint="Mật khẩu chỉ hiển thị một lần / shown once")


@router.post("/admin/purposes")
async def add_purpose(request: Request):
    _, f = await _admin_form(request, "admin")

    def change(s):
        org = s.execute(sa.select(Organisation).where(Organisation.code == str(f["org"]))).scalar_one()
        return {"id": reg.register_purpose(s, org, str(f["purpose"]), str(f.get("statement", ""))).id}
    return _write(request, "purpose.register", change, resource=str(f.get("purpose", "")))


@router.post("/admin/purposes/{row_id}/approve")
async def approve_purpose(request: Request, row_id: int):
    caller, _ = await _admin_form(request, "approve_purpose")
    return _write(request, "purpose.approve",
                  lambda s: reg.approve_purpose(s, s.get(OrgPurpose, row_id), s.get(User, caller.user.id)) and None,
                  resource=f"org_purpose:{row_id}")


@router.post("/admin/grants")
async def add_grant(request: Request):
    caller, f = await _admin_form(request, "grant")

    def change(s):
        org = s.execute(sa.select(Organisation).where(Organisation.code == str(f.get("org", "")))).scalar()
        project = s.execute(sa.select(Project).where(Project.code == str(f.get("project", "")))).scalar()
        days = int(f.get("days") or 30)
        g = reg.create_grant(s, by=s.get(User, caller.user.id), org=None if project else org, project=project,
                             resource_kind=str(f["resource_kind"]), resource=str(f["resource"]),
                             purpose=str(f["purpose"]), tier=str(f["tier"]),
                             valid_to=utcnow() + dt.timedelta(days=days))
        return {"grant": g.id, "tier": g.tier, "purpose": g.purpose, "days": days}
    return _write(request, "grant.create", change, resource=str(f.get("resource", "")))


@router.post("/admin/grants/{grant_id}/revoke")
async def revoke(request: Request, grant_id: int):
    caller, _ = await _admin_form(request, "grant")

    def change(s):
        grant = s.get(Grant, grant_id)
        if grant is None:
            raise reg.RegistryError("no such grant")
        reg.revoke_grant(s, grant, s.get(User, caller.user.id))
        return {"withdrawn_requests": [r.id for r in withdraw_undownloaded(s, grant)]}
    return _write(request, "grant.revoke", change, resource=f"grant:{grant_id}")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, batch: str = "", release: str = "", token: str = "", before: int = 0):
    need(request, "audit")
    g = gov(request)
    result = verify(g.sessions, g.signer)
    with g.sessions() as s:
        query = sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(200)
        if before:
            query = query.where(AuditEntry.seq < before)
        entries = s.execute(query).scalars().all()
        found = scope(s, g.published, batch=batch or None, release=release or None, token=token or None) \
            if (batch or release or token) else None
    audit(request, "audit.read", details={"scope": {"batch": batch, "release": release, "token": bool(token)}})
    return render(request, "audit.html", entries=entries, result=result, found=found, batch=batch, release=release)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request):
    need(request, "catalog")
    return render(request, "account.html", token=None)


@router.post("/account/key")
async def set_key(request: Request):
    caller, f = await _admin_form(request, "catalog")
    import pyrage
    key = str(f.get("age_recipient", "")).strip()
    try:
        pyrage.x25519.Recipient.from_str(key)
    except Exception:
        raise refuse(request, "account.key", "bad_public_key", "not an age X25519 public key (age1...)", 400) from None
    with gov(request).sessions.begin() as s:
        s.get(User, caller.user.id).age_recipient = key
    audit(request, "account.key", details={"age_recipient": key})
    return RedirectResponse("/account", status_code=303)


@router.post("/account/token", response_class=HTMLResponse)
async def new_token(request: Request):
    caller, f = await _admin_form(request, "catalog")
    with gov(request).sessions.begin() as s:
        token = reg.issue_api_token(s, s.get(User, caller.user.id), str(f.get("label", ""))[:128])
    audit(request, "account.token")
    return render(request, "account.html", token=token)
