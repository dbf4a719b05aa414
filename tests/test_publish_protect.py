"""protect() -> publish_release: the disclose step's tables publish as they come, and the audit still bites."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.disclose import SdcParams, TableRequest, protect
from pipelines.publish import ReleaseAuditError, publish_release
from tests.publish_fixtures import spec


def inner_cells(seed=5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for month in ("2024-03", "2024-04"):
        for province in ("01", "79", "48", "31"):
            for sex in ("Nam", "Nữ"):
                n = int(rng.choice([0, 2, 5, 9, 14, 30, 60]))
                cost = float(n * rng.uniform(100, 900))
                rows.append({"month": month, "province": province, "sex": sex, "encounters": n,
                             "total_cost_vnd": cost, "total_cost_vnd__max1": cost * 0.3,
                             "total_cost_vnd__max2": cost * 0.2})
    return pd.DataFrame(rows)


@pytest.fixture
def protected():
    s = spec()
    requests = [TableRequest(t.name, t.dimensions) for t in s.tables]
    return protect(inner_cells(), requests, count="encounters", sums=["total_cost_vnd"],
                   params=SdcParams.from_config(s.disclosure))


def test_protected_tables_publish_and_pass_the_independent_audit(workdir, protected):
    assert "suppression" in protected.tables["by_province"].columns  # handed over restricted ...
    s = publish_release(workdir, spec(), "2024-04", protected.tables, metadata={"stats": protected.stats})
    assert s.suppressed_cells > 0 and s.rows == sum(len(t) for t in protected.tables.values())
    import duckdb
    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    assert con.execute("SELECT count(*) FROM encounters__by_province WHERE NOT suppressed AND encounters "
                       "BETWEEN 1 AND 7").fetchone()[0] == 0
    columns = [r[0] for r in con.execute("DESCRIBE encounters__by_province").fetchall()]
    assert "suppression" not in columns and not any(c.endswith(("__max1", "__max2")) for c in columns)


def test_a_tampered_protected_table_is_refused(workdir, protected):
    t = protected.tables["by_province"]
    hidden = t.index[t["suppressed"]][0]
    t.loc[hidden, "total_cost_vnd"] = 1234.0  # a money value left on a suppressed cell
    with pytest.raises(ReleaseAuditError, match="suppressed cells carry no values"):
        publish_release(workdir, spec(), "2024-04", protected.tables, metadata={})
