"""raw.llm_calls and raw.llm_calls_rejects on the lake: their Arrow schemas, their directories and
their metastore statements (ingestion/sql/lake/*.sql, through the Spark Thrift server).

Layout under the lake root (settings.spark.lake_root: a local path or an object-store URL):
    raw/llm_calls/ts_month=YYYY-MM-01/v-<unique>/part-00000.parquet   one live version per month
    raw/llm_calls_rejects/run-<run id>-<unique>.parquet                one file per run
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
import psycopg
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ingestion.mapping import COLUMNS
from ingestion.pricing.at_load import PRICED_COLUMNS
from ingestion.sql_files import sql
from llmcosts_core.settings import SparkSettings
from llmcosts_core.spark import execute, quote_literal, spark_sql
from llmcosts_core.spark.thrift import SparkSqlError

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
BATCH_ROWS = 64_000
TIMESTAMP = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(20, 10)
_TEN_PLACES = Decimal("1e-10")

_TYPES = {
    "ts": TIMESTAMP, "prompt_version": pa.int32(), "input_tokens": pa.int64(), "output_tokens": pa.int64(),
    "cache_read_tokens": pa.int64(), "cache_write_tokens": pa.int64(), "total_tokens": pa.int64(),
    "cost_usd": MONEY, "cache_hit": pa.bool_(), "latency_ms": pa.float64(), "ttft_ms": pa.float64(),
    "tags": pa.list_(pa.string()), "ingested_at": TIMESTAMP, "reported_cost_usd": MONEY,
    "computed_cost_usd": MONEY, "price_version": pa.int32(),
}
# The Postgres table's column order (0001 then 0004's additions); ts_month is the partition
# column, held by the directory and the metastore, not the files.
LLM_CALLS_COLUMNS = (*COLUMNS[:COLUMNS.index("reported_cost_usd")], "ingested_at", "reported_cost_usd",
                     *PRICED_COLUMNS)
LLM_CALLS_SCHEMA = pa.schema([(name, _TYPES.get(name, pa.string())) for name in LLM_CALLS_COLUMNS])
# What the loader stages (a priced row, mapping.COLUMNS + PRICED_COLUMNS) and the order of the pull.
STAGE_SCHEMA = pa.schema([(name, _TYPES.get(name, pa.string())) for name in (*COLUMNS, *PRICED_COLUMNS)]
                         + [("_seq", pa.int64())])
REJECTS_SCHEMA = pa.schema([
    ("reject_id", pa.int64()), ("observation_id", pa.string()), ("project_id", pa.string()),
    ("source_key", pa.string()), ("reason", pa.string()), ("raw", pa.string()), ("run_id", pa.string()),
    ("rejected_at", TIMESTAMP),
])
# The columns whose change makes a re-pulled row "changed" (merge_llm_calls.sql's distinct test).
_COMPARED = ("trace_id", "project_id", "user_id", "session_id", "feature", "prompt_id", "prompt_name",
             "prompt_version", "model", "provider", "observation_type", "input_tokens", "output_tokens",
             "cache_read_tokens", "cache_write_tokens", "total_tokens", "reported_cost_usd", "cache_hit",
             "latency_ms", "ttft_ms", "level", "environment", "tags", "metadata", "computed_cost_usd",
             "price_version")
_MONEY_COLUMNS = frozenset({"cost_usd", "reported_cost_usd", "computed_cost_usd"})


def compared(row: dict[str, Any]) -> tuple:
    return tuple(tuple(v) if isinstance(v := row[name], list) else v for name in _COMPARED)


def ts_month(ts: datetime) -> date:
    ts = ts.astimezone(UTC)
    return date(ts.year, ts.month, 1)


def json_text(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _money(value: Decimal | None) -> Decimal | None:
    # numeric(20, 10) in Postgres rounds half away from zero to ten places; Arrow would refuse more.
    return None if value is None else value.quantize(_TEN_PLACES, rounding=ROUND_HALF_UP)


def rows_to_batch(rows: list[tuple], schema: pa.Schema, extra: dict | None = None) -> pa.RecordBatch:
    """Priced row tuples (mapping.COLUMNS + PRICED_COLUMNS) as one Arrow batch of `schema`."""
    names = (*COLUMNS, *PRICED_COLUMNS)
    columns = dict(zip(names, zip(*rows, strict=True), strict=True)) if rows else {name: () for name in names}
    columns.update(extra or {})
    arrays = []
    for field in schema:
        values = columns[field.name]
        if field.name in _MONEY_COLUMNS:
            values = [_money(v) for v in values]
        elif field.name == "metadata":  # compact JSON bytes from mapping.build_row
            values = [v.decode() if isinstance(v, bytes) else v for v in values]
        arrays.append(pa.array(values, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def filesystem(spark: SparkSettings) -> tuple[pafs.FileSystem, str]:
    """The lake's filesystem and the root path in it (local path or object-store URL)."""
    return pafs.FileSystem.from_uri(spark.lake_root)


def _location_uri(spark: SparkSettings, path: str) -> str:
    """What the metastore stores for a path of the lake's filesystem."""
    if "://" in spark.lake_root:
        scheme, rest = spark.lake_root.split("://", 1)
        bucket_root = rest.split("/", 1)[0]
        return f"{scheme}://{path}" if path.startswith(bucket_root) else f"{scheme}://{bucket_root}/{path}"
    return "file://" + path


