"""The publish audit re-derives the rules from the dataset config and refuses every breach; nothing is written."""
from __future__ import annotations

import pytest

from pipelines.publish import ReleaseAuditError, publish_release
from tests.publish_fixtures import spec, tables


def attempt(workdir, s=None, data=None, metadata=None):
    with pytest.raises(ReleaseAuditError) as info:
        publish_release(workdir, s or spec(), "v1", data or tables(), metadata=metadata or {})
    assert not list(workdir.published.iterdir())  # nothing published, no catalog
    return str(info.value)


def broken(mutate):
    data = tables()
    mutate(data["by_province"])
    return data


def test_a_visible_small_count_is_refused(workdir):
    msg = attempt(workdir, data=broken(lambda d: d.__setitem__("encounters", d["encounters"].replace(10, 5))))
    assert "1 cell(s) break 'encounters: no published count in 1..7'" in msg


def test_counts_must_be_multiples_of_the_rounding_base(workdir):
    msg = attempt(workdir, data=broken(lambda d: d.__setitem__("encounters", d["encounters"].replace(15, 16))))
    assert "multiples of 5" in msg


@pytest.mark.parametrize("column", ["encounters", "total_cost_vnd"])
def test_a_suppressed_cell_carries_no_value_money_included(workdir, column):
    def leak(d):
        d.loc[1, column] = 40 if column == "encounters" else 123.0
    assert "suppressed cells carry no values" in attempt(workdir, data=broken(leak))


def test_the_suppression_reason_and_single_contributions_are_never_published(workdir):
    def reason(d):
        d["suppression"] = [None, "primary", None, None, None, None, "secondary", None]
    assert "restricted column(s) ['suppression']" in attempt(workdir, data=broken(reason))

    def top(d):
        d["total_cost_vnd__max1"] = 1.0
    assert "total_cost_vnd__max1" in attempt(workdir, data=broken(top))


def test_undeclared_columns_and_missing_dimensions_are_refused(workdir):
    assert "undeclared column(s) ['MA_BN']" in attempt(
        workdir, data=broken(lambda d: d.__setitem__("MA_BN", "x")))
    assert "dimension column(s) ['sex'] missing" in attempt(workdir, data=broken(lambda d: d.pop("sex")))


@pytest.mark.parametrize("config", [
    {"method": "sdc", "min_count": 1, "round_to": 5}, {"method": "sdc", "min_count": 7, "round_to": 5},
    {"method": "sdc", "min_count": 10, "round_to": 1}, {"method": "sdc", "round_to": 5},
    {"method": "dp"}, {"method": "dp", "epsilon": 0}, {"method": "none"}])
def test_configs_below_the_policy_floor_are_refused(workdir, config):
    msg = attempt(workdir, s=spec(disclosure=config))
    assert "policy floor" in msg or "epsilon" in msg or "method" in msg


def test_the_audit_uses_the_declared_threshold_not_the_callers_claims(workdir):
    # stricter config than the data was protected with: 10 and 15 are now inside 1..19
    msg = attempt(workdir, s=spec(disclosure={"method": "sdc", "min_count": 20, "round_to": 5}),
                  metadata={"disclosure": {"min_count": 8}, "audit": "passed"})
    assert "1..19" in msg


def test_a_suppressed_flag_is_required_and_never_null(workdir):
    assert "boolean 'suppressed'" in attempt(workdir, data=broken(lambda d: d.pop("suppressed")))
    def null(d):
        d["suppressed"] = d["suppressed"].astype(object)
        d.loc[0, "suppressed"] = None
    assert "never NULL" in attempt(workdir, data=broken(null))


def test_documented_extra_columns_pass_and_are_checked_on_suppressed_rows(workdir):
    data = tables()
    d = data["by_province"]
    d["encounters_ci_low"] = [None if s else 1.0 for s in d["suppressed"]]
    cols = {"encounters_ci_low": {"vi": "Cận dưới", "en": "Lower bound"}}
    summary = publish_release(workdir, spec(), "v1", data, metadata={"columns": cols})
    assert summary.rows == 10
    d.loc[1, "encounters_ci_low"] = 3.0
    with pytest.raises(ReleaseAuditError, match="suppressed cells carry no values"):
        publish_release(workdir, spec(), "v2", data, metadata={"columns": cols})
