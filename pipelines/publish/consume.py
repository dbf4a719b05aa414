"""What a downstream consumer does with a release: read the latest one through the catalog (sandboxed)."""
from __future__ import annotations

from pipelines.publish.catalog import DUCKDB_FILE
from pipelines.publish.sandbox import catalog_views, open_sandbox
from pipelines.publish.spec import NAME
from pipelines.workdir import Workdir


def latest_release(workdir: str | None, dataset: str, *, timeout_s: float = 60) -> dict:
    """The current release of ``dataset``: version, verification, and rows per latest table view."""
    if not NAME.match(dataset):
        raise ValueError(f"not a dataset name: {dataset!r}")
    catalog = Workdir.at(workdir).published / DUCKDB_FILE
    prefix = f"{dataset}__"
    latest = sorted(v for v in catalog_views(catalog) if v.startswith(prefix) and "__" not in v[len(prefix):])
    with open_sandbox(catalog, views={"releases", *latest}, timeout_s=timeout_s) as box:
        current = box.query(f"SELECT version, verified, rows FROM releases WHERE dataset = '{dataset}' "
                            "AND status = 'current'").rows
        if not current:
            raise LookupError(f"no current release of {dataset} in {catalog}")
        rows = {view[len(prefix):]: box.query(f'SELECT count(*) FROM "{view}"').rows[0][0] for view in latest}
    version, verified, total = current[0]
    return {"dataset": dataset, "version": version, "verified": bool(verified), "rows": total, "tables": rows}
