"""Copy Postgres tables into the lake as Parquet and register them in Spark.

With LLMCOSTS_WAREHOUSE=spark the small control tables (users, budgets, prices, bills, usage) stay
in the control Postgres, where the loaders write them; dbt on Spark reads them from this mirror.
Each mirror writes a new version directory `<lake_root>/control/<schema>/<table>/v-<unique>/`,
then points the Spark table at it (`alter table ... set location` + `refresh table`), then deletes
the older versions: a reader sees the old version or the new one, never a half-written table.

`mirror_llm_calls` writes raw.llm_calls in the ingestion's contract layout (Parquet partitioned by
`ts_month`); the real ingestion writes that table itself, this is for development and tests.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

import psycopg
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from llmcosts_core.settings import Settings, get_settings
from llmcosts_core.spark import execute, spark_sql
from llmcosts_core.warehouse import connect

# Every table a dbt model reads, mirrored from the control Postgres.
CONTROL_TABLES = (
    "raw.app_users",
    "raw.provider_bills",
    "raw.budgets",
    "raw.budget_settings",
    "raw.budget_credit_topups",
    "raw.feature_usage",
    "raw.model_prices",
    # the newest version is the current price list (raw.current_price_version() on Postgres)
    "raw.model_price_versions",
)
LLM_CALLS = "raw.llm_calls"

# Unconstrained numeric has no declared scale; 10 digits covers every money and price column.
_UNCONSTRAINED_NUMERIC = pa.decimal128(38, 10)
_SIMPLE_TYPES = {
    "text": pa.string(),
    "character varying": pa.string(),
    "character": pa.string(),
    "uuid": pa.string(),
    "boolean": pa.bool_(),
    "smallint": pa.int16(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "real": pa.float32(),
    "double precision": pa.float64(),
    "date": pa.date32(),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
    "timestamp without time zone": pa.timestamp("us"),
    "jsonb": pa.string(),
    "json": pa.string(),
    "text[]": pa.list_(pa.string()),
    "numeric[]": pa.list_(_UNCONSTRAINED_NUMERIC),
}


def _arrow_type(pg_type: str) -> pa.DataType:
    """The Arrow type for a Postgres column type as `format_type` spells it."""
    match = re.fullmatch(r"numeric\((\d+),(\d+)\)", pg_type.replace(" ", ""))
    if match:
        return pa.decimal128(int(match[1]), int(match[2]))
    if pg_type == "numeric":
        return _UNCONSTRAINED_NUMERIC
    try:
        return _SIMPLE_TYPES[pg_type]
    except KeyError:
        raise ValueError(f"no Parquet mapping for Postgres type {pg_type}") from None


def _columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute"
        " where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
        (table,),
    ).fetchall()
    return [(name, pg_type) for name, pg_type in rows]


def _read_table(conn: psycopg.Connection, table: str) -> pa.Table:
    columns = _columns(conn, table)
    schema = pa.schema([(name, _arrow_type(pg_type)) for name, pg_type in columns])
    # JSON leaves Postgres as its text form: Spark has no JSON type, models use get_json_object.
    select_list = ", ".join(
        f'"{name}"::text' if pg_type in ("jsonb", "json") else f'"{name}"' for name, pg_type in columns
    )
    rows = conn.execute(f"select {select_list} from {table}").fetchall()
    values = list(zip(*rows, strict=True)) if rows else [[] for _ in columns]
    arrays = [pa.array(list(column), type=field.type) for column, field in zip(values, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _spark_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_list(arrow_type):
        return f"array<{_spark_type(arrow_type.value_type)}>"
    return {
        pa.string(): "string",
        pa.bool_(): "boolean",
        pa.int16(): "smallint",
        pa.int32(): "int",
        pa.int64(): "bigint",
        pa.float32(): "float",
        pa.float64(): "double",
        pa.date32(): "date",
    }.get(arrow_type) or ("timestamp" if pa.types.is_timestamp(arrow_type) else "string")


def _publish(cursor, spark_table: str, schema: pa.Schema, location: str, partition_by: str | None) -> None:
    """Point `spark_table` at a fully written version directory."""
    schema_name = spark_table.split(".")[0]
    execute(cursor, f"create database if not exists {schema_name}")
    columns = ", ".join(f"`{field.name}` {_spark_type(field.type)}" for field in schema)
    partitioned = f" partitioned by ({partition_by})" if partition_by else ""
    quoted = location.replace("'", "\\'")
    execute(cursor, f"create table if not exists {spark_table} ({columns}) using parquet{partitioned} location '{quoted}'")
    execute(cursor, f"alter table {spark_table} set location '{quoted}'")
    if partition_by:
        # A partitioned table's partitions are metastore entries: rediscover them in the new version.
        execute(cursor, f"msck repair table {spark_table} sync partitions")
    execute(cursor, f"refresh table {spark_table}")


def _version_root(settings: Settings, table: str) -> str:
    schema_name, table_name = table.split(".")
    return f"{settings.spark.lake_root.rstrip('/')}/control/{schema_name}/{table_name}"


def _write_version(
    settings: Settings, table: str, data: pa.Table, partition_by: str | None, cursor
) -> None:
    filesystem, root_path = pafs.FileSystem.from_uri(_version_root(settings, table))
    version = f"v-{date.today():%Y%m%d}-{uuid.uuid4().hex[:12]}"
    version_path = f"{root_path}/{version}"
    filesystem.create_dir(version_path, recursive=True)
    if partition_by:
        pq.write_to_dataset(
            data, version_path, filesystem=filesystem, partition_cols=[partition_by],
            existing_data_behavior="overwrite_or_ignore",
        )
    else:
        pq.write_table(data, f"{version_path}/part-0.parquet", filesystem=filesystem)
    schema = data.schema
    if partition_by:  # the partition column goes last in Spark's view of the table
        schema = pa.schema([f for f in schema if f.name != partition_by] + [schema.field(partition_by)])
    _publish(cursor, table, schema, f"{_version_root(settings, table)}/{version}", partition_by)
    for info in filesystem.get_file_info(pafs.FileSelector(root_path)):
        if info.type == pafs.FileType.Directory and info.base_name != version:
            filesystem.delete_dir(info.path)


def mirror_control_tables(settings: Settings | None = None) -> dict[str, int]:
    """Mirror every control table into the lake and Spark; returns table -> rows copied."""
    settings = settings or get_settings()
    copied: dict[str, int] = {}
    with connect(settings) as conn, spark_sql(settings) as cursor:
        for table in CONTROL_TABLES:
            data = _read_table(conn, table)
            _write_version(settings, table, data, None, cursor)
            copied[table] = data.num_rows
    return copied


def mirror_llm_calls(settings: Settings | None = None) -> int:
    """Mirror raw.llm_calls in the contract layout: the Postgres columns plus `ts_month` (the first
    day of ts's month, UTC) as the partition column. Returns the rows copied."""
    settings = settings or get_settings()
    with connect(settings) as conn, spark_sql(settings) as cursor:
        data = _read_table(conn, LLM_CALLS)
        months = [
            None if ts is None else date(ts.year, ts.month, 1)
            for ts in data.column("ts").cast(pa.timestamp("us", tz="UTC")).to_pylist()
        ]
        data = data.append_column("ts_month", pa.array(months, type=pa.date32()))
        _write_version(settings, LLM_CALLS, data, "ts_month", cursor)
    return data.num_rows


__all__ = ["CONTROL_TABLES", "mirror_control_tables", "mirror_llm_calls"]
