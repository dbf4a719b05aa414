"""Approved request → built extract → automatic output check: the portal's one call into the extract builder.

``build_for_request`` is the adapter to ``pipelines.extract.build_extract(workdir, ExtractRequest)``;
``builder_request`` turns a governance request into the builder's request, which validates it
(quasi-identifiers and hierarchies, period, k, l, the structured filter) when the request is created.
Form syntax: quasi-identifiers ``COLUMN`` or ``COLUMN:hierarchy:from_level``; the population filter
is the builder's JSON mapping (``{"MATINH_2025": ["01", "79"], "GIOI_TINH": "2"}``), never SQL.
``output_check`` re-derives, from the built Parquet files, what the builder's report claims (LEG-21):
no direct identifier, no free text unless requested, only the requested variables, every
quasi-identifier class at least k rows and l distinct sensitive values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.govern.models import ExtractRequest, Project
from pipelines.workdir import Workdir

if TYPE_CHECKING:
    from pipelines.govern import Governance

PSEUDONYM_COLUMNS = {"PERSON_ID", "MA_LK", "PERSON_TOKEN", "person_token"}


@dataclass
class BuildOutcome:
    extract_id: str
    path: Path
    report: dict = field(default_factory=dict)


def _qi(item: str):
    parts = [p.strip() for p in item.split(":")]
    if len(parts) == 1:
        return parts[0]
    return {"column": parts[0], "hierarchy": parts[1]} | ({"from_level": parts[2]} if len(parts) > 2 else {})


def parse_population_filter(text: str) -> dict | None:
    import json
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError("the population filter is a JSON mapping {COLUMN: value | [values] | {op: value}}, "
                         "not SQL") from None
    if not isinstance(value, dict):
        raise ValueError("the population filter is a JSON mapping of columns")
    return value


def builder_request(req: ExtractRequest, project: Project, workdir: Workdir | None = None):
    """The builder's request (its constructor validates); RequestError / ValueError when malformed."""
    from pipelines.extract import ExtractRequest as BuilderRequest
    population = parse_population_filter(req.population_filter)
    _check_filter_columns(population, workdir)
    return BuilderRequest.from_dict({
        "project": project.code, "variables": list(req.variables),
        "quasi_identifiers": [_qi(q) for q in req.quasi_identifiers],
        "sensitive": req.sensitive[0] if req.sensitive else None, "filter": population,
        "period": req.period or None, "k": req.k, "l": req.l_diversity, "free_text": req.free_text,
        "extract_id": f"req{req.id}" if req.id else None})


def _check_filter_columns(population: dict | None, workdir: Workdir | None) -> None:
    """Filter columns must be columns of the safe xml1 files (their Parquet schema only is read)."""
    if not population or workdir is None:
        return
    import pyarrow.parquet as pq

    from pipelines.aggregate import safe_xml1_files
    known: set[str] = set()
    for path in safe_xml1_files(workdir):
        known |= set(pq.read_schema(path).names)
    unknown = sorted(c for c in population if c not in known)
    if unknown:
        raise ValueError(f"filter column(s) not in the safe xml1 table: {', '.join(unknown)[:200]}")


def validate(req: ExtractRequest, project: Project, workdir: Workdir) -> None:
    """Refuse a malformed request at creation (the builder's own request validation)."""
    builder_request(req, project, workdir)


BUILDER_ACTOR = "andanh-extract-builder"


