"""Hospital information system (HIS) database as a source, read through SQLAlchemy.

Vietnamese HIS products expose the XML 130 data as export views; :func:`his_metadata` describes a
schema shaped like them (default schema ``his``), which :func:`create_his_schema` creates and
:func:`load_his` fills (for tests and demos)::

    his.xml130_tong_hop         XML1, primary key (ma_lk)
    his.xml130_chi_tiet_thuoc   XML2, primary key (ma_lk, stt)
    his.xml130_chi_tiet_dvkt    XML3, primary key (ma_lk, stt)
    his.xml130_chi_tiet_cls     XML4, primary key (ma_lk, stt)
    his.xml130_dien_bien_ls     XML5, primary key (ma_lk, stt)

Columns are the standard's names in lower case, typed from the registry: strings are
``varchar(max_length)`` (``text`` when the registry gives no length), so codes such as
``MA_LOAI_KCB = '01'`` keep their leading zeros; ``STT`` and short "number" fields (at most 4
digits: sex, outcome, cost group, percentages, year, month) are ``smallint``/``integer``; other
"number" fields (money, quantities) are ``numeric(18,3)``. Each table also has ``updated_at
timestamptz`` (HIS bookkeeping, not staged). The check-in table (XML0) has no HIS view here.

:func:`pull_his` stages the episodes paid in a data interval (``NGAY_TTOAN`` in ``(start, end]``,
both ``yyyymmddHHMM``) with their XML2-XML5 rows; see its docstring for watermarks, idempotence and
how typed values are turned back into the standard's strings.

Connection secrets come from the caller, never from code: :func:`his_url_from_env` reads
``ANDANH_HIS_URL``; in Airflow keep a ``postgres`` connection (e.g. ``AIRFLOW_CONN_ANDANH_HIS`` or
a connection made in the UI with conn id ``andanh_his``) and pass
``PostgresHook(postgres_conn_id="andanh_his").get_sqlalchemy_engine()`` (or ``.get_uri()``) to
:func:`pull_his`, or call :func:`his_url_from_airflow`. Logs show the URL only through
``render_as_string(hide_password=True)``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pipelines.ingest import FileResult, IngestSummary, record_ingest, write_manifest_entry
from pipelines.ingest.staging import StagingWriter
from pipelines.ledger import Ledger
from pipelines.logs import logged_stage
from pipelines.schema import EPISODE_TABLES, Field, Schema, load_schema
from pipelines.workdir import Workdir, batch_id_for, writes_private

log = logging.getLogger(__name__)

DEFAULT_SCHEMA = "his"
HIS_URL_ENV = "ANDANH_HIS_URL"
HIS_TABLES = {
    "xml1": "xml130_tong_hop",
    "xml2": "xml130_chi_tiet_thuoc",
    "xml3": "xml130_chi_tiet_dvkt",
    "xml4": "xml130_chi_tiet_cls",
    "xml5": "xml130_dien_bien_ls",
}
BOOKKEEPING_COLUMNS = frozenset({"updated_at"})
MONEY_TYPE = sa.Numeric(18, 3)
SMALL_NUMBER_DIGITS = 4  # "number" fields this short are codes/percentages/years: integers
LOCAL_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # NGAY_TTOAN is local time in the standard
STAMP_PATTERN = re.compile(r"\d{12}")
LOAD_CHUNK_ROWS = 5_000
PULL_CHUNK_EPISODES = 1_000
CHILD_FETCH_ROWS = 5_000


class HisError(RuntimeError):
    """A HIS load or pull failed. Messages never carry data values or the connection password."""


# --- schema ----------------------------------------------------------------------------------------

def his_column_type(field: Field) -> sa.types.TypeEngine:
    if field.type == "number":
        if field.name == "STT":
            return sa.Integer()
        if field.max_length is not None and field.max_length <= SMALL_NUMBER_DIGITS:
            return sa.SmallInteger()
        return MONEY_TYPE
    return sa.String(field.max_length) if field.max_length else sa.Text()


def his_metadata(schema: str | None = DEFAULT_SCHEMA, registry: Schema | None = None) -> sa.MetaData:
    """SQLAlchemy Core description of the HIS export views (``schema=None`` for no schema, e.g. SQLite)."""
    registry = registry or load_schema()
    metadata = sa.MetaData(schema=schema)
    for table_id, table_name in HIS_TABLES.items():
        table = registry.table(table_id)
        key = ("MA_LK",) if table_id == "xml1" else ("MA_LK", "STT")
        columns = [sa.Column(f.name.lower(), his_column_type(f), primary_key=f.name in key,
                             nullable=f.name not in key, comment=f.description or None) for f in table.fields]
        columns.append(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                                 server_default=sa.func.now()))
        his_table = sa.Table(table_name, metadata, *columns, comment=f"XML 130 {table.loaihoso}: {table.title}")
        if table_id == "xml1":
            sa.Index(f"ix_{table_name}_ngay_ttoan", his_table.c.ngay_ttoan)
    return metadata


def create_his_schema(engine: sa.Engine, schema: str | None = DEFAULT_SCHEMA) -> sa.MetaData:
    """Create the schema (if missing) and the five tables (if missing)."""
    metadata = his_metadata(schema)
    with engine.begin() as conn:
        if schema:
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        metadata.create_all(conn)
    return metadata


# --- load (string values in) -----------------------------------------------------------------------

def _to_db_value(value: str | None, column: sa.Column, where: str) -> Any:
    """Standard string -> value for the column's type; "" means NULL for numbers. Errors name no value."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    if isinstance(column.type, (sa.Integer, sa.Numeric)):
        text = value.strip()
        if text == "":
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise HisError(f"{where}: not a number") from None
        if not number.is_finite():
            raise HisError(f"{where}: not a finite number")
        if isinstance(column.type, sa.Integer):
            if number != number.to_integral_value():
                raise HisError(f"{where}: not a whole number (column is {column.type})")
            return int(number)
        return number
    if "\x00" in value:
        raise HisError(f"{where}: contains a NUL character")
    length = getattr(column.type, "length", None)
    if length is not None and len(value) > length:
        raise HisError(f"{where}: longer than {length} characters")
    return value


