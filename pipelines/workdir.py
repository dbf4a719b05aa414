"""Where each stage reads and writes under one data root (the work directory).

Zones (see README): ``landing/`` files as received; ``staging/``, ``rejects/`` and ``restricted/``
hold personal data and are the restricted zone; ``published/`` holds releases only.

Every zone holding personal data (``landing/``, ``staging/``, ``rejects/``, ``tmp/``, ``restricted/``) is
created 0700, and stages that write there run under :func:`private_files` (umask 077), so their
folders are 0700 and their files 0600 whatever the caller's umask. Scratch files get names unique
per host, process and call (:func:`scratch_path`); those of dead processes are removed on the next run.
Parquet files are written whole or not at all through :class:`AtomicParquetWriter` (or
:func:`write_parquet_atomic` for one table): a 0600 scratch file, then one rename onto the target.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import pyarrow as pa

PRIVATE_ZONES = ("landing", "staging", "rejects", "tmp", "restricted")
PRIVATE_DIR_MODE, PRIVATE_FILE_MODE = 0o700, 0o600
STALE_FOREIGN_SECONDS = 24 * 3600  # scratch of another host: removed once this old


@dataclass(frozen=True)
class Workdir:
    root: Path

    @classmethod
    def at(cls, root: str | os.PathLike | None = None) -> "Workdir":
        if root is None:
            from pipelines.settings import get_settings
            root = get_settings().workdir
        return cls(Path(root).resolve())

    landing = property(lambda self: self.root / "landing")
    staging = property(lambda self: self.root / "staging")
    rejects = property(lambda self: self.root / "rejects")
    restricted = property(lambda self: self.root / "restricted")
    published = property(lambda self: self.root / "published")
    tmp = property(lambda self: self.root / "tmp")
    batches = property(lambda self: self.restricted / "batches")
    vault = property(lambda self: self.restricted / "vault")
    quarantine = property(lambda self: self.restricted / "quarantine")
    validated = property(lambda self: self.restricted / "validated")
    safe = property(lambda self: self.restricted / "safe")
    reports = property(lambda self: self.restricted / "reports")

    def staged_table(self, table_id: str) -> Path:
        return self.staging / table_id

    def ledger_url(self) -> str:
        from pipelines.settings import get_settings
        url = get_settings().ledger_url
        return url.get_secret_value() if url else f"sqlite:///{self.restricted / 'ledger.sqlite'}"

    def private_zones(self) -> tuple[Path, ...]:
        return tuple(getattr(self, zone) for zone in PRIVATE_ZONES)

    def ensure(self) -> "Workdir":
        """Create the zones: personal-data zones 0700 (also repairs older, looser ones), and clean the
        scratch files that dead processes left in ``tmp/``."""
        if not self.root.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            os.chmod(self.root, 0o755)  # not writable by others, whatever the umask
        for zone in self.private_zones():
            zone.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
            os.chmod(zone, PRIVATE_DIR_MODE)
        self.published.mkdir(exist_ok=True)
        with private_files():
            self.batches.mkdir(parents=True, exist_ok=True)
        clean_stale_scratch(self.tmp)
        return self


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def batch_id_for(source: str, interval_start: str | None = None, interval_end: str | None = None) -> str:
    """Stable batch id: the same source over the same interval always gets the same id."""
    key = "\x1f".join([source, interval_start or "", interval_end or ""])
    return "b" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:15]


# --- private files -----------------------------------------------------------------------------

_umask_lock = threading.Lock()
_umask_depth = 0
_umask_saved = 0
F = TypeVar("F", bound=Callable)


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Umask 077 while the block runs (re-entrant): every file created is 0600, every folder 0700.

    The umask is per process, which is what a stage needs: DuckDB, SQLite and pyarrow create their
    files in this process too. Stages that write personal data wrap their entry point in it.
    """
    global _umask_depth, _umask_saved
    with _umask_lock:
        if _umask_depth == 0:
            _umask_saved = os.umask(0o077)
        _umask_depth += 1
    try:
        yield
    finally:
        with _umask_lock:
            _umask_depth -= 1
            if _umask_depth == 0:
                os.umask(_umask_saved)


