"""Seed a HIS-like database (``pipelines.ingest.his`` schema) with synthetic episodes."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Callable

import sqlalchemy as sa

from pipelines.ingest.his import create_his_schema, load_his
from pipelines.synth.generator import iter_episodes

CHUNK_EPISODES = 2_000


def seed_his(engine: sa.Engine, encounters: int, seed: int, *, schema: str = "his",
             progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Load ``encounters`` clean synthetic episodes in chunks (bounded memory); return rows per table."""
    create_his_schema(engine, schema=schema)
    loaded: Counter = Counter()
    chunk: dict[str, list] = defaultdict(list)
    done = 0
    for episode in iter_episodes(encounters, seed):
        for table_id, rows in episode.tables.items():
            chunk[table_id].extend(rows)
        done += 1
        if done % CHUNK_EPISODES == 0 or done == encounters:
            loaded.update(load_his(engine, chunk, schema=schema))
            chunk.clear()
            if progress:
                progress(done, encounters)
    return dict(loaded)
