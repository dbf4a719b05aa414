"""Extract requests: create, submit, review, two approvals, build, output check, release, encrypted download."""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from pipelines.govern import requests as airlock
from pipelines.govern.access import AccessDenied, authorize
from pipelines.govern.delivery import deliver, redeem
from pipelines.govern.models import Approval, Delivery, ExtractRequest, Project, ProjectMember, User, utcnow
from pipelines.govern.policy import EXTRACT_SOURCE, can
from pipelines.portal.app import render
from pipelines.portal.extracts import validate
from pipelines.portal.security import audit, check_csrf, gov, need, refuse

router = APIRouter(include_in_schema=False)
ACTIONS = {"submit": "submitted", "withdraw": "withdrawn", "review": "under_review", "return": "returned",
           "reject": "rejected", "approve": None, "release": None}


def _split(value) -> list[str]:
    return [v.strip() for v in str(value or "").replace("\n", ",").split(",") if v.strip()]


def visible(s, caller, req: ExtractRequest) -> bool:
    if req.requester_id == caller.user.id or can(caller.user.role, "review") or can(caller.user.role, "audit"):
        return True
    return s.get(ProjectMember, (req.project_id, caller.user.id)) is not None


def load_request(request: Request, caller, request_id: int, s) -> ExtractRequest:
    req = s.get(ExtractRequest, request_id)
    if req is None or not visible(s, caller, req):  # another organisation's request: same answer as none (IDOR)
        raise refuse(request, "request.read", "not_found", "no such request", 404, resource=f"request:{request_id}")
    return req


@router.get("/requests", response_class=HTMLResponse)
def list_requests(request: Request):
    caller = need(request, "catalog")
    with gov(request).sessions() as s:
        rows = s.execute(sa.select(ExtractRequest).order_by(ExtractRequest.id.desc())).scalars().all()
        rows = [r for r in rows if visible(s, caller, r)]
        projects = s.execute(sa.select(Project).join(ProjectMember).where(
            ProjectMember.user_id == caller.user.id)).scalars().all()
    return render(request, "requests.html", rows=rows, projects=projects)


@router.post("/requests")
async def create_request(request: Request):
    caller = need(request, "request")
    form = await request.form()
    check_csrf(request, caller, form)
    try:  # writes roll back before a refusal is audited (SQLite has one writer)
        with gov(request).sessions.begin() as s:
            project = s.get(Project, int(form.get("project_id") or 0))
            if project is None:
                raise AccessDenied("not_found", "no such project")
            req = airlock.new_request(
                s, s.get(User, caller.user.id), project, purpose=str(form.get("purpose") or caller.purpose or ""),
                variables=_split(form.get("variables")), quasi_identifiers=_split(form.get("quasi_identifiers")),
                sensitive=_split(form.get("sensitive")), population_filter=str(form.get("population_filter", "")),
                period=str(form.get("period", "")), k=int(form.get("k") or 5), l_diversity=int(form.get("l") or 2),
                free_text=bool(form.get("free_text")))
            validate(req, project, request.app.state.workdir)
            request_id, code = req.id, project.code
    except AccessDenied as exc:
        raise refuse(request, "request.create", exc.code, exc.message, 400) from None
    except ValueError as exc:  # the builder's RequestError included: malformed QIs, period, k, l or filter
        raise refuse(request, "request.create", "invalid_request", str(exc)[:500], 400,
                     details={"filter": str(form.get("population_filter", ""))[:500]}) from None
    audit(request, "request.create", resource=f"request:{request_id}", details={"project": code})
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def show_request(request: Request, request_id: int):
    caller = need(request, "catalog")
    with gov(request).sessions() as s:
        req = load_request(request, caller, request_id, s)
        approvals = s.execute(sa.select(Approval, User.username).join(User, User.id == Approval.user_id).where(
            Approval.request_id == req.id)).all()
        delivery = s.execute(sa.select(Delivery).where(Delivery.request_id == req.id)).scalar()
        project = s.get(Project, req.project_id)
        requester = s.get(User, req.requester_id)
    audit(request, "request.read", resource=f"request:{request_id}")
    return render(request, "request.html", req=req, approvals=approvals, delivery=delivery, project=project,
                  requester=requester, link=None)


