"""REST API for scripts (bearer API tokens; the purpose in the ``X-Andanh-Purpose`` header). OpenAPI: /api/docs."""
from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from pipelines.portal import catalog
from pipelines.portal.routes_data import _granted, read_dataset, run_query
from pipelines.portal.security import audit, need

router = APIRouter(prefix="/api/v1", tags=["api"])


class QueryIn(BaseModel):
    sql: str


class QueryOut(BaseModel):
    columns: list[str]
    rows: list[list]
    truncated: bool


@router.get("/datasets")
def api_datasets(request: Request) -> list[dict]:
    """Datasets of the catalog and whether the caller's grants cover them for the declared purpose."""
    caller = need(request, "catalog")
    granted = _granted(request, caller)
    audit(request, "api.catalog")
    return [{"name": d.name, "title_vi": d.title_vi, "title_en": d.title_en, "granted": d.name in granted,
             "latest_release": d.latest.release_id if d.latest else None}
            for d in catalog.datasets(request.app.state.workdir.published).values()]


@router.get("/datasets/{name}")
def api_dataset(request: Request, name: str) -> dict:
    """Releases (manifests, verification), dictionary, suppression figures of one granted dataset."""
    _, ds = read_dataset(request, name, "api.data")
    audit(request, "api.data", resource=ds.name, details={"release": ds.latest.release_id})
    return {"name": ds.name, "dictionary": catalog.dictionary(ds.latest),
            "releases": [{"release_id": r.release_id, "manifest": r.manifest, "latest": r.latest,
                          "problems": catalog.verify_release(r)} for r in ds.releases]}


@router.post("/query")
def api_query(request: Request, body: QueryIn) -> QueryOut:
    """Governed SQL over the caller's granted views (SELECT only; audited with its SQL and row count)."""
    caller = need(request, "query")
    result = run_query(request, caller, body.sql)
    return QueryOut(columns=result.columns, rows=[list(r) for r in result.rows], truncated=result.truncated)
