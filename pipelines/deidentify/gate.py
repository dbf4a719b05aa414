"""Residual-PII gate: after de-identification, nothing identifying may be left; fail closed.

:func:`run_gate` scans every string (and integer) column of every safe table of a batch
(``restricted/safe/<batch>/**.parquet``, the special-category compartment included) in two ways:

(a) **exact match against the batch's own raw direct identifiers**: every DIRECT-ID field of the
    schema registry in every staged file of the batch (names, CCCD, BHYT card and the social-insurance
    number inside it, phones, addresses, ``MA_BN``, ``MA_LK``, ``MA_HSBA``, staff codes …, quarantined
    rows included). Values are normalised (case, diacritics, ``đ``, punctuation and spacing) and only
    keyed hashes (MD5-128 with a random per-run key, never stored) are kept. A safe value is checked
    whole, word n-gram by word n-gram (a name or code inside a note) and digit run by digit run (a
    card number written ``001 091-838002``). To keep the check meaningful rather than noisy, an
    identifier counts if it has at least 6 characters and a digit (codes, numbers), or at least two
    words (names, addresses); inside longer text, names need three words (two-word names such as
    "Hà Nam" are also place names) and digit runs nine digits.
(b) **the detector** (:func:`pipelines.detect.residual_pii`, direct-identifier types) on every distinct
    value of the free-text fields and, in every other string column (known to the registry or not),
    on each value that looks like text (two words of letters), a long number or an e-mail address;
    tokens, codes and amounts are left to (a).

All work is per distinct value, in DuckDB (exact match) and in one detector pass. A hit blocks the
batch: the marker ``restricted/gate/<batch>.json`` says ``blocked`` and lists table, column, row
(row number and the row's episode token) and entity type, never the value; the report is also
written to ``restricted/reports/<batch>/residual_pii.json``. Aggregation and release must call
:func:`assert_batch_released` (or use :func:`released_batches`), which also withdraws a batch whose
validation report or safe files changed after the gate looked at them.

Exemptions: columns the policy keeps as documented exceptions can be passed as ``exempt``; detector
hits in columns whose Parquet metadata ``andanh.surrogate_columns`` lists them (readable fake names
are PERSON-shaped by design) are reported as warnings, while exact matches there still block.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines import duck
from pipelines.ledger import Ledger, LedgerEntry
from pipelines.quality.validated import load_index, read_parquet_sql, write_json_atomic
from pipelines.schema import load_schema
from pipelines.schema.formats import FORMAT_PATTERNS, STRPTIME
from pipelines.workdir import Workdir, private_files, writes_private

if TYPE_CHECKING:
    from pipelines.detect.redact import CleanTexts

MARKER_DIR = "gate"
REPORT_NAME = "residual_pii.json"
SURROGATE_METADATA = b"andanh.surrogate_columns"
MAX_ROWS_REPORTED = 20
MIN_ID_CHARS, MIN_DIGITS, MIN_NAME_WORDS_IN_TEXT = 6, 9, 3
MAX_NGRAM = 16
ENTITY_OF_FIELD = {
    "HO_TEN": "PERSON", "SO_CCCD": "VN_CCCD", "DIEN_THOAI": "PHONE_NUMBER", "DIA_CHI": "VN_ADDRESS",
    "MA_THE_BHYT": "VN_BHYT", "BHXH": "VN_BHXH", "MA_BN": "VN_PATIENT_ID", "MA_LK": "EPISODE_ID",
    "MA_HSBA": "MEDICAL_RECORD_NO", "GIAY_CHUYEN_TUYEN": "REFERRAL_NO", "MA_TTDV": "VN_STAFF_ID",
    "MA_BAC_SI": "VN_STAFF_ID", "NGUOI_THUC_HIEN": "VN_STAFF_ID", "MA_BS_DOC_KQ": "VN_STAFF_ID",
}
ROW_TOKEN_COLUMNS = ("MA_LK", "EPISODE_ID", "PERSON_ID")


class ResidualPIIError(RuntimeError):
    """The gate found direct identifiers in the safe output; the batch is blocked."""

    def __init__(self, report: "GateReport"):
        self.report = report
        where = sorted({f"{h['table']}.{h['column']} ({h['entity_type']})" for h in report.blocking_hits})
        super().__init__(f"batch {report.batch_id} blocked by the residual-PII gate: "
                         f"{len(report.blocking_hits)} finding(s) in " + ", ".join(where[:10])
                         + (" …" if len(where) > 10 else "") + f"; see {report.report_path}")


class BatchNotReleased(RuntimeError):
    """The batch may not feed aggregation or release (not checked, blocked, or changed since)."""


@dataclass
class GateReport:
    batch_id: str
    status: str = "released"  # or "blocked"
    hits: list[dict] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # safe file -> rows
    string_columns: int = 0
    distinct_values: int = 0
    detector_values: int = 0
    detector_values_known_clean: int = 0  # of those, cleared by this process's detector before (not rescanned)
    raw_identifiers: int = 0
    seconds: float = 0.0
    checked_at: str = ""
    report_path: str = ""

    @property
    def blocking_hits(self) -> list[dict]:
        return [h for h in self.hits if h.get("blocks", True)]


# --- normalisation, the same SQL for raw and safe values ------------------------------------------

def sql_macros(con: duckdb.DuckDBPyConnection, secret: str) -> None:
    con.execute(r"""CREATE OR REPLACE MACRO gate_text(x) AS
        trim(regexp_replace(strip_accents(lower(replace(replace(CAST(x AS VARCHAR), 'Đ', 'd'), 'đ', 'd'))),
                            '[^a-z0-9]+', ' ', 'g'))""")
    con.execute("CREATE OR REPLACE MACRO gate_compact(x) AS replace(gate_text(x), ' ', '')")
    con.execute(r"CREATE OR REPLACE MACRO gate_digits(x) AS regexp_replace(CAST(x AS VARCHAR), '[^0-9]', '', 'g')")
    con.execute(f"CREATE OR REPLACE MACRO gate_hash(kind, x) AS md5_number('{secret}' || kind || ':' || x)")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- raw identifiers of the batch -------------------------------------------------------------------

def raw_values(con: duckdb.DuckDBPyConnection, workdir: Workdir, batch_id: str) -> None:
    """Temp table ``raw_v(field, v)``: every distinct raw value of every DIRECT-ID field in every staged file
    of the batch (quarantined rows included). Shared with the de-identify stage, which redacts these same
    values where its free text repeats them (``pipelines.deidentify.known``)."""
    schema = load_schema()
    index = load_index(workdir, batch_id)
    parts = []
    for table_id, spec in index["tables"].items():
        paths = [str(workdir.root / e["path"]) for e in spec["files"] if (workdir.root / e["path"]).exists()]
        if not paths:
            continue
        source = read_parquet_sql(paths)
        present = {d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description}
        for f in schema.table(table_id).fields_of_class("DIRECT-ID"):
            if f.name not in present:
                continue
            values = f"CAST({_quote(f.name)} AS VARCHAR)"
            if f.separator:
                values = f"unnest(string_split({values}, '{f.separator}'))"
            parts.append(f"SELECT DISTINCT '{f.name}' AS field, {values} AS v FROM {source}")
    con.execute("CREATE OR REPLACE TEMP TABLE raw_v (field VARCHAR, v VARCHAR)")
    for part in parts:  # one statement per field, so each DISTINCT may spill on its own
        con.execute(f"INSERT INTO raw_v {part}")


def _raw_identifiers(con: duckdb.DuckDBPyConnection, workdir: Workdir, batch_id: str) -> int:
    """Table ``raw_h(h, kind, field)`` of keyed hashes and ``firsts(h, n, kind)`` for n-gram starts."""
    place_names(con)
    raw_values(con, workdir, batch_id)
    forms = [  # (field, kind, form, words, first) per form a raw value may take in a safe file
        f"""SELECT field, 'id' AS kind, gate_compact(v) AS form, len(string_split(gate_text(v), ' ')) AS words,
                   string_split(gate_text(v), ' ')[1] AS first
              FROM raw_v WHERE length(gate_compact(v)) >= {MIN_ID_CHARS} AND regexp_matches(v, '[0-9]')""",
        """SELECT field, 'text', gate_text(v), len(string_split(gate_text(v), ' ')), string_split(gate_text(v), ' ')[1]
              FROM raw_v WHERE len(string_split(gate_text(v), ' ')) >= 2 AND length(gate_text(v)) >= 5""",
        f"SELECT field, 'digits', gate_digits(v), 1, NULL FROM raw_v WHERE length(gate_digits(v)) >= {MIN_DIGITS}",
        # the same number without its leading zeros (a CCCD stored as an integer)
        f"""SELECT field, 'digits', ltrim(gate_digits(v), '0'), 1, NULL FROM raw_v
              WHERE gate_digits(v) LIKE '0%' AND length(ltrim(gate_digits(v), '0')) >= {MIN_DIGITS}""",
        # a phone written +84 …
        f"""SELECT field, 'digits', '84' || substr(gate_digits(v), 2), 1, NULL FROM raw_v
              WHERE field = 'DIEN_THOAI' AND gate_digits(v) LIKE '0%' AND length(gate_digits(v)) >= {MIN_DIGITS}""",
        # the social-insurance number inside a BHYT card (last 10 characters)
        """SELECT 'BHXH', 'digits', right(gate_compact(v), 10), 1, NULL FROM raw_v
              WHERE field = 'MA_THE_BHYT' AND regexp_full_match(right(gate_compact(v), 10), '[0-9]{10}')""",
    ]
    # one statement per form: a single UNION ALL holds every branch's buffers at once and could exceed
    # a small memory cap where each branch alone spills
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_forms_all AS {forms[0]}")
    for form in forms[1:]:
        con.execute(f"INSERT INTO raw_forms_all {form}")
    con.execute("""CREATE OR REPLACE TEMP TABLE raw_forms AS SELECT DISTINCT field, kind, form, words, first
        FROM raw_forms_all""")
    con.execute("DELETE FROM raw_forms WHERE form IN (SELECT name FROM places)")
    con.execute("DROP TABLE raw_forms_all")
    # a row per (hash, field), not a list of fields per hash: a list aggregate cannot spill under a small cap
    con.execute("""CREATE OR REPLACE TEMP TABLE raw_h AS
        SELECT DISTINCT gate_hash(kind, form) AS h, kind, field FROM raw_forms""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE firsts AS
        SELECT DISTINCT gate_hash('w', first) AS h, words AS n, kind FROM raw_forms
        WHERE ((kind = 'text' AND words >= {MIN_NAME_WORDS_IN_TEXT}) OR kind = 'id') AND words <= {MAX_NGRAM}""")
    n = con.execute("SELECT count(*) FROM (SELECT DISTINCT h, kind FROM raw_h)").fetchone()[0]
    con.execute("DROP TABLE raw_v")
    con.execute("DROP TABLE raw_forms")
    return n


def place_names(con: duckdb.DuckDBPyConnection) -> None:
    """Normalised names of provinces, legacy districts and communes, with and without their type word:
    a raw 'address' that is only a place name is not an identifier, and safe tables may name places."""
    from pipelines.reference import provinces_34, provinces_63, wards

    names = {p["name"] for p in provinces_34()} | {p["name"] for p in provinces_63()}
    for row in wards():
        names |= {row["new_ward_name"], row["old_ward_name"], row["old_district_name"]}
    place_src = pa.table({"name": sorted(n for n in names if n)})  # noqa: F841 (read by DuckDB by name)
    types = "^(tinh|thanh pho|tp|quan|huyen|thi xa|thi tran|xa|phuong|dac khu) "
    con.execute(f"""CREATE OR REPLACE TEMP TABLE places AS
        SELECT DISTINCT gate_text(name) AS name FROM place_src
        UNION SELECT DISTINCT regexp_replace(gate_text(name), '{types}', '') FROM place_src""")


# --- scanning the safe output --------------------------------------------------------------------------

def _parquet_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.parquet") if p.is_file()) if root.exists() else []


def _safe_files(workdir: Workdir, batch_id: str) -> list[Path]:
    return _parquet_files(workdir.safe / batch_id)


def _distinct_values(con: duckdb.DuckDBPyConnection, source: str, columns: list[str]) -> int:
    """Table ``dv(col, v)``: the distinct non-empty values of every string column of one file, one scan."""
    casts = ", ".join(f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" for c in columns)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE dv AS SELECT DISTINCT col, v FROM
        (UNPIVOT (SELECT {casts} FROM {source}) ON COLUMNS(*) INTO NAME col VALUE v) WHERE v <> ''""")
    return con.execute("SELECT count(*) FROM dv").fetchone()[0]


