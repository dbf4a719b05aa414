"""Functions behind `andanh detect` and `andanh eval-detect` (the CLI wiring lives in pipelines.cli)."""
from __future__ import annotations

import json
from typing import IO, Iterator

from .batch import CHUNK_SIZE, detect_texts
from .evaluate import render_eval_report, run_eval

# Report progress only for inputs at least this large.
PROGRESS_EVERY = 10_000


def _records(input_stream: IO[str]) -> Iterator[tuple[object, str]]:
    for number, line in enumerate(input_stream, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"input line {number}: invalid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or "id" not in record or not isinstance(record.get("text"), str):
            raise ValueError(f"input line {number}: expected an object with 'id' and a string 'text'")
        yield record["id"], record["text"]


def run_detect(input_stream: IO[str], output_stream: IO[str], progress_stream: IO[str] | None = None, *,
               batch_size: int = 64, n_process: int | None = None) -> int:
    """Read {"id","text"} lines, write {"id","entities":[...]} lines in the same order; return the count.

    Input is read and validated chunk by chunk, so a bad line stops the run with its line number
    (never its content) after the earlier chunks were written.
    """
    from pipelines.progress import counter

    written = 0
    report = counter("detect", stream=progress_stream, every=PROGRESS_EVERY) if progress_stream else None
    records = _records(input_stream)
    while True:
        chunk = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= CHUNK_SIZE:
                break
        if not chunk:
            break
        results = detect_texts((text for _, text in chunk), batch_size=batch_size, n_process=n_process)
        for (record_id, _), entities in zip(chunk, results):
            output_stream.write(json.dumps({"id": record_id, "entities": entities}, ensure_ascii=False) + "\n")
            written += 1
        if report:
            report(written)
    output_stream.flush()
    if report:
        report.close()
    return written


__all__ = ["run_detect", "run_eval", "render_eval_report"]