def writes_private(func: F) -> F:
    """Decorator: run a stage entry point under :func:`private_files`."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with private_files():
            return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def write_private_bytes(path: Path, data: bytes) -> Path:
    """Write a file 0600 (atomically, through a scratch name beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    tmp = scratch_path(path.parent, "." + path.name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, PRIVATE_FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# --- Parquet written whole or not at all ------------------------------------------------------

class AtomicParquetWriter:
    """A Parquet file at ``path`` written piece by piece under a scratch name and put in place whole.

    The scratch file is created 0600 whatever the umask, beside ``path`` unless ``scratch_dir`` is given
    (``tmp/``, for folders whose readers glob ``*.parquet``), named ``<scratch_stem>.~…~.parquet``
    (default stem ``.<path stem>``). :meth:`commit` closes it, creates ``path``'s folder if needed and
    renames it onto ``path`` in one step; :meth:`abort`, or an error inside a ``with`` block, removes it
    and leaves ``path`` as it was. Writer options (``compression`` and the like) go to pyarrow."""

    def __init__(self, path: str | os.PathLike, schema: "pa.Schema", *, scratch_dir: str | os.PathLike | None = None,
                 scratch_stem: str | None = None, compression: str = "zstd", **options: object):
        import pyarrow.parquet as pq

        self.path = Path(path)
        folder = Path(scratch_dir) if scratch_dir is not None else self.path.parent
        folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        self.scratch = create_private_file(scratch_path(folder, scratch_stem or f".{self.path.stem}", ".parquet"))
        try:
            self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self.scratch, schema, compression=compression,
                                                                      **options)
        except BaseException:
            self.scratch.unlink(missing_ok=True)
            raise
        self.schema: pa.Schema = self._writer.schema

    def write(self, data: "pa.Table | pa.RecordBatch", row_group_size: int | None = None) -> None:
        if self._writer is None:
            raise ValueError(f"{self.path.name}: the Parquet writer is already closed")
        self._writer.write(data, row_group_size=row_group_size)

    def close(self) -> None:
        """Finish the scratch file (its footer) without putting it in place yet."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()

    def commit(self) -> Path:
        """Put the finished file at ``path`` (0600), replacing what was there; on failure nothing changes."""
        try:
            self.close()
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
            os.chmod(self.scratch, PRIVATE_FILE_MODE)
            os.replace(self.scratch, self.path)
        except BaseException:
            self.abort()
            raise
        return self.path

    def abort(self) -> None:
        """Drop the scratch file; ``path`` stays as it was."""
        with contextlib.suppress(Exception):
            self.close()
        self.scratch.unlink(missing_ok=True)

    def __enter__(self) -> "AtomicParquetWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def write_parquet_atomic(table: "pa.Table", path: str | os.PathLike, *, row_group_size: int | None = None,
                         **options) -> Path:
    """Write one table to ``path`` whole or not at all (see :class:`AtomicParquetWriter` for ``options``)."""
    with AtomicParquetWriter(path, table.schema, **options) as writer:
        writer.write(table, row_group_size=row_group_size)
    return writer.path


def create_private_file(path: Path) -> Path:
    """Create ``path`` empty and 0600 whatever the umask (it must not exist yet)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return path


# --- scratch names -----------------------------------------------------------------------------

_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname() or "host")[:40] or "host"
_SCRATCH = re.compile(r"\.~(?P<host>[A-Za-z0-9-]+)\.(?P<pid>[0-9]+)\.(?P<nonce>[0-9a-f]{8})~")


def scratch_path(directory: str | os.PathLike, stem: str, suffix: str = "") -> Path:
    """A scratch name in ``directory`` unique per host, process and call:
    ``<stem>.~<host>.<pid>.<random>~<suffix>``. Stale scratch of the same stem (a dead process on this
    host, or another host's older than a day) is removed first, so a crash leaves nothing for long."""
    directory = Path(directory)
    clean_stale_scratch(directory, stem)
    return directory / f"{stem}.~{_HOST}.{os.getpid()}.{secrets.token_hex(4)}~{suffix}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale_scratch(path: Path, now: float | None = None) -> bool:
    """Whether ``path`` is a scratch name whose writer is gone."""
    m = _SCRATCH.search(path.name)
    if not m:
        return False
    if m.group("host") == _HOST:
        return int(m.group("pid")) != os.getpid() and not _alive(int(m.group("pid")))
    try:
        age = (now or time.time()) - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    return age > STALE_FOREIGN_SECONDS


def clean_stale_scratch(directory: str | os.PathLike, stem: str | None = None) -> int:
    """Remove stale scratch files and folders in ``directory`` (only those of ``stem`` if given)."""
    directory = Path(directory)
    removed = 0
    try:
        candidates = _scratch_candidates(directory, stem)
    except OSError:
        return 0
    for path in candidates:
        if not is_stale_scratch(path):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


def _scratch_candidates(directory: Path, stem: str | None) -> list[Path]:
    """Entries named like scratch (``<stem>.~…~…``, any stem if None): the glob ``<stem>.~*~*``
    matched by prefix, without compiling a pattern per stem (a scratch name is made per file written)."""
    with os.scandir(directory) as entries:
        names = [e.name for e in entries]
    if stem is None:
        return [directory / n for n in names if (i := n.find(".~")) >= 0 and "~" in n[i + 2:]]
    prefix = f"{stem}.~"
    return [directory / n for n in names if n.startswith(prefix) and "~" in n[len(prefix):]]


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