def _csv_field(value: Any) -> str:
    # PostgreSQL CSV COPY: an unquoted empty field is NULL, a quoted one is the empty string.
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def _copy_rows(conn: sa.Connection, table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
    preparer = conn.dialect.identifier_preparer
    statement = (f"COPY {preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)}) "
                 "FROM STDIN WITH (FORMAT csv)")
    buffer = io.StringIO("".join(",".join(_csv_field(v) for v in row) + "\n" for row in rows))
    with conn.connection.driver_connection.cursor() as cursor:
        cursor.copy_expert(statement, buffer)


def _db_error(action: str, exc: BaseException) -> HisError:
    # Driver messages may carry row values (DETAIL, COPY CONTEXT, SQLAlchemy's parameter echo):
    # keep the error class, SQLSTATE and PostgreSQL's primary message only.
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary is None and isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        primary = "connection lost"
    code = getattr(orig, "pgcode", None)
    parts = [type(orig).__name__] + ([f"SQLSTATE {code}"] if code else []) + ([primary] if primary else [])
    return HisError(f"{action} failed: {'; '.join(parts)}")


def load_his(engine: sa.Engine, rows_by_table: Mapping[str, Iterable[Mapping[str, str | None]]],
             schema: str | None = DEFAULT_SCHEMA, *, method: str = "auto",
             chunk_rows: int = LOAD_CHUNK_ROWS) -> dict[str, int]:
    """Insert rows given as the standard's strings (upper-case names) into the HIS tables.

    ``rows_by_table`` maps ``xml1``..``xml5`` to rows (e.g. ``Episode.tables``); ``xml0`` (no HIS view)
    is skipped. Values are converted to the column types (``""`` -> NULL for numbers); a value that
    does not fit raises :class:`HisError` naming table, row and column. Bulk insert: PostgreSQL
    ``COPY`` through psycopg2 (``method="auto"``/``"copy"``), else chunked ``executemany``
    (``"executemany"``). Returns rows inserted per table; one transaction, so all or nothing.
    """
    if method not in ("auto", "copy", "executemany"):
        raise ValueError(f"unknown load method {method!r}")
    use_copy = method == "copy" or (method == "auto" and engine.dialect.driver == "psycopg2")
    if use_copy and engine.dialect.driver != "psycopg2":
        raise ValueError("method='copy' needs the postgresql+psycopg2 driver")
    metadata = his_metadata(schema)
    registry = load_schema()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table_id, rows in rows_by_table.items():
            table_id = table_id.lower()
            if table_id == "xml0":
                log.info("load_his: skipping xml0 rows (the HIS schema has no check-in view)")
                continue
            if table_id not in HIS_TABLES:
                raise HisError(f"no HIS table for {table_id!r}; known: {', '.join(HIS_TABLES)}")
            his_table = metadata.tables[f"{schema}.{HIS_TABLES[table_id]}" if schema else HIS_TABLES[table_id]]
            names = registry.table(table_id).columns
            columns = [his_table.c[n.lower()] for n in names]
            counts[table_id] = 0
            chunk: list[tuple] = []

            def flush() -> None:
                if not chunk:
                    return
                try:
                    if use_copy:
                        _copy_rows(conn, his_table, [c.name for c in columns], chunk)
                    else:
                        conn.execute(his_table.insert(), [dict(zip((c.name for c in columns), row))
                                                          for row in chunk])
                except Exception as exc:  # noqa: BLE001 - re-raised without the driver's message
                    raise _db_error(f"loading {his_table.fullname}", exc) from None
                counts[table_id] += len(chunk)
                chunk.clear()

            for number, row in enumerate(rows, 1):
                unknown = [k for k in row if k.upper() not in registry.table(table_id).by_name]
                if unknown:
                    raise HisError(f"{table_id} row {number}: {len(unknown)} column(s) not in the standard, "
                                   f"first {unknown[0][:40]!r}")
                upper = {k.upper(): v for k, v in row.items()}
                chunk.append(tuple(_to_db_value(upper.get(name), column, f"{table_id} row {number} {name}")
                                   for name, column in zip(names, columns)))
                if len(chunk) >= chunk_rows:
                    flush()
            flush()
    return counts


# --- pull (standard strings out) -------------------------------------------------------------------

def standard_string(value: Any) -> str | None:
    """A database value in the standard's string form.

    Numbers become plain decimals without exponent; trailing zeros after the point are dropped
    (``150000.000`` -> ``"150000"``, ``1.100`` -> ``"1.1"``, ``1E+2`` -> ``"100"``): a numeric column
    does not remember how the number was written. Datetimes -> ``yyyymmddHHMM``, dates ->
    ``yyyymmdd``. Strings are returned unchanged; NULL -> None.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if isinstance(value, dt.datetime):
        return value.strftime("%Y%m%d%H%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    return str(value)


def as_stamp(value: str | dt.datetime | None) -> str | None:
    """``yyyymmddHHMM`` from a string (validated) or a datetime (aware ones converted to Vietnam time)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TIMEZONE)
        return value.strftime("%Y%m%d%H%M")
    if not STAMP_PATTERN.fullmatch(value):
        raise ValueError("interval bounds must be yyyymmddHHMM (12 digits)")
    return value


