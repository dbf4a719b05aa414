"""The README's "Querying the published data" examples, run as written against a real release."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Querying the published data", 1)[1].split("\n## ", 1)[0]


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """A release of the dataset the README names, at the README's paths (relative to the cwd)."""
    from pipelines.datasets import get_dataset
    from pipelines.publish import publish_release
    from pipelines.workdir import Workdir
    monkeypatch.chdir(tmp_path)
    workdir = Workdir.at(tmp_path / ".demo" / "data").ensure()
    money = {"total_cost_vnd": [1500.0, 1500.0, None], "insurance_paid_vnd": [1200.0, 1200.0, None],
             "copayment_vnd": [0.0, 0.0, None], "patient_paid_vnd": [300.0, 300.0, None],
             "bed_days": [20, 20, None]}
    chapters = pd.DataFrame({"quarter": ["2024-Q1"] * 3, "month": ["2024-03", "2024-03", "2024-03"],
                             "icd10_chapter": ["*", "X", "IX"], "encounters": [15, 15, None], **money,
                             "suppressed": [False, False, True]})
    provinces = pd.DataFrame({"quarter": ["2024-Q1"] * 3, "month": ["2024-03"] * 3, "province": ["*", "01", "79"],
                              "encounters": [15, 15, None], **money, "suppressed": [False, False, True]})
    publish_release(workdir, get_dataset("encounters").published_view(), "r1",
                    {"national_month_chapter": chapters, "province_month": provinces},
                    metadata={})
    return tmp_path


def test_shell_examples(demo):
    commands = [line for line in re.search(r"```sh\n(.*?)```", section(), re.S).group(1).splitlines()
                if line and not line.startswith("#")]
    assert len(commands) == 3
    env = os.environ | {"PYTHONPATH": str(ROOT), "PATH": f"{BIN}:{os.environ['PATH']}"}
    outputs = []
    for line in commands:
        argv, _, redirect = line.partition(" > ")
        args = shlex.split(argv)
        args = [sys.executable, "-m", "pipelines.cli", *args[1:]] if args[0] == "andanh" else args
        done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=demo)
        assert done.returncode == 0, (line, done.stderr)
        if redirect:
            (demo / redirect.strip()).write_text(done.stdout)
        outputs.append(done.stdout)
    assert "2024-03" in outputs[0] and "15" in outputs[0]
    assert (demo / "releases.csv").read_text().splitlines()[1] == "encounters,r1,current,True"
    assert "encounters" in outputs[2] and "current" in outputs[2]  # the DuckDB 1.x shell opens it


def test_python_and_parquet_examples(demo):
    code = re.search(r"```python\n(.*?)```", section(), re.S).group(1)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    assert scope["df"]["encounters"].tolist() == [15]
    table = scope["table"].to_pandas().sort_values("province")
    assert table["month"].tolist() == ["2024-03"] * 3 and table["province"].tolist() == ["*", "01", "79"]
    assert table["encounters"].isna().tolist() == [False, False, True]
