"""Run ledger: per batch, stage and table, how many records came in and where each one went.

Behind SQLAlchemy so embedded mode uses a SQLite file and a deployment uses PostgreSQL
(``ANDANH_LEDGER_URL``). Re-running a stage for a batch replaces its rows, so counts never double.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa

metadata = sa.MetaData()
ledger_entries = sa.Table(
    "ledger_entries", metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("stage", sa.String(32), primary_key=True),
    sa.Column("table_name", sa.String(32), primary_key=True),
    sa.Column("received", sa.BigInteger, nullable=False, default=0),
    sa.Column("passed", sa.BigInteger, nullable=False, default=0),
    sa.Column("quarantined", sa.BigInteger, nullable=False, default=0),
    sa.Column("rejected", sa.BigInteger, nullable=False, default=0),
    sa.Column("details", sa.Text, nullable=False, default="{}"),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
watermarks = sa.Table(
    "watermarks", metadata,
    sa.Column("source", sa.String(512), primary_key=True),
    sa.Column("value", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
# The version order of batches: a number given once, when a batch is first ingested (or first seen by
# aggregation in an older data root), never changed; the latest version of an episode comes from the
# batch with the highest number.
batch_sequence = sa.Table(
    "batch_sequence", metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass
class LedgerEntry:
    batch_id: str
    stage: str
    table_name: str
    received: int = 0
    passed: int = 0
    quarantined: int = 0
    rejected: int = 0
    details: dict = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return self.received == self.passed + self.quarantined + self.rejected


class Ledger:
    def __init__(self, url: str):
        self.engine = sa.create_engine(url, future=True)
        metadata.create_all(self.engine)

    def record(self, entries: list[LedgerEntry]) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        with self.engine.begin() as conn:
            for e in entries:
                key = (ledger_entries.c.batch_id == e.batch_id) & (ledger_entries.c.stage == e.stage) & (
                    ledger_entries.c.table_name == e.table_name)
                conn.execute(ledger_entries.delete().where(key))
                conn.execute(ledger_entries.insert().values(
                    batch_id=e.batch_id, stage=e.stage, table_name=e.table_name, received=e.received,
                    passed=e.passed, quarantined=e.quarantined, rejected=e.rejected,
                    details=json.dumps(e.details, ensure_ascii=False, sort_keys=True), recorded_at=now))

    def entries(self, batch_id: str | None = None) -> list[LedgerEntry]:
        query = sa.select(ledger_entries).order_by(ledger_entries.c.recorded_at, ledger_entries.c.stage,
                                                   ledger_entries.c.table_name)
        if batch_id:
            query = query.where(ledger_entries.c.batch_id == batch_id)
        with self.engine.connect() as conn:
            return [LedgerEntry(batch_id=r.batch_id, stage=r.stage, table_name=r.table_name,
                                received=r.received, passed=r.passed, quarantined=r.quarantined,
                                rejected=r.rejected, details=json.loads(r.details)) for r in conn.execute(query)]

    def get_watermark(self, source: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(watermarks.c.value).where(watermarks.c.source == source)).scalar()

    def set_watermark(self, source: str, value: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(watermarks.delete().where(watermarks.c.source == source))
            conn.execute(watermarks.insert().values(source=source, value=value,
                                                    updated_at=dt.datetime.now(dt.timezone.utc)))

    def batch_sequences(self, batch_ids: list[str]) -> dict[str, int]:
        """Batch id -> its sequence number; batches without one get the next numbers, in the order their
        ingest was recorded (then by id), in one transaction."""
        with self.engine.begin() as conn:
            known = dict(conn.execute(sa.select(batch_sequence.c.batch_id, batch_sequence.c.seq)).all())
            missing = [b for b in batch_ids if b not in known]
            if missing:
                ingested = dict(conn.execute(
                    sa.select(ledger_entries.c.batch_id, sa.func.min(ledger_entries.c.recorded_at))
                    .where(ledger_entries.c.stage == "ingest").group_by(ledger_entries.c.batch_id)).all())
                far = dt.datetime.max.replace(tzinfo=None)
                missing.sort(key=lambda b: (_naive(ingested.get(b)) or far, b))
                now = dt.datetime.now(dt.timezone.utc)
                for b in missing:
                    known[b] = max(known.values(), default=0) + 1
                    conn.execute(batch_sequence.insert().values(batch_id=b, seq=known[b], assigned_at=now))
        return {b: known[b] for b in batch_ids}


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=None) if value is not None else None
