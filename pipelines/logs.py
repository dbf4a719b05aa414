"""Structured logs: every line a stage writes names the stage and the batch it works on.

The fields live in :mod:`structlog.contextvars`, which Airflow 3's task logging already merges into
every record (its processor chain has ``merge_contextvars``), so inside a task the JSON task log gets
``stage`` and ``batch_id`` keys; on the command line :class:`ContextFilter` adds them to standard
``logging`` records and :func:`configure_cli_logging` prints them (``text``: ``… stage=… batch_id=…: message``,
``json``: one JSON object per line, for log shippers).

A stage binds its fields with :func:`logged_stage` (a decorator that reads the call's ``batch_id``)
or :func:`stage_context`. Values are names and ids only, never data.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import structlog

F = TypeVar("F", bound=Callable[..., Any])
FIELDS = ("stage", "batch_id", "dataset")


@contextlib.contextmanager
def stage_context(stage: str | None = None, batch_id: str | None = None, **fields: str) -> Iterator[None]:
    """Bind ``stage``, ``batch_id`` (and any other given field) for the log lines written inside."""
    given = {k: str(v) for k, v in {"stage": stage, "batch_id": batch_id, **fields}.items() if v is not None}
    with structlog.contextvars.bound_contextvars(**given):
        yield


def logged_stage(stage: str) -> Callable[[F], F]:
    """Decorate a stage function: its log lines carry ``stage`` and the ``batch_id`` it was called with."""
    def decorate(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind_partial(*args, **kwargs).arguments
            with stage_context(stage, bound.get("batch_id")):
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate


def current_fields() -> dict[str, str]:
    context = structlog.contextvars.get_contextvars()
    return {k: str(context[k]) for k in FIELDS if context.get(k) is not None}


class ContextFilter(logging.Filter):
    """Copy the bound fields onto each standard ``logging`` record (``record.stage``, ``record.context``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = current_fields()
        for name in FIELDS:
            setattr(record, name, fields.get(name))
        record.context = "".join(f" {k}={v}" for k, v in fields.items())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the bound fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                               "logger": record.name, "message": record.getMessage()}
        out.update({k: getattr(record, k) for k in FIELDS if getattr(record, k, None) is not None})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"


def configure_cli_logging(verbose: bool = False, fmt: str = "text") -> None:
    """Logs of the command line on stderr: warnings (``-v``: stage details), as text or JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)
