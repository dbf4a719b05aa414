"""No raw direct identifier in any safe output, checked against the generator's own values.

The raw identifiers come from what the generator wrote, not from the detector: every value of a
DIRECT-ID column in the staged input and every direct-identifier span of ``truth/pii_spans.jsonl``.
Each is looked for in every string value of every safe table (main and special compartment).
"""
from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from deid_fixtures import KEY

from pipelines.deidentify import deidentify_batch
from pipelines.deidentify.transforms import normalise_id, normalise_name
from pipelines.schema import EPISODE_TABLES, load_schema
from pipelines.synth.clinical import NAMED_HOSPITALS
from pipelines.workdir import Workdir

DIRECT_SPANS = {"PERSON", "VN_CCCD", "VN_BHYT", "VN_BHXH", "PHONE_NUMBER", "EMAIL_ADDRESS", "VN_ADDRESS",
                "VN_PATIENT_ID", "VN_STAFF_ID"}


@pytest.fixture(scope="module")
def deidentified(tmp_path_factory):
    import os
    os.environ["ANDANH_PSEUDONYM_KEY"] = KEY
    root = tmp_path_factory.mktemp("truth")
    synth = root / "synth"
    subprocess.run([sys.executable, "-m", "pipelines.cli", "synth", "--encounters", "120", "--seed", "8", "--out",
                    str(synth)], check=True, capture_output=True)
    from pipelines import quality
    from pipelines.ingest import ingest
    workdir = Workdir.at(root / "work").ensure()
    ingest(str(synth / "xml"), workdir, batch_id="btruth")
    quality.validate_batch(workdir, "btruth", error_threshold=1.0)
    summary = deidentify_batch(workdir, "btruth")
    yield synth, workdir, summary
    os.environ.pop("ANDANH_PSEUDONYM_KEY", None)


def raw_identifiers(synth, workdir) -> set[str]:
    import duckdb
    schema = load_schema()
    values: set[str] = set()
    for table_id in EPISODE_TABLES:
        direct = [f for f in schema.table(table_id).fields_of_class("DIRECT-ID")]
        files = str(workdir.staging / table_id / "*.parquet")
        for f in direct:
            rows = duckdb.sql(f"SELECT DISTINCT \"{f.name}\" FROM read_parquet('{files}', union_by_name = true) "
                              f"WHERE \"{f.name}\" IS NOT NULL").fetchall()
            for (v,) in rows:
                values.update(p.strip() for p in (v.split(f.separator) if f.separator else [v]))
    for line in (synth / "truth" / "pii_spans.jsonl").read_text(encoding="utf-8").splitlines():
        span = json.loads(line)
        if span["entity_type"] in DIRECT_SPANS:
            values.add(span["text"].strip())
    return {v for v in values if len(v) >= 6}


def safe_strings(workdir, batch) -> list[str]:
    out = []
    for path in sorted((workdir.safe / batch).rglob("*.parquet")):
        table = pq.read_table(path)
        for name in table.column_names:
            out.extend(str(v) for v in table.column(name).to_pylist() if v is not None)
    return out


def test_no_raw_direct_identifier_in_any_safe_output(deidentified):
    synth, workdir, summary = deidentified
    raw = raw_identifiers(synth, workdir)
    assert len(raw) > 300  # names, CCCD, cards, phones, addresses, MA_BN, MA_LK, staff codes ...
    blob = "\n".join(safe_strings(workdir, "btruth"))
    for hospital in NAMED_HOSPITALS:  # hospitals named after people are not personal data
        blob = blob.replace(hospital, "")
    folded, compact = normalise_name(blob), normalise_id(blob)
    leaked = sorted(v for v in raw if v in blob or normalise_name(v) in folded
                    or (any(c.isdigit() for c in v) and len(normalise_id(v)) >= 9 and normalise_id(v) in compact))
    assert not leaked, f"{len(leaked)} raw identifiers in safe output"
    assert sum(summary.rows.values()) > 1000 and summary.linked_by["cccd"] + summary.linked_by["bhxh"] > 0


def test_every_episode_is_written_once_main_or_special(deidentified):
    synth, workdir, summary = deidentified
    main = pq.read_table(workdir.safe / "btruth" / "xml1.parquet").num_rows
    special_path = workdir.safe / "btruth" / "special" / "xml1.parquet"
    special = pq.read_table(special_path).num_rows if special_path.exists() else 0
    assert main + special == summary.rows["xml1"] and special == summary.special_rows["xml1"]