def his_source_id(url: sa.URL, schema: str | None) -> str:
    """Ledger/watermark key of a HIS: its URL without password or driver name, plus the schema.

    The driver is left out so that the same database reached through psycopg2 or psycopg (which
    Airflow's ``PostgresHook.get_uri()`` picks when installed) keeps one watermark and one batch id.
    """
    # URL.set(password=None) would keep the password ("None" means "unchanged" there): rebuild it.
    bare = sa.URL.create(url.get_backend_name(), username=url.username, host=url.host, port=url.port,
                         database=url.database, query=url.query)
    return f"{bare.render_as_string(hide_password=False)}#schema={schema or ''}"


def his_url_from_env(variable: str = HIS_URL_ENV) -> str:
    from pipelines.settings import get_settings
    secret = get_settings().his_url if variable == HIS_URL_ENV else None
    url = secret.get_secret_value() if secret else None
    if not url:
        raise HisError(f"{variable} is not set; give the HIS database URL, "
                       "e.g. postgresql+psycopg2://user:password@host:5432/db")
    return url


def his_url_from_airflow(conn_id: str = "andanh_his") -> str:
    """URL of an Airflow ``postgres`` connection (imports Airflow only when called)."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=conn_id).get_uri()


def _reflect(conn: sa.Connection, schema: str | None, table_id: str) -> sa.Table | None:
    try:
        return sa.Table(HIS_TABLES[table_id], sa.MetaData(), schema=schema, autoload_with=conn)
    except sa.exc.NoSuchTableError:
        return None


def _bound_for(column: sa.Column, stamp: str) -> str | dt.datetime:
    """An interval bound for the watermark column: the stamp itself, or a datetime if the HIS types it."""
    if isinstance(column.type, sa.DateTime):
        moment = dt.datetime.strptime(stamp, "%Y%m%d%H%M")
        return moment.replace(tzinfo=LOCAL_TIMEZONE) if column.type.timezone else moment
    return stamp


def shift_stamp(stamp: str, delta: dt.timedelta) -> str:
    """A ``yyyymmddHHMM`` stamp moved by ``delta``."""
    return (dt.datetime.strptime(stamp, "%Y%m%d%H%M") + delta).strftime("%Y%m%d%H%M")


_versions_metadata = sa.MetaData()
his_versions = sa.Table(
    "his_versions", _versions_metadata,
    sa.Column("source", sa.String(512), primary_key=True),
    sa.Column("ma_lk_key", sa.String(64), primary_key=True),  # SHA-256 of source + MA_LK, never MA_LK itself
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("batch_id", sa.String(64), nullable=False),
)


class VersionIndex:
    """Which (``MA_LK``, version) pairs of a HIS earlier batches pulled; kept in the ledger database."""

    def __init__(self, engine: sa.Engine, source: str, batch_id: str):
        self.engine, self.source, self.batch_id = engine, source, batch_id
        _versions_metadata.create_all(engine)
        self.pulled: dict[tuple[str, str], str] = {}
        self.skipped = 0

    def key(self, ma_lk: str) -> str:
        return hashlib.sha256(f"{self.source}\x1f{ma_lk}".encode("utf-8")).hexdigest()

    @staticmethod
    def version(mapping: Mapping[str, Any]) -> str:
        stamp = mapping.get("updated_at")
        if isinstance(stamp, dt.datetime):
            return stamp.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ") if stamp.tzinfo else \
                stamp.strftime("%Y%m%dT%H%M%S.%f")
        text = "\x1f".join(f"{k}={standard_string(v)}" for k, v in sorted(mapping.items()))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def new(self, records: Iterable) -> list:
        """The records whose version no other batch has pulled (this batch's own are kept: re-runs)."""
        records = list(records)
        keyed = [(r, self.key(r._mapping["ma_lk"]), self.version(r._mapping)) for r in records]
        wanted = {k for _, k, _ in keyed}
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(his_versions.c.ma_lk_key, his_versions.c.version, his_versions.c.batch_id)
                                .where(his_versions.c.source == self.source,
                                       his_versions.c.ma_lk_key.in_(list(wanted)))).all() if wanted else []
        owner = {(r.ma_lk_key, r.version): r.batch_id for r in rows}
        fresh = []
        for record, key, version in keyed:
            if owner.get((key, version), self.batch_id) != self.batch_id:
                self.skipped += 1
                continue
            self.pulled[(key, version)] = self.batch_id
            fresh.append(record)
        return fresh

    def save(self) -> None:
        """Record this batch's versions (after its staging files are committed)."""
        if not self.pulled:
            return
        with self.engine.begin() as conn:
            conn.execute(his_versions.delete().where(his_versions.c.source == self.source,
                                                     his_versions.c.batch_id == self.batch_id))
            conn.execute(his_versions.insert(), [
                {"source": self.source, "ma_lk_key": key, "version": version, "batch_id": batch}
                for (key, version), batch in self.pulled.items()])


