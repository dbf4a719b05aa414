"""Controlled lists of the consumer registry: organisation kinds, purposes (mapped to Circular 38/2024
Art. 11), roles, tiers, and what each role may do. Requirement ids: ``shared/spec/legal.md``."""
from __future__ import annotations

from dataclasses import dataclass

# Art. 11(a): government agencies; Art. 11(b): facilities, health-sector education, health enterprises.
# Insurers are not an Art. 11 consumer: open aggregates only, never patient-level data (LEG-04).
ORG_KINDS: dict[str, tuple[str, str, str]] = {
    "state_agency": ("11(a)", "Cơ quan nhà nước", "State agency"),
    "health_facility": ("11(b)", "Cơ sở khám bệnh, chữa bệnh", "Health facility"),
    "education_institution": ("11(b)", "Cơ sở đào tạo, nghiên cứu", "Education/training institution"),
    "health_enterprise": ("11(b)", "Doanh nghiệp y tế", "Health enterprise"),
    "insurer": ("—", "Doanh nghiệp bảo hiểm", "Insurer (LEG-04: aggregates only)"),
}
ROW_LEVEL_BLOCKED_KINDS = frozenset({"insurer"})  # LEG-04


@dataclass(frozen=True)
class Purpose:
    code: str
    article: str
    title_vi: str
    title_en: str
    kinds: frozenset[str]


_B = frozenset({"health_facility", "education_institution", "health_enterprise"})
_A = frozenset({"state_agency"})
PURPOSES: dict[str, Purpose] = {p.code: p for p in (
    Purpose("policy_formulation", "11(a)", "Xây dựng chính sách", "Policy formulation", _A),
    Purpose("state_management", "11(a)", "Quản lý nhà nước về KCB", "State management of KCB", _A),
    Purpose("official_duties", "11(a)", "Nhiệm vụ công vụ khác", "Other official duties", _A),
    Purpose("health_strategy", "11(d)", "Chiến lược y tế", "Health strategy", _A),
    Purpose("training", "11(b)", "Đào tạo", "Training", _B),
    Purpose("scientific_research", "11(b)", "Nghiên cứu khoa học", "Scientific research", _B),
    Purpose("quality_improvement", "11(b)", "Nâng cao chất lượng KCB", "Improving KCB quality", _B),
    Purpose("care_effectiveness", "11(b)", "Hiệu quả chăm sóc sức khỏe", "Health-care effectiveness", _B),
    Purpose("public_statistics", "11(d)", "Thống kê công khai (dữ liệu tổng hợp)", "Public statistics (aggregates)",
            frozenset({"insurer"}) | _A | _B),
)}

ROLES: dict[str, tuple[str, str]] = {
    "policy_analyst": ("Chuyên viên chính sách", "Policy analyst"),
    "researcher": ("Nghiên cứu viên", "Researcher"),
    "data_custodian": ("Người quản lý dữ liệu", "Data custodian"),
    "data_engineer": ("Kỹ sư dữ liệu", "Data engineer"),
    "auditor": ("Kiểm toán viên", "Auditor"),
    "administrator": ("Quản trị viên", "Administrator"),
}

# Tiers in increasing order; an aggregate grant of a tier covers the aggregate tiers below it.
TIERS: tuple[str, ...] = ("open_aggregate", "restricted_aggregate", "row_level_extract")
RESOURCE_KINDS = ("dataset", "extract", "dp_budget")
EXTRACT_SOURCE = "xml1"  # the safe-zone table extracts are cut from (grant resource of row-level requests)

PERMISSIONS: dict[str, frozenset[str]] = {
    "catalog": frozenset(ROLES),
    "query": frozenset({"policy_analyst", "researcher", "data_custodian"}),
    "request": frozenset({"researcher"}),
    "review": frozenset({"data_custodian"}),
    "grant": frozenset({"data_custodian"}),
    "approve_purpose": frozenset({"data_custodian"}),
    "admin": frozenset({"administrator"}),
    "audit": frozenset({"auditor", "data_custodian"}),
}


def can(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())


def tier_covers(granted: str, wanted: str) -> bool:
    if "row_level_extract" in (granted, wanted):
        return granted == wanted
    return TIERS.index(granted) >= TIERS.index(wanted)
