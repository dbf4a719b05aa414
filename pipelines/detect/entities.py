"""The entity types the detector reports, and which of them identify a person directly (no heavy imports)."""
from __future__ import annotations

ENTITY_TYPES = (
    "PERSON", "VN_CCCD", "VN_BHYT", "VN_BHXH", "VN_STAFF_ID", "PHONE_NUMBER", "EMAIL_ADDRESS",
    "VN_ADDRESS", "LOCATION", "DATE_TIME", "AGE", "VN_PATIENT_ID",
)
DIRECT_IDENTIFIERS = (
    "PERSON", "VN_CCCD", "VN_BHYT", "VN_BHXH", "PHONE_NUMBER", "EMAIL_ADDRESS", "VN_ADDRESS",
    "VN_PATIENT_ID", "VN_STAFF_ID",
)

__all__ = ["DIRECT_IDENTIFIERS", "ENTITY_TYPES"]