class _RowSplitter:
    """Reflected HIS row -> (standard row of strings, extra dict of non-standard columns)."""

    def __init__(self, his_table: sa.Table, registry: Schema, table_id: str):
        self.table = registry.table(table_id)
        self.standard, self.extra = [], []
        for column in his_table.columns:
            name = column.name.upper()
            if name in self.table.by_name:
                self.standard.append((column.name, name))
            elif column.name.lower() not in BOOKKEEPING_COLUMNS:
                self.extra.append(column.name)

    def split(self, mapping: Mapping[str, Any]) -> tuple[dict[str, str | None], dict[str, str | None] | None]:
        row: dict[str, str | None] = dict.fromkeys(self.table.columns)
        for db_name, name in self.standard:
            row[name] = standard_string(mapping[db_name])
        extra = {c: standard_string(mapping[c]) for c in self.extra} or None
        return row, extra


@writes_private
@logged_stage("his-pull")
def pull_his(url_or_engine: str | sa.URL | sa.Engine, workdir: Workdir | str | os.PathLike, *,
             interval_start: str | dt.datetime | None, interval_end: str | dt.datetime | None,
             batch_id: str | None = None, schema: str | None = DEFAULT_SCHEMA,
             watermark_column: str = "NGAY_TTOAN", overlap: dt.timedelta | None = None,
             chunk_episodes: int = PULL_CHUNK_EPISODES) -> IngestSummary:
    """Stage the episodes whose ``watermark_column`` lies in ``(interval_start, interval_end]``.

    Bounds are ``yyyymmddHHMM`` strings (or datetimes, converted to Vietnam local time); a None end
    means no upper bound. XML1 rows are read with a server-side cursor in chunks of
    ``chunk_episodes``; each chunk's XML2-XML5 rows are then read by ``ma_lk IN (chunk)``, all in one
    read-only REPEATABLE READ transaction on PostgreSQL, so memory stays bounded and the tables agree.
    Episodes whose watermark column is NULL or empty (not yet paid) are not pulled.

    Watermark mode (``interval_start=None``): the start is the ledger's watermark for this HIS (no
    lower bound the first time), and after a successful pull the watermark advances to the largest
    value seen (never backwards; unchanged when nothing was pulled). With an explicit start the
    watermark is neither read nor written, so scheduled runs and backfills have no side effects.

    Idempotent: staging name ``his-<batch_id>``, the batch id derived from (source, start, end), so
    re-running an interval rewrites the same files. ``_source_file`` is ``his:<schema>``;
    ``_source_sha256`` is the SHA-256 of the XML1 query text plus the bounds; ``_hoso_index`` is
    the episode's 1-based position in the pull (ordered by watermark column, then ``MA_LK``) and
    child rows carry their episode's index.

    Late commits (the Airflow DAG): ``watermark_column="updated_at"`` reads by commit/update time
    (only paid episodes, ``NGAY_TTOAN`` set) and ``overlap`` widens the lower bound, so a row committed
    with an ``updated_at`` inside an interval that already ran is still pulled by the next one. Each
    episode version (``MA_LK`` + its ``updated_at``, or a hash of its XML1 row when the HIS has no such
    column) pulled by a batch is recorded in the ledger database (``his_versions``, ``MA_LK`` hashed);
    a version another batch already pulled is skipped, so the overlap never stages an episode twice,
    while a newer version of it (a correction) is staged again.
    """
    workdir = workdir if isinstance(workdir, Workdir) else Workdir.at(workdir)
    workdir.ensure()
    owned = not isinstance(url_or_engine, sa.Engine)
    engine = sa.create_engine(url_or_engine, hide_parameters=True) if owned else url_or_engine
    try:
        return _pull(engine, workdir, interval_start=interval_start, interval_end=interval_end,
                     batch_id=batch_id, schema=schema, watermark_column=watermark_column,
                     chunk_episodes=chunk_episodes, overlap=overlap)
    finally:
        if owned:
            engine.dispose()


