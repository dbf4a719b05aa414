"""LEG-24 and LEG-32: the data-sharing agreement and the DPIA drafted from the registry, not by hand."""
from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines.govern import open_governance
from pipelines.govern.documents import BLANK, DocumentError, dpia, sharing_agreement
from pipelines.portal.seed import seed_demo
from pipelines.workdir import Workdir


@pytest.fixture(scope="module")
def gov(tmp_path_factory):
    workdir = Workdir.at(tmp_path_factory.mktemp("docs") / "data").ensure()
    g = open_governance(workdir)
    seeded = seed_demo(g, ["encounters"])
    g.workdir, g.seeded = workdir, seeded
    return g


def test_agreement_names_the_registered_purposes_grants_and_deletion(gov):
    text = sharing_agreement(gov, "dhyhn")
    assert "Trường Đại học Y Hà Nội" in text and "TT 38/2024/TT-BYT Điều 11(b)" in text
    assert "`scientific_research`" in text and "`training`" in text
    assert "`policy_formulation`" not in text  # another organisation's purpose
    assert "| 4. Data covered" not in text and "## 4. Data covered" in text
    assert "safe 3650" in text and "72 hours" in text
    assert BLANK in text  # no controller configured: a visible blank, not an invented name
    for secret in gov.seeded.passwords.values():  # nothing of the accounts
        assert secret not in text


def test_agreement_lists_each_active_grant_with_its_window(gov):
    import sqlalchemy as sa

    from pipelines.govern.models import Grant, Organisation
    text = sharing_agreement(gov, "byt")
    with gov.sessions() as s:
        org_id = s.execute(sa.select(Organisation.id).where(Organisation.code == "byt")).scalar()
        grants = s.execute(sa.select(Grant).where(Grant.org_id == org_id, Grant.revoked_at.is_(None))).scalars().all()
    assert grants
    for g in grants:
        assert f"`{g.resource}` | {g.tier} | {g.purpose} | {g.valid_from.date()} – {g.valid_to.date()}" in text


def test_no_agreement_without_an_approved_purpose(gov):
    with pytest.raises(DocumentError, match="no organisation"):
        sharing_agreement(gov, "nobody")
    from pipelines.govern import registry as reg
    with gov.sessions.begin() as s:
        reg.create_organisation(s, code="pending-org", name="Chờ duyệt", kind="health_facility",
                                legal_basis="TT 38/2024 Điều 11(b)")
    with pytest.raises(DocumentError, match="no approved purpose"):
        sharing_agreement(gov, "pending-org")


def test_dpia_covers_controller_purposes_data_recipients_and_review(gov, monkeypatch):
    monkeypatch.setenv("ANDANH_CONTROLLER", "Cục Quản lý Khám, chữa bệnh")
    monkeypatch.setenv("ANDANH_DPO", "Phòng Bảo vệ dữ liệu cá nhân")
    text = dpia(gov)
    assert "Controller: Cục Quản lý Khám, chữa bệnh" in text and "(LEG-35): Phòng Bảo vệ dữ liệu cá nhân" in text
    assert "**DIRECT-ID**" in text and "XML1.HO_TEN" in text and "**SENSITIVE-HEALTH**" in text
    assert "Trường Đại học Y Hà Nội" in text and "Abroad: none" in text
    assert "```mermaid" in text and "next: " in text
    assert "`scientific_research`" in text


def test_cli_writes_the_drafts(gov, tmp_path):
    out = tmp_path / "dsa.md"
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "govern", "agreement", "--org", "dhyhn",
                          "--workdir", str(gov.workdir.root), "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-1500:]
    assert out.read_text().startswith("# Data-sharing agreement (draft)")
    bad = subprocess.run([sys.executable, "-m", "pipelines.cli", "govern", "agreement", "--org", "nobody",
                          "--workdir", str(gov.workdir.root)], capture_output=True, text=True)
    assert bad.returncode == 1 and "no organisation 'nobody'" in bad.stderr and "Traceback" not in bad.stderr
    dp = subprocess.run([sys.executable, "-m", "pipelines.cli", "govern", "dpia", "--workdir", str(gov.workdir.root)],
                        capture_output=True, text=True)
    assert dp.returncode == 0 and dp.stdout.startswith("# Data-protection impact assessment")
