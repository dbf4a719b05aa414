"""The one place the portal reads the release layout of ``published/`` (``pipelines.publish``).

``published/<dataset>/<version>/`` holds ``manifest.json`` (+ ``.sig``), the bilingual dictionary and
one Hive-partitioned folder per table; ``published/<dataset>/LATEST`` names the current version;
superseded releases sit in ``published/_archive/<dataset>/<version>/``. ``published/andanh.duckdb``
has ``<dataset>__<table>`` (latest) views, ``<dataset>`` for a one-table dataset, and ``releases``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb

from pipelines.publish.catalog import ARCHIVE, DUCKDB_FILE, read_manifest, read_pointer, sql_name
from pipelines.publish.verify import MANIFEST

EXTRA_FILES = (MANIFEST, MANIFEST + ".sig")


@dataclass
class Release:
    dataset: str
    release_id: str
    path: Path
    manifest: dict
    latest: bool
    retired: bool = False

    @property
    def rows(self) -> int:
        tables = self.manifest.get("tables", {})
        return int(self.manifest.get("rows") or sum(int(t.get("rows", 0)) for t in tables.values()))

    @property
    def suppressed(self) -> int:
        audited = ((self.manifest.get("disclosure") or {}).get("audit") or {}).get("tables") or {}
        return int(self.manifest.get("suppressed_cells")
                   or sum(int(t.get("suppressed_cells", 0)) for t in audited.values()))
    batches = property(lambda self: list(self.manifest.get("source_batches", [])))
    files = property(lambda self: dict(self.manifest.get("files", {})))
    tables = property(lambda self: list(self.manifest.get("tables", {})))
    created_at = property(lambda self: self.manifest.get("created_at", ""))
    min_count = property(lambda self: (self.manifest.get("disclosure", {}).get("config") or {}).get("min_count"))


@dataclass
class Dataset:
    name: str
    title_vi: str
    title_en: str
    views: list[str]
    releases: list[Release] = field(default_factory=list)

    @property
    def latest(self) -> Release | None:
        return next((r for r in self.releases if r.latest), None)


def catalog_path(published: Path) -> Path:
    return published / DUCKDB_FILE


def _releases(folder: Path, current: str | None, retired: bool) -> list[Release]:
    out = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and (p / MANIFEST).exists()):
        manifest = read_manifest(path)
        if manifest:
            out.append(Release(folder.name, path.name, path, manifest, path.name == current and not retired, retired))
    return out


def datasets(published: Path) -> dict[str, Dataset]:
    """Every dataset with a current release, by name, with its whole release history (read again
    whenever the catalog file is rebuilt, i.e. on every publish)."""
    catalog = catalog_path(published)
    stamp = catalog.stat().st_mtime_ns if catalog.exists() else 0
    return _datasets(str(published), stamp)


@lru_cache(maxsize=8)
def _datasets(published_dir: str, _stamp: int) -> dict[str, Dataset]:
    published = Path(published_dir)
    out: dict[str, Dataset] = {}
    if not published.exists():
        return out
    for folder in sorted(p for p in published.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        releases = _releases(folder, read_pointer(folder), False)
        archive = published / ARCHIVE / folder.name
        if archive.is_dir():
            releases += _releases(archive, None, True)
        releases.sort(key=lambda r: r.created_at)
        latest = next((r for r in releases if r.latest), None)
        if latest is None:
            continue
        views = [sql_name(folder.name, t) for t in latest.tables] + ([folder.name] if len(latest.tables) == 1 else [])
        out[folder.name] = Dataset(folder.name, latest.manifest.get("title_vi", folder.name),
                                   latest.manifest.get("title_en", folder.name), views, releases)
    return out


def views_of(published: Path, names: set[str]) -> set[str]:
    """The catalog views that make up the given datasets."""
    all_sets = datasets(published)
    return {v for n in names if n in all_sets for v in all_sets[n].views}


def dictionary(release: Release) -> list[tuple[str, str, str]]:
    """(column, Vietnamese, English) of every table of the release, from its published dictionary."""
    path = release.path / "data_dictionary.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(f"{t}.{c['name']}" if len(data.get("tables", {})) > 1 else c["name"], c.get("vi", ""), c.get("en", ""))
            for t, info in data.get("tables", {}).items() for c in info.get("columns", [])]


def verify_release(release: Release) -> list[str]:
    """Problems of a release folder (signature, changed, missing or extra files); [] when verified."""
    return _verify(str(release.path), release.path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _verify(path: str, _mtime: int) -> list[str]:
    from pipelines.publish.verify import verify_release as verify
    result = verify(path)
    if result.ok:
        return []
    return ([f"signature {result.signature}"] if result.signature != "valid" else []) + \
        [f"changed {p}" for p in result.changed] + [f"missing {p}" for p in result.missing] + \
        [f"extra {p}" for p in result.extra] + list(result.problems)


def release_file(release: Release, name: str) -> Path | None:
    """A file the release manifest lists (or the manifest and its signature), else None: names are never
    joined to paths unchecked."""
    if name not in release.files and name not in EXTRA_FILES:
        return None
    path = (release.path / name).resolve()
    return path if path.is_relative_to(release.path.resolve()) and path.is_file() else None


def read_frame(published: Path, view: str):
    """Rows of one catalog view as a pandas frame (the portal's own charts; user SQL goes through query.py)."""
    con = duckdb.connect(str(catalog_path(published)), read_only=True)
    try:
        return con.execute('SELECT * FROM "' + view.replace('"', '""') + '"').df()
    finally:
        con.close()


def columns_of(published: Path, view: str) -> list[str]:
    path = catalog_path(published)
    return list(_columns(str(path), path.stat().st_mtime_ns, view))


@lru_cache(maxsize=512)
def _columns(path: str, _mtime: int, view: str) -> tuple[str, ...]:
    con = duckdb.connect(path, read_only=True)
    try:
        return tuple(r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                               "ORDER BY ordinal_position", [view]).fetchall())
    finally:
        con.close()


def is_dimension(column: str, columns: list[str]) -> bool:
    """Grouping columns of a published table (not measures, the flag or name/title labels)."""
    return column != "suppressed" and not column.endswith(("_name", "_title", "_vnd", "__max1", "__max2", "_low",
                                                           "_high")) \
        and column not in ("encounters",)


def view_with(published: Path, ds: Dataset, kind: tuple[str, ...]) -> tuple[str, str] | None:
    """(view, column) of the first table of the dataset holding one of the chart's candidate columns."""
    for view in ds.views:
        columns = columns_of(published, view)
        for column in kind:
            if column in columns:
                return view, column
    return None