def _pull(engine: sa.Engine, workdir: Workdir, *, interval_start, interval_end, batch_id, schema,
          watermark_column, chunk_episodes, overlap=None) -> IngestSummary:
    registry = load_schema()
    safe_url = engine.url.render_as_string(hide_password=True)
    source = his_source_id(engine.url, schema)
    ledger = Ledger(workdir.ledger_url())
    watermark_mode = interval_start is None
    start = ledger.get_watermark(source) if watermark_mode else as_stamp(interval_start)
    end = as_stamp(interval_end)
    batch_id = batch_id or batch_id_for(source, start, end)
    versions = VersionIndex(ledger.engine, source, batch_id)
    read_from = shift_stamp(start, -overlap) if start is not None and overlap else start
    if read_from != start:
        log.info("HIS pull reads from %s (overlap of %s before the interval)", read_from, overlap)
    log.info("HIS pull from %s schema %s: %s in (%s, %s], batch %s%s", safe_url, schema, watermark_column,
             start or "-inf", end or "+inf", batch_id, " (watermark mode)" if watermark_mode else "")

    connection_options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        connection_options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    staging_name = f"his-{batch_id}"
    source_file = f"his:{schema or ''}"
    writer: StagingWriter | None = None
    max_seen: str | None = None
    try:
        with engine.connect().execution_options(**connection_options) as conn:
            tables = {tid: _reflect(conn, schema, tid) for tid in EPISODE_TABLES}
            episodes = tables["xml1"]
            if episodes is None:
                raise HisError(f"HIS table {schema}.{HIS_TABLES['xml1']} not found")
            missing = [HIS_TABLES[t] for t, v in tables.items() if v is None]
            if missing:
                log.warning("HIS schema %s lacks %s; those tables are not pulled", schema, ", ".join(missing))
            mark = episodes.c.get(watermark_column.lower())
            if mark is None:
                raise HisError(f"watermark column {watermark_column.lower()} not in {episodes.fullname}")

            query = sa.select(episodes).where(mark.is_not(None))
            if not isinstance(mark.type, sa.DateTime):
                query = query.where(mark != "")  # an empty NGAY_TTOAN means "not paid yet", like NULL
            paid = episodes.c.get("ngay_ttoan")
            if paid is not None and paid is not mark:  # read by commit time: still only paid episodes
                query = query.where(paid.is_not(None), paid != "")
            if read_from is not None:
                query = query.where(mark > _bound_for(mark, read_from))
            if end is not None:
                query = query.where(mark <= _bound_for(mark, end))
            query = query.order_by(mark, episodes.c.ma_lk)
            query_text = str(query.compile(dialect=engine.dialect))
            source_sha256 = hashlib.sha256("\x1f".join([query_text, start or "", end or ""]).encode()).hexdigest()
            writer = StagingWriter(workdir, name=staging_name, source_file=source_file,
                                   source_sha256=source_sha256, batch_id=batch_id, schema=registry)

            splitters = {tid: _RowSplitter(t, registry, tid) for tid, t in tables.items() if t is not None}
            hoso_index = 0
            result = conn.execute(query.execution_options(yield_per=chunk_episodes))
            for partition in result.partitions():
                index_of: dict[str, int] = {}
                for record in versions.new(partition):
                    hoso_index += 1
                    row, extra = splitters["xml1"].split(record._mapping)
                    writer.add("xml1", row, hoso_index, extra=extra)
                    index_of[record._mapping["ma_lk"]] = hoso_index
                    seen = standard_string(record._mapping[mark.name])
                    max_seen = seen if max_seen is None or seen > max_seen else max_seen
                for table_id in EPISODE_TABLES[1:]:
                    child = tables[table_id]
                    if child is None or not index_of:
                        continue
                    child_query = (sa.select(child).where(child.c.ma_lk.in_(list(index_of)))
                                   .order_by(child.c.ma_lk, child.c.stt).execution_options(yield_per=CHILD_FETCH_ROWS))
                    for record in conn.execute(child_query):
                        row, extra = splitters[table_id].split(record._mapping)
                        writer.add(table_id, row, index_of[record._mapping["ma_lk"]], extra=extra)
    except BaseException as exc:
        if writer:
            writer.abort()
        if isinstance(exc, sa.exc.SQLAlchemyError):
            raise _db_error(f"HIS pull from {safe_url}", exc) from None
        raise

    file_result = FileResult(path=source_file, sha256=source_sha256, kind="his", staging_name=staging_name)
    file_result.staged = writer.commit()
    file_result.rejects = len(writer.rejects)
    file_result.hoso_seen = file_result.staged.get("xml1", 0)
    file_result.details = {"skipped_versions": versions.skipped, "overlap_minutes":
                           int(overlap.total_seconds() // 60) if overlap else 0}
    versions.save()
    summary = IngestSummary(batch_id=batch_id, source=source, files=[file_result])
    write_manifest_entry(workdir, batch_id, source, file_result)
    record_ingest(workdir, batch_id)
    if watermark_mode and max_seen is not None and (start is None or max_seen > start):
        ledger.set_watermark(source, max_seen)
        log.info("HIS watermark for %s schema %s advanced to %s", safe_url, schema, max_seen)
    log.info("HIS pull batch %s staged %s", batch_id, summary.staged)
    return summary
