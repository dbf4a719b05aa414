"""Extract requests and the airlock of a trusted research environment (LEG-01, LEG-02, LEG-05, LEG-15).

draft → submitted → under_review → approved | returned | rejected → built → released → downloaded →
expired | withdrawn. Row-level extracts need two approvals by two different custodians, neither the
requester nor a member of the requesting project; nobody approves or releases their own request.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pipelines.govern.access import AccessDenied, authorize
from pipelines.govern.models import Approval, Delivery, ExtractRequest, Grant, Project, ProjectMember, User, utcnow
from pipelines.govern.policy import EXTRACT_SOURCE, can

STATES = ("draft", "submitted", "under_review", "approved", "returned", "rejected", "built", "released",
          "downloaded", "expired", "withdrawn")
# state -> {next state: who may move it there}
TRANSITIONS: dict[str, dict[str, str]] = {
    "draft": {"submitted": "requester", "withdrawn": "requester"},
    "submitted": {"under_review": "custodian", "withdrawn": "requester"},
    "under_review": {"approved": "custodian", "returned": "custodian", "rejected": "custodian",
                     "withdrawn": "requester"},
    "returned": {"submitted": "requester", "withdrawn": "requester"},
    "approved": {"built": "system", "withdrawn": "custodian"},
    "built": {"released": "custodian", "rejected": "custodian", "withdrawn": "custodian"},
    "released": {"downloaded": "system", "expired": "system", "withdrawn": "custodian"},
    "downloaded": {"expired": "system"},
}
EDITABLE = ("draft", "returned")


class TransitionRefused(AccessDenied):
    """A move of the state machine that is not allowed (wrong state, wrong person, missing approvals)."""


def required_approvals(req: ExtractRequest) -> int:
    return 2 if req.row_level else 1


def new_request(s: Session, user: User, project: Project, *, purpose: str, variables: list[str],
                quasi_identifiers: list[str], sensitive: list[str], population_filter: str, period: str,
                k: int = 5, l_diversity: int = 2, free_text: bool = False, retention_days: int = 180) -> ExtractRequest:
    if not can(user.role, "request"):
        raise AccessDenied("not_researcher", "only researchers request extracts")
    if not s.get(ProjectMember, (project.id, user.id)):
        raise AccessDenied("not_member", f"you are not a member of project {project.code}")
    if not period.strip() or not variables or k < 2:
        raise TransitionRefused("incomplete", "a request names its variables, period and k (at least 2) (LEG-02)")
    req = ExtractRequest(project_id=project.id, requester_id=user.id, purpose=purpose, dataset=EXTRACT_SOURCE,
                         variables=variables, quasi_identifiers=quasi_identifiers, sensitive=sensitive,
                         population_filter=population_filter, period=period, k=k, l_diversity=l_diversity,
                         free_text=free_text, retention_days=retention_days)
    s.add(req)
    s.flush()
    return req


def _role_of(s: Session, user: User, req: ExtractRequest) -> set[str]:
    roles = set()
    if user.id == req.requester_id:
        roles.add("requester")
    if can(user.role, "review") and user.id != req.requester_id \
            and not s.get(ProjectMember, (req.project_id, user.id)):
        roles.add("custodian")
    return roles


def move(s: Session, req: ExtractRequest, to: str, user: User | None, note: str = "") -> ExtractRequest:
    """One step of the state machine by ``user`` (``None``: the system, after a build or a download)."""
    allowed = TRANSITIONS.get(req.state, {})
    if to not in allowed:
        raise TransitionRefused("bad_transition", f"a request in state {req.state} cannot become {to}")
    who = allowed[to]
    if who == "system":
        if user is not None:
            raise TransitionRefused("system_only", f"only the pipeline moves a request to {to}")
    elif user is None or who not in _role_of(s, user, req):
        if user is not None and user.id == req.requester_id and who == "custodian":
            raise TransitionRefused("self_approval", "you cannot review, approve or release your own request")
        raise TransitionRefused("not_allowed", f"only the {who} can move this request to {to}")
    if to == "submitted":
        requester = s.get(User, req.requester_id)
        authorize(s, requester, kind="dataset", resource=req.dataset, purpose=req.purpose,
                  tier="row_level_extract" if req.row_level else "restricted_aggregate", project_id=req.project_id)
    if to == "approved" and approvals_of(s, req) < required_approvals(req):
        raise TransitionRefused("needs_approvals", f"needs {required_approvals(req)} independent approvals")
    req.state, req.updated_at = to, utcnow()
    if note:
        s.add(Approval(request_id=req.id, user_id=user.id if user else req.requester_id, stage=f"note-{to}"[:16],
                       decision=to, note=note))
    s.flush()
    return req


def approvals_of(s: Session, req: ExtractRequest) -> int:
    rows = s.execute(sa.select(sa.func.count(sa.distinct(Approval.user_id))).where(
        Approval.request_id == req.id, Approval.stage == "review", Approval.decision == "approve",
        Approval.user_id != req.requester_id))
    return int(rows.scalar() or 0)


def approve(s: Session, req: ExtractRequest, user: User, note: str = "") -> ExtractRequest:
    """Record one independent approval; the request becomes ``approved`` when it has enough of them."""
    if req.state == "submitted":
        move(s, req, "under_review", user)
    if req.state != "under_review":
        raise TransitionRefused("bad_transition", f"a request in state {req.state} cannot be approved")
    if "custodian" not in _role_of(s, user, req):
        if user.id == req.requester_id:
            raise TransitionRefused("self_approval", "you cannot approve your own request")
        raise TransitionRefused("not_allowed", "only an independent data custodian approves a request")
    if s.execute(sa.select(Approval).where(Approval.request_id == req.id, Approval.user_id == user.id,
                                           Approval.stage == "review")).scalar():
        raise TransitionRefused("already_approved", "you already approved this request; a second custodian must")
    s.add(Approval(request_id=req.id, user_id=user.id, stage="review", decision="approve", note=note))
    s.flush()
    if approvals_of(s, req) >= required_approvals(req):
        move(s, req, "approved", user)
    return req


def withdraw_undownloaded(s: Session, grant: Grant) -> list[ExtractRequest]:
    """Revocation of a grant withdraws the extracts it covered that were not downloaded yet."""
    query = sa.select(ExtractRequest).where(ExtractRequest.dataset == grant.resource,
                                            ExtractRequest.purpose == grant.purpose,
                                            ExtractRequest.state.in_(("approved", "built", "released")))
    if grant.project_id is not None:
        query = query.where(ExtractRequest.project_id == grant.project_id)
    else:
        query = query.where(ExtractRequest.project_id.in_(sa.select(Project.id).where(Project.org_id == grant.org_id)))
    withdrawn = []
    for req in s.execute(query).scalars():
        req.state, req.updated_at = "withdrawn", utcnow()
        for d in s.execute(sa.select(Delivery).where(Delivery.request_id == req.id,
                                                     Delivery.withdrawn_at.is_(None))).scalars():
            d.withdrawn_at, d.uses_left = utcnow(), 0
        withdrawn.append(req)
    s.flush()
    return withdrawn