def _exact_hits(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[str]]]:
    """(column, value, raw fields) for the values in ``dv`` that hold a raw identifier, whole, as a word
    n-gram or as a digit run. The values stay in this process only long enough to find their rows."""
    # one statement per form, each a simple pipeline: a single UNION ALL of the four needed all their
    # buffers at once and could exceed a small memory cap where each part alone spills
    con.execute("CREATE OR REPLACE TEMP TABLE u AS SELECT DISTINCT v FROM dv")
    con.execute("""CREATE OR REPLACE TEMP TABLE cand AS
        -- a decimal amount (1859853.00) is not an identifier written with a dot: compacting it would
        -- join its cents to it (185985300) and match a 9-digit CMND by chance
        SELECT v, gate_hash('id', gate_compact(v)) AS h FROM u WHERE NOT regexp_full_match(v, '-?[0-9]+[.][0-9]{1,4}')""")
    con.execute("INSERT INTO cand SELECT v, gate_hash('text', gate_text(v)) FROM u")
    con.execute(f"""INSERT INTO cand SELECT v, gate_hash('digits', gate_digits(run)) FROM
            (SELECT v, unnest(regexp_extract_all(v, '[0-9](?:[0-9 -]*[0-9])?')) AS run FROM u)
            WHERE length(gate_digits(run)) >= {MIN_DIGITS}""")
    # n-grams: first the (value, position) pairs where a raw identifier's first word occurs (one row per
    # word, no copy of the word list), then the n-gram from there; a row per position carrying the whole
    # word list used memory quadratic in a note's length
    con.execute("""INSERT INTO cand
        SELECT v, gate_hash(kind, CASE WHEN kind = 'id' THEN array_to_string(words[i:i + n - 1], '')
                                      ELSE array_to_string(words[i:i + n - 1], ' ') END)
        FROM (SELECT s.v, s.i, f.n, f.kind, string_split(gate_text(s.v), ' ') AS words FROM
                (SELECT v, unnest(string_split(gate_text(v), ' ')) AS word,
                        generate_subscripts(string_split(gate_text(v), ' '), 1) AS i FROM u) s
              JOIN firsts f ON f.h = gate_hash('w', s.word))
        WHERE i + n - 1 <= len(words)""")
    # one join per statement (two hash joins in one pipeline cannot both spill); the hits are few
    con.execute("CREATE OR REPLACE TEMP TABLE hit AS SELECT DISTINCT c.v, r.field FROM cand c JOIN raw_h r ON r.h = c.h")
    return [(col, v, fields) for col, v, fields in con.execute("""
        SELECT d.col, h.v, list(DISTINCT h.field ORDER BY h.field) FROM hit h
        JOIN dv d ON d.v = h.v GROUP BY d.col, h.v ORDER BY d.col, h.v""").fetchall()]


