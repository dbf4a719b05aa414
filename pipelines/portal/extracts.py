"""Approved request → built extract → automatic output check: the portal's one call into the extract builder.

``build_for_request`` is the adapter to ``pipelines.extract.build_extract(workdir, ExtractRequest)``
(imported lazily: until the builder is merged it raises :class:`ExtractBuilderMissing`).
``output_check`` re-derives, from the built Parquet files, what the builder's report claims (LEG-21):
no direct identifier, no free text unless requested, only the requested variables, every
quasi-identifier class at least k rows and l distinct sensitive values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.govern.models import ExtractRequest, Project
from pipelines.workdir import Workdir

PSEUDONYM_COLUMNS = {"PERSON_ID", "MA_LK", "PERSON_TOKEN", "person_token"}


class ExtractBuilderMissing(RuntimeError):
    """``pipelines.extract`` is not installed in this build."""


@dataclass
class BuildOutcome:
    extract_id: str
    path: Path
    report: dict = field(default_factory=dict)


def _to_builder_request(req: ExtractRequest, project: Project):
    from pipelines.extract import ExtractRequest as BuilderRequest
    return BuilderRequest(project=project.code, variables=list(req.variables),
                          quasi_identifiers=list(req.quasi_identifiers), sensitive=list(req.sensitive),
                          filter=req.population_filter or None, period=req.period, k=req.k, l=req.l_diversity,
                          free_text=req.free_text)


def build_for_request(workdir: Workdir, req: ExtractRequest, project: Project) -> BuildOutcome:
    """Run the extract builder for an approved request (the one call site of ``build_extract``)."""
    try:
        from pipelines.extract import build_extract
    except ImportError as exc:
        raise ExtractBuilderMissing("the extract builder (pipelines.extract) is not merged in this build") from exc
    result = build_extract(workdir, _to_builder_request(req, project))
    report = getattr(result, "report", {}) or {}
    if not isinstance(report, dict):
        report = dict(vars(report))
    path = Path(getattr(result, "path", None) or workdir.restricted / "extracts" / result.extract_id)
    return BuildOutcome(result.extract_id, path, report)


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
        allowed = set(req.variables) | set(req.quasi_identifiers) | set(req.sensitive) | PSEUDONYM_COLUMNS
        problems += [f"column {c} was not requested" for c in columns if c not in allowed and not c.startswith("_")]
        qi = [c for c in req.quasi_identifiers if c in columns]
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
