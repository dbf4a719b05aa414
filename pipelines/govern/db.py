"""The governance database: one SQLAlchemy engine per URL and its Alembic migrations.

The database is the run ledger's (``Workdir.ledger_url()``: a SQLite file under ``restricted/`` in
embedded mode, PostgreSQL with ``ANDANH_LEDGER_URL`` when deployed). Its schema is owned by the
Alembic migrations shipped in ``pipelines/govern/migrations`` (package data) and applied by
:func:`migrate` (``andanh govern migrate``, the portal at start, and the ledger on first use).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATED: set[str] = set()
_LOCK = threading.Lock()
_ENGINES: dict[str, sa.Engine] = {}


def engine_for(url: str) -> sa.Engine:
    """One engine per URL in this process (SQLite gets foreign keys on and a busy timeout)."""
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _create_engine(url)
        return engine


def migration_engine(url: str) -> sa.Engine:
    """An engine of its own for Alembic (dispose it after): on SQLite its transactions are real, DDL included
    (SQLAlchemy's pysqlite recipe), so a migration cut short (a full disk) leaves no half schema. Only here:
    for the portal's many short transactions, explicit deferred BEGINs would turn write contention into
    immediate 'database is locked' errors instead of waits."""
    engine = _create_engine(url, pool_size=1)
    if engine.dialect.name == "sqlite":
        immediate_transactions(engine)
    return engine


def immediate_transactions(engine: sa.Engine) -> None:
    """SQLite: every transaction real and begun IMMEDIATE (pysqlite otherwise starts them lazily, runs DDL
    outside any, and a SELECT takes no lock). For engines with few, decisive writers: migrations, the ε-ledger."""
    @sa.event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_conn, _record):
        dbapi_conn.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _create_engine(url: str, pool_size: int = 20) -> sa.Engine:
    pool = {"pool_size": pool_size, "max_overflow": 60, "pool_timeout": 60}  # the portal's worker threads
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True, **pool)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **pool)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        dbapi_conn.execute("PRAGMA busy_timeout=30000")
        dbapi_conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the audit log's writer
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")
    return engine


def alembic_config(url: str):
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["andanh_url"] = url
    return config


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """Serialise concurrent migrations: a file lock beside a SQLite file (PostgreSQL: advisory lock in env.py)."""
    database = sa.engine.make_url(url).database
    if url.startswith("sqlite") and database and database != ":memory:":
        from filelock import FileLock
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(database) + ".migrate.lock", timeout=120):
            yield
    else:
        yield


def migrate(url: str, revision: str = "head") -> str:
    """Bring the database at ``url`` to ``revision`` (default: the newest); returns the revision now in force."""
    from alembic import command
    with _migration_lock(url):
        command.upgrade(alembic_config(url), revision)
    _MIGRATED.add(url)
    return current_revision(url) or ""


def ensure_migrated(url: str) -> None:
    """Migrate once per process and URL (cheap on later calls)."""
    if url not in _MIGRATED:
        migrate(url)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine_for(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def session_factory(url: str) -> sessionmaker[Session]:
    ensure_migrated(url)
    return sessionmaker(engine_for(url), expire_on_commit=False)
