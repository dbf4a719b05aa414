"""Sign-in, purpose, catalog, charts, release downloads and governed SQL (pages)."""
from __future__ import annotations

import io
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from pipelines.govern.access import granted_datasets
from pipelines.govern.models import User
from pipelines.portal import catalog
from pipelines.portal.app import render
from pipelines.portal.security import (PRE_COOKIE, SESSION_COOKIE, audit, check_csrf, gov, grant_for, identify, need,
                                       refuse, set_purpose, sign_in, sign_out)

router = APIRouter(include_in_schema=False)
MAX_ROWS_SHOWN = 500


def _cookie_args(request: Request) -> dict:
    return {"httponly": True, "samesite": "strict", "secure": not request.app.state.settings.portal_insecure_cookies,
            "path": "/"}


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    caller = identify(request)
    if caller is None:
        return RedirectResponse("/signin", status_code=303)
    return render(request, "home.html")


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request):
    token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", pre_csrf=token)
    response.set_cookie(PRE_COOKIE, token, max_age=900, **_cookie_args(request))
    return response


@router.post("/signin")
def signin(request: Request, username: str = Form(""), password: str = Form(""), totp: str = Form(""),
           csrf_token: str = Form("")):
    pre = request.cookies.get(PRE_COOKIE, "")
    if not pre or not secrets.compare_digest(pre, csrf_token):
        raise refuse(request, "csrf.refused", "csrf", "the sign-in form's CSRF token is missing or wrong",
                     actor=username[:64] or "anonymous")
    raw = sign_in(request, username, password, totp)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, raw, max_age=request.app.state.settings.portal_session_minutes * 60,
                        **_cookie_args(request))
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/signout")
async def signout(request: Request):
    caller = need(request, "catalog")
    check_csrf(request, caller, await request.form())
    sign_out(request, caller)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/purpose")
async def purpose(request: Request):
    caller = need(request, "catalog")
    form = await request.form()
    check_csrf(request, caller, form)
    set_purpose(request, caller, str(form.get("purpose", "")))
    return RedirectResponse(str(form.get("next", "/catalog")) if str(form.get("next", "")).startswith("/")
                            else "/catalog", status_code=303)


def _granted(request: Request, caller) -> set[str]:
    with gov(request).sessions() as s:
        return set(granted_datasets(s, s.get(User, caller.user.id), caller.purpose))


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(request: Request):
    caller = need(request, "catalog")
    sets = catalog.datasets(request.app.state.workdir.published)
    audit(request, "catalog.list", details={"datasets": len(sets)})
    return render(request, "catalog.html", datasets=sets.values(), granted=_granted(request, caller))


def dataset_or_404(request: Request, name: str) -> catalog.Dataset:
    found = catalog.datasets(request.app.state.workdir.published).get(name)
    if found is None:
        raise refuse(request, "catalog.read", "not_found", f"no dataset {name}", 404, resource=name[:128])
    return found


def read_dataset(request: Request, name: str, action: str):
    caller = need(request, "catalog")
    ds = dataset_or_404(request, name)
    grant_for(request, caller, kind="dataset", resource=ds.name, tier="open_aggregate", action=action)
    return caller, ds


@router.get("/datasets/{name}", response_class=HTMLResponse)
def dataset_page(request: Request, name: str):
    _, ds = read_dataset(request, name, "catalog.read")
    checks = {r.release_id: catalog.verify_release(r) for r in ds.releases}
    audit(request, "catalog.read", resource=ds.name, details={"releases": [r.release_id for r in ds.releases]})
    return render(request, "dataset.html", ds=ds, checks=checks, dictionary=catalog.dictionary(ds.latest))


@router.get("/datasets/{name}/chart/{kind}.png")
def chart(request: Request, name: str, kind: str):
    from pipelines.portal.charts import KINDS, rendered_chart
    _, ds = read_dataset(request, name, "data.read")
    published = request.app.state.workdir.published
    view = catalog.view_with(published, ds, KINDS.get(kind, ()))
    if view is None:
        raise refuse(request, "data.read", "not_found", f"this dataset has no {kind} dimension", 404, resource=ds.name)
    view, column = view
    png, rows = rendered_chart(str(published), ds.latest.release_id, view, column, kind,
                               f"{ds.title_vi} / {ds.title_en} — {view}")
    audit(request, "data.read", resource=ds.name, details={"chart": kind, "release": ds.latest.release_id,
                                                           "rows": rows})
    return Response(png, media_type="image/png")


