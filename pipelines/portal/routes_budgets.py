"""ε budgets (DP) in the portal: holders of a ``dp_budget`` grant see what is left and every spend;
custodians see every budget and set totals. Read from the one ε-ledger (:class:`pipelines.dp.EpsilonLedger`)."""
from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pipelines.govern.access import live_grants
from pipelines.govern.models import Grant, User, utcnow
from pipelines.govern.policy import can
from pipelines.portal.app import render
from pipelines.portal.security import audit, check_csrf, gov, need, refuse

router = APIRouter()


@lru_cache(maxsize=8)
def _ledger_at(url: str):
    from pipelines.dp import EpsilonLedger
    return EpsilonLedger(url)


def _ledger(request: Request):
    return _ledger_at(gov(request).url)


def _budget_grants(request: Request, caller) -> list[Grant]:
    """Active dp_budget grants: every one for a custodian, else those the caller holds for the declared
    purpose (:func:`pipelines.govern.access.live_grants`, the rule every data read follows)."""
    with gov(request).sessions() as s:
        if not can(caller.user.role, "grant"):
            return sorted(live_grants(s, s.get(User, caller.user.id), "dp_budget", caller.purpose),
                          key=lambda g: g.resource)
        return s.execute(sa.select(Grant).where(Grant.resource_kind == "dp_budget", Grant.revoked_at.is_(None),
                                                Grant.valid_to > utcnow()).order_by(Grant.resource)).scalars().all()


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
