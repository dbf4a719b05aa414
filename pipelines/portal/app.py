"""The portal application: ``create_app(workdir)`` for uvicorn (``andanh portal``) and tests."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelines.portal.i18n import LANGS, translate
from pipelines.portal.security import Refused, identify

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "vi"
    return lang if lang in LANGS else "vi"


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    from pipelines.portal.security import gov
    caller = identify(request)
    purposes = []
    if caller:
        from pipelines.govern.access import registered_purposes
        with gov(request).sessions() as s:
            purposes = sorted(registered_purposes(s, caller.user.org_id))
    lang = lang_of(request)
    response = TEMPLATES.TemplateResponse(request, name, {"caller": caller, "t": translate(lang), "lang": lang,
                                                          "purposes": purposes, **context}, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("lang", lang, samesite="lax", httponly=True)
    return response


def create_app(workdir, *, url: str | None = None) -> FastAPI:
    from pipelines.govern import open_governance
    from pipelines.portal import routes_admin, routes_api, routes_budgets, routes_data, routes_requests
    from pipelines.settings import get_settings

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.gov.audit.checkpoint()  # the chain's end is signed when the portal stops

    app = FastAPI(title="AnDanh portal", version="1", docs_url="/api/docs", openapi_url="/api/openapi.json",
                  description="Cổng dữ liệu KCB đã khử định danh / de-identified KCB data portal", lifespan=lifespan)
    app.state.workdir = workdir
    app.state.gov = open_governance(workdir, url)
    app.state.settings = get_settings()
    for module in (routes_data, routes_requests, routes_budgets, routes_admin, routes_api):
        app.include_router(module.router)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"refused": exc.code, "message": exc.message}, status_code=exc.status)
        if exc.status == 401 and exc.code == "signin_required":
            return RedirectResponse("/signin", status_code=303)
        return render(request, "error.html", exc.status, code=exc.code, message=exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        """Unknown paths and methods are refusals too (probing): audited, then answered plainly."""
        from pipelines.portal.security import audit
        audit(request, "route.not_found" if exc.status_code == 404 else "route.error", "refused",
              resource=request.url.path[:256], details={"code": "not_found" if exc.status_code == 404 else
                                                        f"http_{exc.status_code}"})
        if request.url.path.startswith("/api/"):
            return JSONResponse({"refused": "not_found", "message": str(exc.detail)}, status_code=exc.status_code)
        return render(request, "error.html", exc.status_code, code=f"http_{exc.status_code}", message=str(exc.detail))

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    return app