@router.post("/requests/{request_id}/action")
async def act(request: Request, request_id: int):
    caller = need(request, "catalog")
    form = await request.form()
    check_csrf(request, caller, form)
    action, note = str(form.get("action", "")), str(form.get("note", ""))[:2000]
    if action not in ACTIONS:
        raise refuse(request, "request.transition", "bad_action", f"unknown action {action!r}", 400)
    with gov(request).sessions() as s:
        before = load_request(request, caller, request_id, s).state
    try:  # writes roll back before a refusal is audited (SQLite has one writer)
        with gov(request).sessions.begin() as s:
            req = s.get(ExtractRequest, request_id)
            _apply(request, s, req, s.get(User, caller.user.id), action, note)
            after = req.state
    except AccessDenied as exc:
        raise refuse(request, "request.transition", exc.code, exc.message, resource=f"request:{request_id}",
                     details={"action": action, "state": before}) from None
    if action == "release":
        audit(request, "key.use", resource=f"request:{request_id}",
              details={"key": gov(request).signer.key_id, "use": "sign delivery manifest"})
    audit(request, "request.transition", resource=f"request:{request_id}",
          details={"action": action, "from": before, "to": after})
    if after == "approved":
        build(request, request_id)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


def _apply(request: Request, s, req: ExtractRequest, user: User, action: str, note: str) -> None:
    if action == "approve":
        airlock.approve(s, req, user, note)
    elif action == "release":
        if req.state != "built" or not (req.output_check or {}).get("passed"):
            raise airlock.TransitionRefused("output_check", "only a built extract that passed its output check "
                                            "can be released")
        airlock.move(s, req, "released", user, note)
        deliver(s, req, gov(request).signer, gov(request).deliveries)
    else:
        airlock.move(s, req, ACTIONS[action], user, note)


def build(request: Request, request_id: int) -> None:
    """Approved → built here, in embedded mode; deployed (``ANDANH_EXTRACT_BUILDS=airflow``) the request
    waits, approved, for the ``andanh_extract`` DAG."""
    from pipelines.portal.extracts import build_approved
    from pipelines.settings import get_settings
    if get_settings().extract_builds != "portal":
        audit(request, "extract.queued", resource=f"request:{request_id}", details={"builder": "andanh_extract"})
        return
    caller = request.state.caller
    build_approved(gov(request), request.app.state.workdir, request_id, actor=caller.user.username,
                   org=caller.org.code, details={"path": request.url.path})


@router.post("/requests/{request_id}/link", response_class=HTMLResponse)
async def make_link(request: Request, request_id: int):
    """A fresh single-use link for the recipient (the token is shown once; the database keeps its hash)."""
    caller = need(request, "request")
    check_csrf(request, caller, await request.form())
    token = secrets.token_urlsafe(32)
    with gov(request).sessions.begin() as s:
        req = load_request(request, caller, request_id, s)
        d = s.execute(sa.select(Delivery).where(Delivery.request_id == req.id)).scalar()
        if d is None or d.recipient_id != caller.user.id or d.withdrawn_at or d.uses_left <= 0:
            raise refuse(request, "extract.link", "no_delivery", "no downloadable delivery for you on this request",
                         resource=f"request:{request_id}")
        d.link_hash = hashlib.sha256(token.encode()).hexdigest()
    audit(request, "extract.link", resource=f"request:{request_id}")
    return RedirectResponse(f"/requests/{request_id}?link={token}", status_code=303)


@router.get("/download/{token}")
def download(request: Request, token: str):
    caller = need(request, "request")
    try:  # writes roll back before a refusal is audited (SQLite has one writer)
        with gov(request).sessions.begin() as s:
            user = s.get(User, caller.user.id)
            d = redeem(s, token, user)
            req = s.get(ExtractRequest, d.request_id)
            if caller.purpose != req.purpose:
                raise AccessDenied("wrong_purpose", "declare the request's purpose to download its extract")
            authorize(s, user, kind="dataset", resource=EXTRACT_SOURCE, purpose=caller.purpose,
                      tier="row_level_extract", project_id=req.project_id)
            if req.state == "released":
                airlock.move(s, req, "downloaded", None)
            path, name, sha, extract_id = d.file_path, d.file_name, d.sha256, req.extract_id
            batches = (req.report or {}).get("batches", [])
            request_id = req.id
    except AccessDenied as exc:
        raise refuse(request, "extract.download", exc.code, exc.message, resource="download-link") from None
    audit(request, "extract.download", resource=f"request:{request_id}",
          details={"extract_id": extract_id, "sha256": sha, "batches": batches, "at": utcnow().isoformat()})
    return FileResponse(path, filename=name, media_type="application/octet-stream",
                        headers={"X-Checksum-SHA256": sha})


@router.get("/requests/{request_id}/manifest")
def manifest(request: Request, request_id: int):
    caller = need(request, "catalog")
    with gov(request).sessions() as s:
        req = load_request(request, caller, request_id, s)
        d = s.execute(sa.select(Delivery).where(Delivery.request_id == req.id)).scalar()
        if d is None:
            raise refuse(request, "request.read", "not_found", "no delivery yet", 404)
        body = {"manifest": d.manifest, "signature": d.manifest_signature,
                "public_key_pem": gov(request).signer.public_pem()}
    audit(request, "request.manifest", resource=f"request:{request_id}")
    return JSONResponse(body)
