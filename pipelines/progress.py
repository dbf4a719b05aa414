"""Progress of long command-line operations, on stderr (stdout stays for results).

On a terminal a :mod:`tqdm` bar (count, rate, time left); otherwise, as in logs, CI and pipes, a plain
line every tenth of the work (``label: done/total``), so a redirected stderr stays readable.
Stages take a ``progress(done, total, *detail)`` callback; :func:`progress_bar` makes one, and
:func:`counter` one for streams of unknown length (``andanh detect`` reading stdin).
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any

from tqdm import tqdm

Progress = Callable[..., None]


def _interactive(stream: IO[str]) -> bool:
    """A terminal with a width (a pty without one, as under ``script``, gets plain lines)."""
    import os

    if not (hasattr(stream, "isatty") and stream.isatty()):
        return False
    try:
        return os.get_terminal_size(stream.fileno()).columns > 0
    except (OSError, ValueError, AttributeError):
        return False


def progress_bar(label: str, *, unit: str = "file", stream: IO[str] | None = None) -> Progress:
    """A ``report(done, total, *detail)`` callback drawing a bar for ``label``."""
    stream = stream or sys.stderr
    if not _interactive(stream):
        return _plain_lines(label, stream)
    bar: dict[str, Any] = {}

    def report(done: int, total: int, *_: Any) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=label, unit=unit, file=stream, dynamic_ncols=True, leave=True)
        b = bar["bar"]
        b.total = total
        b.update(done - b.n)
        if done >= total:
            b.close()
    return report


def _plain_lines(label: str, stream: IO[str]) -> Progress:
    def report(done: int, total: int, *_: Any) -> None:
        if done == total or done % max(1, total // 10) == 0:
            print(f"{label}: {done}/{total}", file=stream, flush=True)
    return report


def counter(label: str, *, unit: str = "text", stream: IO[str] | None = None, every: int = 10_000) -> Progress:
    """A ``report(done)`` callback for a stream of unknown length: a running count with its rate."""
    stream = stream or sys.stderr
    if _interactive(stream):
        bar = tqdm(desc=label, unit=unit, file=stream, dynamic_ncols=True)

        def report(done: int, *_: Any) -> None:
            bar.update(done - bar.n)
        report.close = bar.close  # type: ignore[attr-defined]
        return report
    shown = {"last": 0}

    def lines(done: int, *_: Any) -> None:
        if done - shown["last"] >= every:
            shown["last"] = done
            print(f"{label}: {done} {unit}s", file=stream, flush=True)
    lines.close = lambda: None  # type: ignore[attr-defined]
    return lines
