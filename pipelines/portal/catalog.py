"""The one place the portal reads the release layout of ``published/`` (adapt here when it changes).

Layout read now: ``published/<dataset>/<release_id>/`` with ``manifest.json`` and the data file(s),
``published/<dataset>/LATEST``, and ``published/andanh.duckdb`` holding a table per dataset (the
latest release) and the ``releases`` table.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

CATALOG_FILE = "andanh.duckdb"
TITLES = {"encounter_costs_monthly": ("Lượt KCB và chi phí theo tháng", "Encounters and costs by month")}
DESCRIPTIONS = {
    "month": ("Tháng vào viện (yyyy-mm)", "Month of admission (yyyy-mm)"),
    "province_code": ("Mã tỉnh (34 tỉnh, 2025)", "Province code (34 provinces, 2025)"),
    "province_name": ("Tên tỉnh", "Province name"),
    "icd10_chapter": ("Chương ICD-10 của bệnh chính", "ICD-10 chapter of the main diagnosis"),
    "icd10_chapter_title": ("Tên chương ICD-10", "ICD-10 chapter title"),
    "sex": ("Giới tính", "Sex"),
    "age_band": ("Nhóm tuổi", "Age band"),
    "encounters": ("Số lượt KCB (ẩn nếu nhỏ)", "Encounters (withheld when small)"),
    "total_cost_vnd": ("Tổng chi phí (VND)", "Total cost (VND)"),
    "insurance_paid_vnd": ("BHYT thanh toán (VND)", "Paid by health insurance (VND)"),
    "patient_paid_vnd": ("Người bệnh trả (VND)", "Paid by the patient (VND)"),
    "suppressed": ("Ô bị ẩn (kiểm soát công bố)", "Cell withheld by disclosure control"),
}


@dataclass
class Release:
    dataset: str
    release_id: str
    path: Path
    manifest: dict
    latest: bool

    @property
    def rows(self) -> int:
        return int(self.manifest.get("rows", 0))

    @property
    def suppressed(self) -> int:
        return int(self.manifest.get("suppressed_cells", 0))

    @property
    def batches(self) -> list[str]:
        return list(self.manifest.get("batches", []))

    @property
    def files(self) -> dict[str, dict]:
        return dict(self.manifest.get("files", {}))


@dataclass
class Dataset:
    name: str
    title_vi: str
    title_en: str
    views: list[str]
    releases: list[Release] = field(default_factory=list)

    @property
    def latest(self) -> Release | None:
        return next((r for r in self.releases if r.latest), self.releases[-1] if self.releases else None)


def catalog_path(published: Path) -> Path:
    return published / CATALOG_FILE


def _releases(folder: Path) -> list[Release]:
    latest_file = folder / "LATEST"
    latest = latest_file.read_text().strip() if latest_file.exists() else None
    out = []
    for manifest in sorted(folder.glob("*/manifest.json")):
        m = json.loads(manifest.read_text(encoding="utf-8"))
        out.append(Release(folder.name, m.get("release_id", manifest.parent.name), manifest.parent, m,
                           m.get("release_id") == latest))
    return sorted(out, key=lambda r: r.manifest.get("created_at", ""))


def datasets(published: Path) -> dict[str, Dataset]:
    """Every dataset with at least one release, by name."""
    out: dict[str, Dataset] = {}
    if not published.exists():
        return out
    for folder in sorted(p for p in published.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        releases = _releases(folder)
        if releases:
            vi, en = TITLES.get(folder.name, (folder.name, folder.name))
            out[folder.name] = Dataset(folder.name, vi, en, [folder.name], releases)
    return out


def views_of(published: Path, names: set[str]) -> set[str]:
    """The catalog views (tables) that make up the given datasets."""
    all_sets = datasets(published)
    return {v for n in names if n in all_sets for v in all_sets[n].views}


def dictionary(release: Release) -> list[tuple[str, str, str]]:
    return [(c, *DESCRIPTIONS.get(c, ("", ""))) for c in release.manifest.get("columns", [])]


def verify_release(release: Release) -> list[str]:
    """Problems of a release folder: changed, missing or extra files against its manifest ([] = verified)."""
    problems = []
    listed = release.files
    for name, meta in listed.items():
        path = release.path / name
        if not path.is_file():
            problems.append(f"missing {name}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != meta.get("sha256"):
            problems.append(f"changed {name}")
    for path in release.path.rglob("*"):
        rel = path.relative_to(release.path).as_posix()
        if path.is_file() and rel not in listed and not rel.startswith("manifest.json"):
            problems.append(f"extra {rel}")
    return problems


def release_file(release: Release, name: str) -> Path | None:
    """A file listed in the release manifest, or None; names are never joined to paths unchecked."""
    if name not in release.files:
        return None
    path = (release.path / name).resolve()
    return path if path.is_relative_to(release.path.resolve()) and path.is_file() else None


def read_frame(published: Path, view: str, sql_tail: str = ""):
    """Rows of one catalog view as a pandas frame (the portal's own charts; user SQL goes through query.py)."""
    con = duckdb.connect(str(catalog_path(published)), read_only=True)
    try:
        return con.execute(f'SELECT * FROM "{view}" {sql_tail}').df()
    finally:
        con.close()
