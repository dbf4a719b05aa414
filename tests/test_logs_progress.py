"""Issue 12, point 7: progress bars on long command-line operations, and log lines that name their stage
and batch (as text, as JSON lines, and inside Airflow through structlog's context)."""
from __future__ import annotations

import fcntl
import io
import json
import logging
import os
import pty
import select
import struct
import subprocess
import sys
import termios

from pipelines.logs import ContextFilter, JsonFormatter, configure_cli_logging, logged_stage, stage_context

ANDANH = [sys.executable, "-m", "pipelines.cli"]


def _stderr_on_a_terminal(cmd: list[str], columns: int = 100) -> str:
    """Run ``cmd`` with stderr on a pseudo-terminal of the given width; what it drew there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.Popen(cmd, stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    while select.select([master], [], [], 120)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(60) == 0, out[-2000:]
    return out.decode("utf-8", "replace")


def test_a_long_operation_draws_a_bar_on_a_terminal(tmp_path):
    drawn = _stderr_on_a_terminal(ANDANH + ["synth", "--encounters", "200", "--out", str(tmp_path / "s")])
    assert "synth: 100%|" in drawn and "200/200" in drawn and "encounter/s" in drawn


def test_without_a_terminal_progress_is_plain_lines(tmp_path):
    run = subprocess.run(ANDANH + ["synth", "--encounters", "200", "--out", str(tmp_path / "s")],
                         capture_output=True, text=True, check=True)
    assert "synth: 200/200" in run.stderr and "\r" not in run.stderr and "%|" not in run.stderr
    assert "synth:" not in run.stdout  # stdout holds the result only


def test_detect_counts_texts_read_from_stdin(monkeypatch):
    import pipelines.detect.cli as detect_cli
    texts = "".join(json.dumps({"id": i, "text": f"ghi chú {i}"}) + "\n" for i in range(25))
    progress = io.StringIO()
    monkeypatch.setattr(detect_cli, "PROGRESS_EVERY", 10)
    assert detect_cli.run_detect(io.StringIO(texts), io.StringIO(), progress, n_process=1) == 25
    assert "detect: 25 texts" in progress.getvalue()


def _record(message: str) -> logging.LogRecord:
    record = logging.LogRecord("pipelines.test", logging.INFO, __file__, 1, message, (), None)
    ContextFilter().filter(record)
    return record


def test_a_stage_names_itself_and_its_batch_in_every_line():
    @logged_stage("validate")
    def validate_batch(workdir, batch_id, *, error_threshold=0.2):
        return _record("inside"), _nested()

    def _nested():
        with stage_context(dataset="encounters"):
            return _record("nested")

    inside, nested = validate_batch("w", "b-123")
    assert (inside.stage, inside.batch_id, inside.context) == ("validate", "b-123", " stage=validate batch_id=b-123")
    assert nested.dataset == "encounters" and nested.batch_id == "b-123"
    outside = _record("after")
    assert outside.stage is None and outside.context == ""  # nothing leaks past the stage
    line = json.loads(JsonFormatter().format(inside))
    assert line["stage"] == "validate" and line["batch_id"] == "b-123" and line["message"] == "inside"


def test_cli_json_logs_carry_stage_and_batch(tmp_path):
    synth = tmp_path / "s"
    subprocess.run(ANDANH + ["synth", "--encounters", "40", "--out", str(synth)], check=True, capture_output=True)
    run = subprocess.run(ANDANH + ["--log-format", "json", "-v", "ingest", "--source", str(synth / "xml"),
                                   "--workdir", str(tmp_path / "w"), "--json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    batch = json.loads(run.stdout)["batch_id"]
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    ours = [line for line in lines if line["logger"].startswith("pipelines")]
    assert ours and all(line["stage"] == "ingest" and line["batch_id"] == batch for line in ours)


def test_text_logs_show_the_context(capsys):
    configure_cli_logging(verbose=True)
    try:
        with stage_context("deidentify", "b-9"):
            logging.getLogger("pipelines.x").info("done")
    finally:
        logging.getLogger().handlers.clear()
    assert "pipelines.x stage=deidentify batch_id=b-9: done" in capsys.readouterr().err
