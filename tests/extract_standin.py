"""TEST STAND-IN for ``pipelines.extract`` until the extract builder is merged (the lead removes it then).

It is a real, if minimal, k-anonymous cut of the safe zone: it reads every batch's de-identified
``restricted/safe/<batch>/xml1.parquet``, keeps the requested columns, drops every quasi-identifier
class with fewer than k rows or fewer than l distinct sensitive values (suppression only, no
generalisation), re-keys ``MA_LK`` per project (HMAC with a key derived from the project code), and
writes ``restricted/extracts/<id>/extract.parquet`` with its report. The portal's output check then
re-derives k and l from the file, so a wrong cut here fails the tests.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import types
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


@dataclass
class ExtractRequest:
    project: str
    variables: list[str]
    quasi_identifiers: list[str]
    sensitive: list[str]
    filter: str | None = None
    period: str | None = None
    k: int = 5
    l: int = 2  # noqa: E741 (the contract's name)
    free_text: bool = False


@dataclass
class ExtractResult:
    extract_id: str
    path: Path
    report: dict = field(default_factory=dict)


def build_extract(workdir, request: ExtractRequest) -> ExtractResult:
    files = sorted(str(p) for p in workdir.safe.glob("*/xml1.parquet"))
    extract_id = "x" + hashlib.sha256(json.dumps(vars(request), sort_keys=True).encode()).hexdigest()[:12]
    out = workdir.restricted / "extracts" / extract_id
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = hashlib.sha256(b"standin-project-scope:" + request.project.encode()).digest()
    con = duckdb.connect()
    con.create_function("rekey", lambda v: hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:20], [str], str)
    qi = ", ".join(f'"{c}"' for c in request.quasi_identifiers)
    cols = ", ".join(f'"{c}"' for c in request.variables)
    diverse = " AND ".join(f'count(DISTINCT "{s}") OVER w >= {request.l}' for s in request.sensitive) or "TRUE"
    con.execute(f"""CREATE TABLE cut AS SELECT rekey(MA_LK) AS MA_LK, {cols}, _batch_id FROM (
        SELECT *, count(*) OVER w AS n, ({diverse}) AS ok FROM read_parquet($f, union_by_name = true)
        WINDOW w AS (PARTITION BY {qi})) WHERE n >= {request.k} AND ok""", {"f": files})
    total = con.execute("SELECT count(*) FROM read_parquet($f, union_by_name = true)", {"f": files}).fetchone()[0]
    kept = con.execute("SELECT count(*) FROM cut").fetchone()[0]
    batches = [r[0] for r in con.execute("SELECT DISTINCT _batch_id FROM cut ORDER BY 1").fetchall()]
    con.execute(f"COPY (SELECT * EXCLUDE (_batch_id) FROM cut) TO '{out / 'extract.parquet'}' (FORMAT parquet)")
    con.close()
    report = {"k": request.k, "l": request.l, "rows": kept, "suppressed_rows": total - kept, "batches": batches,
              "builder": "tests/extract_standin.py"}
    (out / "report.json").write_text(json.dumps(report))
    return ExtractResult(extract_id, out, report)


def install() -> types.ModuleType | None:
    """Put the stand-in in place of ``pipelines.extract`` when the real builder is not importable."""
    import sys
    try:
        import pipelines.extract  # noqa: F401
        return None
    except ImportError:
        module = types.ModuleType("pipelines.extract")
        module.ExtractRequest, module.ExtractResult, module.build_extract = ExtractRequest, ExtractResult, build_extract
        sys.modules["pipelines.extract"] = module
        return module
