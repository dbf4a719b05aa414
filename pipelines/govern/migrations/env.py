"""Alembic environment of the governance database (run programmatically by ``pipelines.govern.db.migrate``)."""
from __future__ import annotations

from alembic import context

from pipelines.govern.db import migration_engine
from pipelines.dp.budget import metadata as dp_metadata
from pipelines.govern.models import Base
from pipelines.ledger import metadata as ledger_metadata

config = context.config
url = config.attributes.get("andanh_url") or config.get_main_option("sqlalchemy.url")
ADVISORY_KEY = 0x616E64616E68  # "andanh": one migration at a time on a PostgreSQL server


def run() -> None:
    engine = migration_engine(url)
    try:
        _migrate(engine)
    finally:
        engine.dispose()


def _migrate(engine) -> None:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({ADVISORY_KEY})")
            connection.commit()
        try:
            # one transaction for every pending migration, SQLite included: all of them or none
            context.configure(connection=connection, target_metadata=[Base.metadata, ledger_metadata, dp_metadata],
                              render_as_batch=connection.dialect.name == "sqlite", transactional_ddl=True)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_KEY})")
                connection.commit()


run()