def build_approved(gov: Governance, workdir: Workdir, request_id: int, *, actor: str = BUILDER_ACTOR, org: str = "",
                   details: dict | None = None) -> bool:
    """Approved → built: run the extract builder, then the automatic output check, audited either way.

    The one place a request is built: by the portal at approval (``ANDANH_EXTRACT_BUILDS=portal``,
    embedded mode) or by the ``andanh_extract`` DAG (``airflow``: the deployed portal cannot read the
    restricted zone). Returns False when the request is not (or no longer) approved."""
    from pipelines.govern import requests as airlock

    def record(outcome: str, purpose: str, more: dict) -> None:
        gov.audit.append(actor=actor, action="extract.build", outcome=outcome, org=org, purpose=purpose,
                         resource=f"request:{request_id}", details=(details or {}) | more)

    with gov.sessions.begin() as s:
        req = s.get(ExtractRequest, request_id)
        if req is None or req.state != "approved":
            return False
        purpose = req.purpose
        try:
            outcome = build_for_request(workdir, req, s.get(Project, req.project_id))
        except Exception as exc:  # audited, then raised: the DAG retries, the portal shows the error
            failure = exc
        else:
            failure = None
    if failure is not None:
        record("failed", purpose, {"error": type(failure).__name__})
        raise failure
    with gov.sessions.begin() as s:
        req = s.get(ExtractRequest, request_id)
        req.extract_id, req.extract_path, req.report = outcome.extract_id, str(outcome.path), outcome.report
        req.output_check = output_check(outcome.path, req)
        airlock.move(s, req, "built", None)
        passed = req.output_check.get("passed")
    record("ok", purpose, {"extract_id": outcome.extract_id, "output_check": passed})
    return True


def build_all_approved(gov: Governance, workdir: Workdir) -> list[int]:
    """Every approved request, oldest first (the ``andanh_extract`` DAG's task); the ids built."""
    import sqlalchemy as sa

    with gov.sessions() as s:
        ids = s.execute(sa.select(ExtractRequest.id).where(ExtractRequest.state == "approved")
                        .order_by(ExtractRequest.id)).scalars().all()
    return [request_id for request_id in ids if build_approved(gov, workdir, request_id)]


def build_for_request(workdir: Workdir, req: ExtractRequest, project: Project) -> BuildOutcome:
    """Run the extract builder for an approved request (the one call site of ``build_extract``)."""
    from pipelines.extract import build_extract
    result = build_extract(workdir, builder_request(req, project))
    return BuildOutcome(result.extract_id, Path(result.folder), dict(result.report or {}))


def _forbidden_columns(free_text: bool) -> set[str]:
    from pipelines.schema import load_schema
    schema = load_schema()
    forbidden = set()
    for table in schema.tables.values():
        forbidden |= {f.name for f in table.fields_of_class("DIRECT-ID")}
        if not free_text:
            forbidden |= {f.name for f in table.fields_of_class("FREE-TEXT")}
    return forbidden - PSEUDONYM_COLUMNS


def output_check(path: Path, req: ExtractRequest) -> dict:
    """Check the built files themselves; ``passed`` is False with the reasons when anything fails."""
    files = sorted(str(p) for p in path.rglob("*.parquet"))
    if not files:
        return {"passed": False, "problems": ["the extract holds no Parquet file"]}
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE x AS SELECT * FROM read_parquet($f, union_by_name = true)", {"f": files})
        columns = [r[0] for r in con.execute("DESCRIBE x").fetchall()]
        rows = con.execute("SELECT count(*) FROM x").fetchone()[0]
        problems = [f"direct identifier or free text column {c}" for c in columns
                    if c in _forbidden_columns(req.free_text)]
        qi_columns = [q.split(":")[0].strip() for q in req.quasi_identifiers]
        allowed = set(req.variables) | set(qi_columns) | set(req.sensitive) | PSEUDONYM_COLUMNS
        problems += [f"column {c} was not requested" for c in columns if c not in allowed and not c.startswith("_")]
        qi = [c for c in qi_columns if c in columns]
        k_min = l_min = None
        if qi and rows:
            groups = ", ".join(f'"{c}"' for c in qi)
            k_min = con.execute(f"SELECT min(n) FROM (SELECT count(*) n FROM x GROUP BY {groups})").fetchone()[0]
            if k_min < req.k:
                problems.append(f"a quasi-identifier class has {k_min} rows, fewer than k={req.k}")
            for s in (c for c in req.sensitive if c in columns):
                l_min = con.execute(f'SELECT min(d) FROM (SELECT count(DISTINCT "{s}") d FROM x GROUP BY {groups})'
                                    ).fetchone()[0]
                if l_min < req.l_diversity:
                    problems.append(f"{s}: a class has {l_min} distinct values, fewer than l={req.l_diversity}")
    finally:
        con.close()
    return {"passed": not problems, "problems": problems, "rows": rows, "columns": columns, "k_min": k_min,
            "l_min": l_min}
