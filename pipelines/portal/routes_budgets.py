"""ε budgets (DP) in the portal: holders of a ``dp_budget`` grant see what is left and every spend;
custodians see every budget and set totals. Read from the one ε-ledger (:class:`pipelines.dp.EpsilonLedger`)."""
from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pipelines.govern.models import Grant, Project, ProjectMember, utcnow
from pipelines.govern.policy import can
from pipelines.portal.app import render
from pipelines.portal.security import audit, check_csrf, gov, need, refuse

router = APIRouter()


def _ledger(request: Request):
    from pipelines.dp import EpsilonLedger
    return EpsilonLedger(gov(request).url)


def _budget_grants(request: Request, caller) -> list[Grant]:
    """Active dp_budget grants of the caller's organisation and projects (every one, for a custodian)."""
    with gov(request).sessions() as s:
        q = sa.select(Grant).where(Grant.resource_kind == "dp_budget", Grant.revoked_at.is_(None),
                                   Grant.valid_to > utcnow()).order_by(Grant.resource)
        if not can(caller.user.role, "grant"):
            projects = sa.select(ProjectMember.project_id).where(ProjectMember.user_id == caller.user.id)
            own = sa.select(Project.id).where(Project.org_id == caller.org.id)
            q = q.where(sa.or_(Grant.org_id == caller.org.id, Grant.project_id.in_(projects),
                               Grant.project_id.in_(own)))
        return s.execute(q).scalars().all()


@router.get("/budgets", response_class=HTMLResponse)
def budgets(request: Request):
    caller = need(request, "catalog")
    ledger = _ledger(request)
    rows = []
    for g in _budget_grants(request, caller):
        total, spent = ledger.status(g.resource)
        spends = [{"release": x["release_id"], "epsilon": x["epsilon"], "status": x["status"],
                   "at": x["spent_at"]} for x in ledger.spends(g.resource)]
        rows.append({"consumer": g.resource, "purpose": g.purpose, "valid_to": g.valid_to, "total": total,
                     "spent": spent, "left": None if total is None else max(total - spent, 0.0), "spends": spends})
    audit(request, "dp.budget.read", details={"budgets": [r["consumer"] for r in rows]})
    return render(request, "budgets.html", budgets=rows, may_set=can(caller.user.role, "grant"))


@router.post("/budgets/set")
async def set_budget(request: Request):
    caller = need(request, "grant")
    form = await request.form()
    check_csrf(request, caller, form)
    consumer = str(form.get("consumer", "")).strip()
    try:
        total = float(str(form.get("total_epsilon", "")))
    except ValueError:
        total = -1.0
    if not consumer or not 0 <= total <= 100:
        raise refuse(request, "dp.budget.set", "bad_budget", "a budget is a consumer and an ε between 0 and 100",
                     400, resource=consumer)
    if consumer not in {g.resource for g in _budget_grants(request, caller)}:
        raise refuse(request, "dp.budget.set", "no_grant", "no active dp_budget grant names this consumer",
                     resource=consumer)
    _ledger(request).set_budget(consumer, total)
    audit(request, "dp.budget.set", resource=consumer, details={"total_epsilon": total})
    return RedirectResponse("/budgets", status_code=303)