@router.get("/datasets/{name}/releases/{release_id}/files/{filename:path}")
def release_download(request: Request, name: str, release_id: str, filename: str):
    _, ds = read_dataset(request, name, "release.download")
    release = next((r for r in ds.releases if r.release_id == release_id), None)
    path = catalog.release_file(release, filename) if release else None
    if path is None:
        raise refuse(request, "release.download", "bad_file_name", "no such file in this release", 404,
                     resource=ds.name, details={"file": filename[:200], "release": release_id[:64]})
    import hashlib
    sha = release.files.get(filename, {}).get("sha256") or hashlib.sha256(path.read_bytes()).hexdigest()
    audit(request, "release.download", resource=ds.name, details={"release": release_id, "file": filename,
                                                                  "sha256": sha, "batches": release.batches})
    return FileResponse(path, filename=path.name, headers={"X-Checksum-SHA256": sha})


def run_query(request: Request, caller, sql: str):
    """Governed SQL over the views of the datasets the caller's grants allow now (audited: SQL and row count)."""
    from pipelines.portal.query import refusal_types, run
    published = request.app.state.workdir.published
    granted = _granted(request, caller)
    if not granted:
        raise refuse(request, "query.run", "no_grant", "no dataset is granted to you for the declared purpose",
                     details={"sql": sql[:2000]})
    views = catalog.views_of(published, granted)
    try:
        result = run(catalog.catalog_path(published), views, sql, timeout_s=10)
    except refusal_types() as exc:
        raise refuse(request, "query.run", "query_refused", str(exc)[:500], 400, details={"sql": sql[:2000]}) from None
    audit(request, "query.run", resource=",".join(sorted(granted)),
          details={"sql": sql[:2000], "rows": len(result.rows), "truncated": result.truncated,
                   "releases": {n: catalog.datasets(published)[n].latest.release_id for n in granted}})
    return result


@router.get("/query", response_class=HTMLResponse)
def query_form(request: Request):
    caller = need(request, "query")
    views = sorted(catalog.views_of(request.app.state.workdir.published, _granted(request, caller)))
    example = _example(request.app.state.workdir.published, views)
    return render(request, "query.html", views=views, sql=example, result=None)


def _example(published, views: list[str]) -> str:
    """A first query for the form: published monthly totals (the margins) of a granted view with a month."""
    for view in views:
        columns = catalog.columns_of(published, view)
        if "month" in columns and "encounters" in columns:
            others = [c for c in columns if c not in ("month", "quarter", "year") and catalog.is_dimension(c, columns)]
            where = " AND ".join(["month <> '*'"] + [f"{c} = '*'" for c in others[:1]])
            return f"SELECT month, sum(encounters) AS encounters FROM {view} WHERE {where} GROUP BY month ORDER BY month"
    return f"SELECT * FROM {views[0]} LIMIT 20" if views else ""


@router.post("/query")
async def query_run(request: Request):
    caller = need(request, "query")
    form = await request.form()
    check_csrf(request, caller, form)
    sql, fmt = str(form.get("sql", "")), str(form.get("format", "html"))
    result = run_query(request, caller, sql)
    if fmt in ("csv", "parquet"):
        return download_result(result, fmt)
    views = sorted(catalog.views_of(request.app.state.workdir.published, _granted(request, caller)))
    return render(request, "query.html", views=views, sql=sql, result=result, shown=result.rows[:MAX_ROWS_SHOWN])


def download_result(result, fmt: str) -> Response:
    import pandas as pd
    frame = pd.DataFrame(result.rows, columns=result.columns)
    buf = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buf, index=False)
        return Response(buf.getvalue(), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="query.csv"'})
    frame.to_parquet(buf, index=False)
    return Response(buf.getvalue(), media_type="application/vnd.apache.parquet",
                    headers={"Content-Disposition": 'attachment; filename="query.parquet"'})