# Columns the pipeline itself fills, with the form their values take: a key fingerprint (``k-`` and 16 hex
# digits) and a generated batch id (``b`` and 15) now and then hold a digit run that reads as a phone
# number. A value in that form is left to the exact match (like a timestamp); anything else in the column
# (a batch id a user chose, a planted number) is scanned.
GENERATED_FORMATS = {"_key_id": "k-[0-9a-f]{16}", "_batch_id": "b[0-9a-f]{15}"}


def _detector_candidates(con: duckdb.DuckDBPyConnection, free_text: list[str],
                         timestamps: dict[str, str]) -> list[tuple[str, str]]:
    """(column, value) pairs for the detector: every value of a free-text field, and elsewhere the values
    that look like text (two words of letters), a long number or an e-mail address, except a well-formed
    timestamp in a column the registry declares as one (``timestamps``: column -> format), with a year
    from 1900 to 2100 (a date is what the column holds; no CCCD, phone or BHXH number, which all start
    with 0, reads as one; the exact match against the batch's raw identifiers still checks it), and a
    generated value in its own form (:data:`GENERATED_FORMATS`)."""
    looks = (r"(regexp_matches(v, '\p{L}{2,}[ \t]+\p{L}{2,}') OR regexp_matches(v, '[0-9]{9}') "
             r"OR regexp_matches(v, '[0-9]{3}[ .-][0-9]{3}[ .-][0-9]{3}') OR contains(v, '@'))")
    skip = [f"(col = '{c}' AND regexp_full_match(v, '{FORMAT_PATTERNS[f]}') "
            f"AND year(try_strptime(v, '{STRPTIME[f]}')) BETWEEN 1900 AND 2100)"
            for c, f in sorted(timestamps.items()) if "'" not in c]
    skip += [f"(col = '{c}' AND regexp_full_match(v, '{f}'))" for c, f in GENERATED_FORMATS.items()]
    return con.execute(f"SELECT col, v FROM dv WHERE list_contains(?, col) OR ({looks} AND NOT ({' OR '.join(skip)}))",
                       [free_text]).fetchall()