class Lake:
    """The lake's filesystem, its paths and the metastore cursor of one load."""

    def __init__(self, spark: SparkSettings, cursor):
        self.settings = spark
        self.fs, self.root = filesystem(spark)
        self.root = self.root.rstrip("/")
        self.cursor = cursor

    @property
    def llm_calls_dir(self) -> str:
        return f"{self.root}/raw/llm_calls"

    @property
    def rejects_dir(self) -> str:
        return f"{self.root}/raw/llm_calls_rejects"

    @property
    def archive_dir(self) -> str:
        """Where `llmcosts prune` moves the months it archives (archive.llm_calls)."""
        return f"{self.root}/archive/llm_calls"

    def location_uri(self, path: str) -> str:
        return _location_uri(self.settings, path)

    def refresh(self, table: str) -> None:
        execute(self.cursor, sql("lake/refresh_table.sql").format(table=table))

    def partition_dir(self, month: date) -> str:
        return f"{self.llm_calls_dir}/ts_month={month.isoformat()}"

    def new_version_dir(self, month: date) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        return f"{self.partition_dir(month)}/v-{stamp}-{uuid.uuid4().hex[:12]}"

    def run(self, name: str, **literals: str) -> list[tuple]:
        return execute(self.cursor, sql(f"lake/{name}").format(
            **{key: quote_literal(value) for key, value in literals.items()}))

    def ensure_tables(self) -> None:
        self.fs.create_dir(self.llm_calls_dir, recursive=True)
        self.fs.create_dir(self.rejects_dir, recursive=True)
        self.run("create_database_raw.sql")
        self.run("create_llm_calls_table.sql", location=_location_uri(self.settings, self.llm_calls_dir))
        self.run("create_llm_calls_rejects_table.sql", location=_location_uri(self.settings, self.rejects_dir))

    def current_version_dir(self, month: date) -> str | None:
        """The version directory the metastore points the month at, None if no partition yet."""
        try:
            rows = self.run("describe_llm_calls_partition.sql", month=month.isoformat())
        except SparkSqlError as exc:
            if "PARTITIONS_NOT_FOUND" in str(exc) or "not found" in str(exc).lower():
                return None
            raise
        for name, value, *_ in rows:
            if (name or "").strip() == "Location":
                return f"{self.partition_dir(month)}/{value.rstrip('/').rsplit('/', 1)[-1]}"
        return None

    def batches(self, version_dir: str) -> Iterator[pa.RecordBatch]:
        dataset = ds.dataset(version_dir, filesystem=self.fs, format="parquet", schema=LLM_CALLS_SCHEMA)
        yield from dataset.to_batches(batch_size=BATCH_ROWS)

    def point_partition_at(self, month: date, version_dir: str, *, exists: bool) -> None:
        """The swap: one metastore statement; before it readers see the old files, after it the new."""
        location = _location_uri(self.settings, version_dir)
        if exists:
            self.run("set_llm_calls_partition_location.sql", month=month.isoformat(), location=location)
        else:
            self.run("add_llm_calls_partition.sql", month=month.isoformat(), location=location)
        self.refresh("raw.llm_calls")

    def remove_superseded_versions(self, month: date, keep: str) -> list[str]:
        """Every version directory of the month but `keep`: the one just replaced, and orphans of
        runs that crashed before their swap."""
        removed = []
        selector = pafs.FileSelector(self.partition_dir(month), allow_not_found=True)
        for info in self.fs.get_file_info(selector):
            if info.type == pafs.FileType.Directory and info.base_name.startswith("v-") and info.path != keep:
                self.fs.delete_dir(info.path)
                removed.append(info.path)
        return removed

    def append_rejects(self, rejects: list[dict], run_id: str) -> None:
        safe_run = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in run_id)[:80]
        path = f"{self.rejects_dir}/run-{safe_run}-{uuid.uuid4().hex[:12]}.parquet"
        pq.write_table(pa.Table.from_pylist(rejects, schema=REJECTS_SCHEMA), path, filesystem=self.fs)
        self.refresh("raw.llm_calls_rejects")


_MONTH_LOCK_NAMESPACE = 0x6C6B6D6F  # "lkmo"


@contextmanager
def month_lock(conn: psycopg.Connection, month: date) -> Iterator[None]:
    """Hold the rewrite lock of one month partition (ingestion/sql/lock_lake_month.sql) in the
    control Postgres. `conn` must have no open transaction: the lock is a session lock, and each
    statement here commits so the caller's next transaction starts clean."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise ValueError("month_lock needs a connection with no open transaction")
    params = {"namespace": _MONTH_LOCK_NAMESPACE, "month_key": month.year * 12 + month.month - 1}
    conn.execute(sql("lock_lake_month.sql"), params)
    conn.commit()
    try:
        yield
    finally:
        try:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.execute(sql("unlock_lake_month.sql"), params)
            conn.commit()
        except psycopg.Error as exc:  # a broken session has released its locks already
            log.warning("could not release the lake lock of %s: %s", month.isoformat(), exc)


@contextmanager
def open_lake(spark: SparkSettings, settings) -> Iterator[Lake]:
    with spark_sql(settings) as cursor:
        yield Lake(spark, cursor)
