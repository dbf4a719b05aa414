"""Reference tables shipped with the package (copied from the project's spec; read codes as strings)."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent


@lru_cache(maxsize=None)
def read_tsv(name: str) -> tuple[dict[str, str], ...]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh, delimiter="\t"))


def provinces_63() -> tuple[dict[str, str], ...]:
    """63 provinces before 2025-07-01: old_code, name, cccd_prefix, landline code, new_code_2025."""
    return read_tsv("provinces_63.tsv")


def provinces_34() -> tuple[dict[str, str], ...]:
    """34 provinces from 2025-07-01: new_code, name, merged_old_codes, landline_area_code."""
    return read_tsv("provinces_34.tsv")


def wards() -> tuple[dict[str, str], ...]:
    """Old commune -> new commune conversion rows (10,571), with old district and both provinces."""
    return read_tsv("wards_2025_conversion.tsv")


@lru_cache(maxsize=None)
def legacy_to_new_province() -> dict[str, str]:
    return {p["old_code"]: p["new_code_2025"] for p in provinces_63()}


def province_2025(matinh: str | None, episode_yyyymmdd: str | None) -> str | None:
    """The 34-province code for a residence code, reading it in the system in force on the date.

    Codes before 2025-07-01 are legacy codes and are mapped forward; later ones are already new.
    """
    if not matinh:
        return None
    code = matinh.strip()[-2:].zfill(2)
    new_codes = {p["new_code"] for p in provinces_34()}
    if episode_yyyymmdd and episode_yyyymmdd[:8] >= "20250701" and code in new_codes:
        return code
    return legacy_to_new_province().get(code, code if code in new_codes else None)


def icd10_chapters() -> tuple[dict[str, str], ...]:
    """WHO ICD-10 chapters with their first and last three-character category."""
    return read_tsv("icd10_chapters.tsv")


def world_places() -> tuple[dict[str, str], ...]:
    """Countries, world regions and places abroad (cities, islands, states), as Vietnamese text names them."""
    return read_tsv("world_places.tsv")