def _timestamp_columns(schema, table_id: str, columns: list[str]) -> dict[str, str]:
    if table_id not in schema.tables:
        return {}
    return {f.name: f.format for f in schema.table(table_id).fields if f.format in STRPTIME and f.name in columns}


def _rows_of(con, source: str, column: str, value: str, token_column: str | None) -> tuple[int, list[dict]]:
    token = f"CAST({_quote(token_column)} AS VARCHAR)" if token_column else "NULL"
    rows = con.execute(f"""SELECT file_row_number, {token} FROM {source}
                           WHERE CAST({_quote(column)} AS VARCHAR) = ? ORDER BY file_row_number""",
                       [value]).fetchall()
    return len(rows), [{"row": int(r), "row_token": t} for r, t in rows[:MAX_ROWS_REPORTED]]


def _clean_token(con, token_column: str | None, token: str | None) -> str | None:
    """A row token may be reported only if it is not itself a raw identifier."""
    if token is None:
        return None
    leaked = con.execute("""SELECT count(*) FROM raw_h WHERE h IN (gate_hash('id', gate_compact(?)),
                            gate_hash('text', gate_text(?)), gate_hash('digits', gate_digits(?)))""",
                         [token, token, token]).fetchone()[0]
    return None if leaked else token


@writes_private
def run_gate(workdir: Workdir, batch_id: str, *, exempt: set[tuple[str, str]] | None = None,
             use_detector: bool = True, clean: CleanTexts | None = None) -> GateReport:
    """Scan the safe output of ``batch_id``; write the marker and the report; raise
    :class:`ResidualPIIError` when anything blocks. ``exempt``: ``(table, column)`` pairs the policy keeps
    on purpose (hits there are reported, not blocking). ``clean``: strings this process's detector has
    already cleared (de-identification's own passes); every other value is scanned."""
    report = scan_safe_files(workdir, batch_id, workdir.safe / batch_id, exempt=exempt,
                             use_detector=use_detector, clean=clean)
    return write_outcome(workdir, report)


