"""Demo registry for ``andanh portal``: organisations, purposes, one account per role, a research project,
grants. Passwords, TOTP secrets and the researcher's age identity are generated here and returned to be
printed once; none is in the code or stored in clear."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

import pyotp
import pyrage
import sqlalchemy as sa

from pipelines.govern import Governance
from pipelines.govern import registry as reg
from pipelines.govern.models import User, utcnow
from pipelines.govern.policy import EXTRACT_SOURCE

DEMO_BUDGET, DEMO_EPSILON = "nc-demo", 3.0  # the demo project's ε budget (consumer name, total)

ORGS = (("byt", "Bộ Y tế (Cục Quản lý KCB)", "state_agency", "TT 38/2024/TT-BYT Điều 11(a)",
         ("policy_formulation", "state_management")),
        ("dhyhn", "Trường Đại học Y Hà Nội", "education_institution", "TT 38/2024/TT-BYT Điều 11(b)",
         ("scientific_research", "training")),
        ("bhxh-demo", "Doanh nghiệp bảo hiểm (demo)", "insurer", "Thống kê công khai", ("public_statistics",)))
ACCOUNTS = (("analyst", "byt", "policy_analyst"), ("researcher", "dhyhn", "researcher"),
            ("custodian1", "byt", "data_custodian"), ("custodian2", "byt", "data_custodian"),
            ("engineer", "byt", "data_engineer"), ("auditor", "byt", "auditor"), ("admin", "byt", "administrator"))


@dataclass
class Seeded:
    passwords: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    totp: dict[str, str] = field(default_factory=dict)
    researcher_identity: str = ""
    created: bool = True


def seed_demo(gov: Governance, datasets: list[str], *, totp_for_custodians: bool = True) -> Seeded:
    """Create the demo registry once (an existing registry is left alone: ``created`` is False)."""
    out = Seeded()
    with gov.sessions.begin() as s:
        if s.execute(sa.select(sa.func.count()).select_from(User)).scalar():
            return Seeded(created=False)
        orgs = {}
        for code, name, kind, basis, _purposes in ORGS:
            orgs[code] = reg.create_organisation(s, code=code, name=name, kind=kind, legal_basis=basis,
                                                 contact_name="Demo", contact_email=f"dpo@{code}.example.vn")
        identity = pyrage.x25519.Identity.generate()
        users = {}
        for username, org, role in ACCOUNTS:
            password = secrets.token_urlsafe(12)
            totp = pyotp.random_base32() if totp_for_custodians and role == "data_custodian" else None
            users[username] = reg.create_user(
                s, username=username, org=orgs[org], role=role, password=password, totp_secret=totp,
                age_recipient=str(identity.to_public()) if role == "researcher" else None)
            out.passwords[username], out.roles[username] = password, role
            if totp:
                out.totp[username] = totp
        for code, *_rest, purposes in ORGS:
            for purpose in purposes:
                reg.approve_purpose(s, reg.register_purpose(s, orgs[code], purpose), users["custodian1"])
        _grants(s, orgs, users, datasets)
        out.researcher_identity = str(identity)
    from pipelines.dp import EpsilonLedger
    EpsilonLedger(gov.url).set_budget(DEMO_BUDGET, DEMO_EPSILON)
    return out


def _grants(s, orgs, users, datasets: list[str]) -> None:
    year = utcnow() + dt.timedelta(days=365)
    custodian = users["custodian1"]
    project = reg.create_project(s, code="nc-demo", title="Nghiên cứu chi phí điều trị (demo)", org=orgs["dhyhn"],
                                 purpose="scientific_research", members=[users["researcher"]],
                                 facility_consent="Demo: consent of the data-providing facilities recorded (LEG-06)",
                                 ethics_ref="IRB-DEMO-1")
    for name in datasets:
        for org, purpose in (("byt", "policy_formulation"), ("dhyhn", "scientific_research"),
                             ("bhxh-demo", "public_statistics")):
            reg.create_grant(s, by=custodian, org=orgs[org], resource_kind="dataset", resource=name,
                             purpose=purpose, tier="open_aggregate", valid_to=year)
    reg.create_grant(s, by=custodian, project=project, resource_kind="dataset", resource=EXTRACT_SOURCE,
                     purpose="scientific_research", tier="row_level_extract", valid_to=year)
    # an ε budget for the project's noisy (DP) extracts; its total is set in the ε-ledger by seed_demo
    reg.create_grant(s, by=custodian, project=project, resource_kind="dp_budget", resource=DEMO_BUDGET,
                     purpose="scientific_research", tier="restricted_aggregate", valid_to=year)
