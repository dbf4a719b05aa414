"""What the sharded stages (validate, de-identify) share: the shard of an episode key, the plan and
commit records of an attempt, and atomic writes of shard outputs.

A stage in shards runs as plan -> one task per shard -> close. The plan starts an attempt (a random
id and a fingerprint of the inputs) in the stage's work folder; each shard writes its folder
``shards/shard-<k>/`` whole or not at all, with ``shard.json`` naming the attempt and inputs; the close
refuses unless every shard of the attempt is there and made from the same inputs, then writes
``committed.json``. Re-running a shard or the close of a committed attempt returns what was committed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.workdir import scratch_path

PLAN, COMMITTED, RESULT = "plan.json", "committed.json", "shard.json"
IN_PROCESS_SHARDS = 1  # one process (andanh run, andanh validate/deidentify): more shards would only add passes
MAPPED_SHARDS = 4  # the andanh_kcb DAG: as wide as its mapped ingest


class ShardsIncomplete(RuntimeError):
    """The close found a shard of the attempt missing or made from other inputs."""


def shard_of(keys: pa.Array | pa.ChunkedArray, shards: int) -> pa.Array:
    """The shard of each episode key: MD5 of the key modulo ``shards`` (stable across processes,
    machines and versions; a missing key goes to shard 0)."""
    def one(key: str) -> int:
        return int.from_bytes(hashlib.md5(key.encode("utf-8")).digest()[:8], "big") % shards
    if shards == 1:
        return pa.array([0] * len(keys), pa.int32())
    array = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    encoded = pc.dictionary_encode(array.cast(pa.string()))  # each distinct key hashed once
    mapped = pa.array([one(v) for v in encoded.dictionary.to_pylist()], pa.int32())
    return pc.fill_null(pc.take(mapped, encoded.indices), 0)


def default_shards(configured: int | None, *, mapped: bool = False) -> int:
    """The configured number of shards, else 4 for mapped tasks and 1 in one process."""
    return configured or (MAPPED_SHARDS if mapped else IN_PROCESS_SHARDS)


def read_json(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``, an older one there removed first."""
    if target.exists():
        old = scratch_path(target.parent, f"{target.name}-old")
        os.replace(target, old)
        shutil.rmtree(old, ignore_errors=True)
    os.replace(new, target)


@contextmanager
def shard_output(folder: Path, shard: int) -> Iterator[Path]:
    """A scratch folder for one shard's outputs; when the block ends without an error it replaces
    ``folder/shard-<k>`` whole (a retried shard never mixes two attempts), otherwise it is removed."""
    folder.mkdir(parents=True, exist_ok=True)
    out = scratch_path(folder, f"shard-{shard}")
    out.mkdir()
    try:
        yield out
        replace_folder(out, folder / f"shard-{shard}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def committed_attempt(root: Path, plan: dict) -> dict | None:
    """The commit record in ``root`` of ``plan``'s attempt, if that attempt was already closed."""
    committed = read_json(root / COMMITTED)
    return committed if committed and committed.get("attempt") == plan["attempt"] else None


def check_shard_number(batch_id: str, plan: dict, shard: int) -> None:
    if not 0 <= shard < plan["shards"]:
        raise ValueError(f"batch {batch_id} has {plan['shards']} shard(s), not a shard {shard}")


def completed_shards(folder: Path, batch_id: str, plan: dict) -> list[dict]:
    """Every shard's ``shard.json`` under ``folder``, each checked to be of this attempt and these inputs."""
    found = []
    for k in range(plan["shards"]):
        result = read_json(folder / f"shard-{k}" / RESULT)
        if result is None:
            raise ShardsIncomplete(f"batch {batch_id}: shard {k} of {plan['shards']} has not completed")
        if result["attempt"] != plan["attempt"] or result["inputs"] != plan["inputs"]:
            raise ShardsIncomplete(f"batch {batch_id}: shard {k} was made by another attempt or from other inputs")
        found.append(result)
    return found