def write_outcome(workdir: Workdir, report: GateReport) -> GateReport:
    """Write the batch's marker, report and ledger row for ``report``; raise when it blocks."""
    report.status = "blocked" if report.blocking_hits else "released"
    _write_outcome(workdir, report)
    if report.status == "blocked":
        raise ResidualPIIError(report)
    return report


def scan_safe_files(workdir: Workdir, batch_id: str, root: Path, *, exempt: set[tuple[str, str]] | None = None,
                    use_detector: bool = True, clean: CleanTexts | None = None) -> GateReport:
    """The gate's two checks over the safe files under ``root`` (the batch's safe folder, or one
    de-identify shard's output), against every raw identifier of the whole batch; writes nothing."""
    started = time.perf_counter()
    exempt = exempt or set()
    report = GateReport(batch_id, checked_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    files = _parquet_files(root)
    if not files:
        raise FileNotFoundError(f"batch {batch_id} has no safe tables under {root}; run deidentify first")
    schema = load_schema()
    con = duck.connect(workdir=workdir)
    try:
        con.execute("SET preserve_insertion_order = false")  # the gate writes nothing; its results are sorted
        sql_macros(con, secrets.token_hex(16))
        report.raw_identifiers = _raw_identifiers(con, workdir, batch_id)
        to_detect: dict[str, list[tuple[str, str, Path, bool]]] = {}
        for path in files:
            rel = str(path.relative_to(root))
            table_id = path.stem
            known = ({f.name: f.deid_class for f in schema.table(table_id).fields}
                     if table_id in schema.tables else {})
            meta = pq.ParquetFile(path).schema_arrow
            surrogate = set(json.loads((meta.metadata or {}).get(SURROGATE_METADATA, b"[]")))
            strings = [f.name for f in meta if str(f.type) in ("string", "large_string", "string_view")
                       or str(f.type).startswith("dictionary<values=string")
                       or pa.types.is_integer(f.type) or pa.types.is_decimal(f.type)]  # a number stored as one
            source = f"read_parquet('{str(path).replace(chr(39), chr(39) * 2)}', file_row_number = true)"
            report.tables[rel] = pq.ParquetFile(path).metadata.num_rows
            report.string_columns += len(strings)
            token_column = next((c for c in ROW_TOKEN_COLUMNS if c in strings), None)
            report.distinct_values += _distinct_values(con, source, strings) if strings else 0
            if not strings:
                continue
            for column, value, fields in _exact_hits(con):
                count, rows = _rows_of(con, source, column, value, token_column)
                for r in rows:
                    r["row_token"] = _clean_token(con, token_column, r["row_token"])
                for f in fields:
                    report.hits.append({"table": rel, "column": column, "check": "raw-match",
                                        "entity_type": ENTITY_OF_FIELD.get(f, f), "source_field": f,
                                        "rows": count, "examples": rows, "blocks": (table_id, column) not in exempt})
            if use_detector:
                free_text = [c for c in strings if known.get(c) == "FREE-TEXT"]
                for column, v in _detector_candidates(con, free_text, _timestamp_columns(schema, table_id, strings)):
                    to_detect.setdefault(v, []).append((rel, column, path, column in surrogate))
        if use_detector and to_detect:
            _detector_hits(con, report, to_detect, exempt, clean)
    finally:
        con.close()
    report.status = "blocked" if report.blocking_hits else "released"
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _detector_hits(con, report: GateReport, to_detect: dict, exempt: set[tuple[str, str]],
                   clean: CleanTexts | None) -> None:
    from pipelines.detect.redact import residual_in_redacted

    values = list(to_detect)
    report.detector_values = len(values)
    report.detector_values_known_clean = sum(v in clean for v in values) if clean is not None else 0
    # The project's own placeholders ("[HỌ_TÊN]") are masked first: the words before a placeholder
    # ("là anh [HỌ_TÊN]") otherwise look like a name to the detector, a finding about nothing.
    found = residual_in_redacted(values, clean=clean)
    for value, entities in zip(values, found):
        if not entities:
            continue
        for rel, column, path, surrogate in to_detect[value]:
            source = f"read_parquet('{str(path).replace(chr(39), chr(39) * 2)}', file_row_number = true)"
            strings = {f.name for f in pq.ParquetFile(path).schema_arrow}
            token_column = next((c for c in ROW_TOKEN_COLUMNS if c in strings), None)
            count, rows = _rows_of(con, source, column, value, token_column)
            for r in rows:
                r["row_token"] = _clean_token(con, token_column, r["row_token"])
            for entity in sorted({e["entity_type"] for e in entities}):
                report.hits.append({"table": rel, "column": column, "check": "detector", "entity_type": entity,
                                    "rows": count, "examples": rows, "surrogate_column": surrogate,
                                    "blocks": not surrogate and (Path(rel).stem, column) not in exempt})


# --- markers: what later stages check -----------------------------------------------------------------

def marker_path(workdir: Workdir, batch_id: str) -> Path:
    return workdir.restricted / MARKER_DIR / f"{batch_id}.json"


def _validation_report(workdir: Workdir, batch_id: str) -> Path:
    return workdir.reports / batch_id / "validation.json"


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _safe_fingerprint(workdir: Workdir, batch_id: str) -> dict[str, list[int]]:
    out = {}
    for p in _safe_files(workdir, batch_id):
        st = p.stat()
        out[str(p.relative_to(workdir.safe / batch_id))] = [st.st_size, st.st_mtime_ns]
    return out


def _ledger_entry(report: GateReport) -> LedgerEntry:
    """The gate's row in the run ledger (``andanh runs``): values scanned, values with a blocking finding."""
    flagged = len({(h["table"], h["column"], h["check"], tuple(e["row"] for e in h["examples"]))
                   for h in report.blocking_hits})
    flagged = min(flagged, report.distinct_values)
    by_entity: dict[str, int] = {}
    for h in report.hits:
        key = f"{h['check']}:{h['entity_type']}" + ("" if h.get("blocks", True) else " (not blocking)")
        by_entity[key] = by_entity.get(key, 0) + h["rows"]
    return LedgerEntry(report.batch_id, "gate", "residual_pii", received=report.distinct_values,
                       passed=report.distinct_values - flagged, rejected=flagged,
                       details={"status": report.status, "blocking": len(report.blocking_hits),
                                "rows_by_finding": by_entity, "detector_values": report.detector_values,
                                "seconds": report.seconds, "report": report.report_path})


def _write_outcome(workdir: Workdir, report: GateReport) -> None:
    document = asdict(report) | {"blocking": len(report.blocking_hits)}
    report_path = workdir.reports / report.batch_id / REPORT_NAME
    report.report_path = document["report_path"] = str(report_path)
    with private_files():
        write_json_atomic(report_path, document)
        write_json_atomic(marker_path(workdir, report.batch_id), {
            "batch_id": report.batch_id, "status": report.status, "checked_at": report.checked_at,
            "blocking": len(report.blocking_hits), "report": str(report_path),
            "validation_report_sha256": _sha256(_validation_report(workdir, report.batch_id)),
            "safe_files": _safe_fingerprint(workdir, report.batch_id)})
        Ledger(workdir.ledger_url()).record([_ledger_entry(report)])


def assert_batch_released(workdir: Workdir, batch_id: str) -> None:
    """Raise :class:`BatchNotReleased` unless the batch passed the residual-PII gate and nothing it
    depends on changed since: its validation report still says the quality gate passed and is the one
    the safe output was made from, and the safe files are the ones the gate scanned."""
    path = marker_path(workdir, batch_id)
    if not path.exists():
        raise BatchNotReleased(f"batch {batch_id} has not been through the residual-PII gate")
    marker = json.loads(path.read_text(encoding="utf-8"))
    if marker.get("status") != "released":
        raise BatchNotReleased(f"batch {batch_id} is blocked by the residual-PII gate ({marker.get('blocking')} "
                               f"finding(s), see {marker.get('report')})")
    report = _validation_report(workdir, batch_id)
    if not report.exists() or not json.loads(report.read_text(encoding="utf-8")).get("gate", {}).get("passed"):
        raise BatchNotReleased(f"batch {batch_id} no longer passes the data-quality gate; its safe output is "
                               "withdrawn")
    if _sha256(report) != marker.get("validation_report_sha256"):
        raise BatchNotReleased(f"batch {batch_id} was validated again after de-identification; de-identify it again")
    if _safe_fingerprint(workdir, batch_id) != marker.get("safe_files"):
        raise BatchNotReleased(f"the safe tables of batch {batch_id} changed after the residual-PII gate checked them")


def released_batches(workdir: Workdir) -> list[str]:
    """Batches with safe output that aggregation may read (see :func:`assert_batch_released`)."""
    out = []
    for folder in sorted(p for p in workdir.safe.iterdir() if p.is_dir()) if workdir.safe.exists() else []:
        try:
            assert_batch_released(workdir, folder.name)
        except BatchNotReleased:
            continue
        out.append(folder.name)
    return out
