"""Per-consumer ε budget, kept in the run-ledger database (SQLAlchemy; SQLite embedded, PostgreSQL deployed).

Tables (one :data:`metadata` object, for the governance migrations to import): ``dp_budgets`` (the
total ε a consumer may spend) and ``dp_spends`` (one row per release or query: ε, status ``spent`` or
``refunded``). :meth:`EpsilonLedger.spend` is atomic across threads and processes: the read of what is
left and the insert happen in one transaction that holds the write lock (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL ``SELECT … FOR UPDATE`` on the consumer's row), so two releases racing for the last ε cannot
both win. An overspend raises :class:`BudgetExceeded` and writes nothing; :meth:`EpsilonLedger.reserve`
refunds when the build inside it fails.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

metadata = sa.MetaData()
dp_budgets = sa.Table(
    "dp_budgets", metadata,
    sa.Column("consumer", sa.String(128), primary_key=True),
    sa.Column("total_epsilon", sa.Float, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
dp_spends = sa.Table(
    "dp_spends", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("consumer", sa.String(128), sa.ForeignKey("dp_budgets.consumer"), nullable=False, index=True),
    sa.Column("release_id", sa.String(256), nullable=False),
    sa.Column("epsilon", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # spent | refunded
    sa.Column("details", sa.Text, nullable=False, default="{}"),
    sa.Column("spent_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
)
TOLERANCE = 1e-9


class BudgetExceeded(RuntimeError):
    """The release would spend more ε than the consumer has left; nothing was spent."""


@dataclass(frozen=True)
class Spend:
    id: int
    consumer: str
    release_id: str
    epsilon: float


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class EpsilonLedger:
    """The ε budgets and spends in the database at ``url`` (the run ledger's, usually)."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, future=True,
                                       connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            from pipelines.govern.db import immediate_transactions
            immediate_transactions(self.engine)
        metadata.create_all(self.engine)

    def set_budget(self, consumer: str, total_epsilon: float) -> None:
        if not total_epsilon >= 0:
            raise ValueError("a budget is a non-negative ε")
        with self.engine.begin() as conn:
            updated = conn.execute(dp_budgets.update().where(dp_budgets.c.consumer == consumer)
                                   .values(total_epsilon=float(total_epsilon), updated_at=_now())).rowcount
            if not updated:
                conn.execute(dp_budgets.insert().values(consumer=consumer, total_epsilon=float(total_epsilon),
                                                        updated_at=_now()))

    def _state(self, conn, consumer: str, *, lock: bool) -> tuple[float | None, float]:
        query = sa.select(dp_budgets.c.total_epsilon).where(dp_budgets.c.consumer == consumer)
        if lock and not self.sqlite:
            query = query.with_for_update()
        total = conn.execute(query).scalar()
        spent = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(dp_spends.c.epsilon), 0.0)).where(
            (dp_spends.c.consumer == consumer) & (dp_spends.c.status == "spent"))).scalar()
        return total, float(spent or 0.0)

    def status(self, consumer: str) -> tuple[float | None, float]:
        """(total ε, spent ε) of ``consumer``; total None when no budget was set."""
        with self.engine.begin() as conn:
            return self._state(conn, consumer, lock=False)

    def remaining(self, consumer: str) -> float:
        with self.engine.begin() as conn:
            total, spent = self._state(conn, consumer, lock=False)
        return 0.0 if total is None else max(total - spent, 0.0)

    def spend(self, consumer: str, epsilon: float, release_id: str, *, details: dict | None = None) -> Spend:
        """Record ``epsilon`` spent by ``consumer`` on ``release_id``, or raise :class:`BudgetExceeded`."""
        if not epsilon > 0:
            raise ValueError("ε to spend must be positive")
        with self.engine.begin() as conn:
            total, spent = self._state(conn, consumer, lock=True)
            if total is None:
                raise BudgetExceeded(f"consumer {consumer!r} has no ε budget; the data custodian sets one "
                                     "(`andanh dp-budget --consumer … --set …`); nothing was spent")
            if spent + epsilon > total + TOLERANCE:
                raise BudgetExceeded(
                    f"consumer {consumer!r}: {release_id} needs ε={epsilon:g} but only {max(total - spent, 0):g} "
                    f"of {total:g} is left; refused, nothing was spent")
            new_id = conn.execute(dp_spends.insert().values(
                consumer=consumer, release_id=release_id, epsilon=float(epsilon), status="spent",
                details=json.dumps(details or {}, sort_keys=True, default=str), spent_at=_now())).inserted_primary_key[0]
        return Spend(int(new_id), consumer, release_id, float(epsilon))

    def refund(self, spend: Spend | int) -> None:
        spend_id = spend.id if isinstance(spend, Spend) else int(spend)
        with self.engine.begin() as conn:
            conn.execute(dp_spends.update().where((dp_spends.c.id == spend_id) & (dp_spends.c.status == "spent"))
                         .values(status="refunded", refunded_at=_now()))

    @contextlib.contextmanager
    def reserve(self, consumer: str, epsilon: float, release_id: str, *, details: dict | None = None) -> Iterator[Spend]:
        """Spend before the build; refund if the build raises."""
        spend = self.spend(consumer, epsilon, release_id, details=details)
        try:
            yield spend
        except BaseException:
            self.refund(spend)
            raise

    def spends(self, consumer: str) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(dp_spends).where(dp_spends.c.consumer == consumer)
                                .order_by(dp_spends.c.id)).mappings().all()
        return [dict(r) for r in rows]
