"""Write the same raw rows to Spark that tests/quality/quality_helpers.py writes to Postgres:
Parquet files written with pyarrow under the lake root, registered as Spark tables
(raw.llm_calls partitioned by ts_month, raw.llm_calls_rejects unpartitioned)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from llmcosts_core.settings import get_settings
from llmcosts_core.spark import execute, spark_sql

CALL_SCHEMA = pa.schema([
    ("observation_id", pa.string()), ("trace_id", pa.string()), ("project_id", pa.string()),
    ("ts", pa.timestamp("us", tz="UTC")), ("user_id", pa.string()), ("session_id", pa.string()),
    ("feature", pa.string()), ("prompt_id", pa.string()), ("prompt_name", pa.string()),
    ("prompt_version", pa.int32()), ("model", pa.string()), ("provider", pa.string()),
    ("observation_type", pa.string()), ("input_tokens", pa.int64()), ("output_tokens", pa.int64()),
    ("cache_read_tokens", pa.int64()), ("cache_write_tokens", pa.int64()), ("total_tokens", pa.int64()),
    ("cost_usd", pa.decimal128(20, 10)), ("cost_source", pa.string()), ("cache_hit", pa.bool_()),
    ("latency_ms", pa.float64()), ("ttft_ms", pa.float64()), ("level", pa.string()),
    ("environment", pa.string()), ("tags", pa.list_(pa.string())), ("metadata", pa.string()),
    ("ingested_at", pa.timestamp("us", tz="UTC")),
])
REJECT_SCHEMA = pa.schema([
    ("reject_id", pa.int64()), ("observation_id", pa.string()), ("project_id", pa.string()),
    ("source_key", pa.string()), ("reason", pa.string()), ("raw", pa.string()), ("run_id", pa.string()),
    ("rejected_at", pa.timestamp("us", tz="UTC")),
])


def _lake() -> Path:
    return Path(get_settings().spark.lake_root)


def _month(ts: datetime) -> date:
    return date(ts.year, ts.month, 1)


def _full_call(row: dict[str, Any]) -> dict[str, Any]:
    full = {name: None for name in CALL_SCHEMA.names}
    full.update(cache_hit=False, ingested_at=row["ts"])
    full.update(row)
    if isinstance(full["metadata"], dict):
        full["metadata"] = json.dumps(full["metadata"])
    if full["cost_usd"] is not None:
        full["cost_usd"] = Decimal(full["cost_usd"]).quantize(Decimal("1e-10"))
    return full


def write_spark_calls(rows: list[dict[str, Any]]) -> None:
    """raw.llm_calls on Spark with these rows, one Parquet file per ts_month partition."""
    root = _lake() / "raw" / "llm_calls"
    by_month: dict[date, list[dict]] = {}
    for row in rows:
        by_month.setdefault(_month(row["ts"]), []).append(_full_call(row))
    for month, month_rows in by_month.items():
        folder = root / f"ts_month={month.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(month_rows, schema=CALL_SCHEMA), folder / "part-0.parquet")
    root.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(f"{field.name} {_spark_type(field.type)}" for field in CALL_SCHEMA)
    with spark_sql() as cursor:
        execute(cursor, "create database if not exists raw")
        execute(cursor, "drop table if exists raw.llm_calls")
        execute(cursor, f"create table raw.llm_calls ({columns}, ts_month date) using parquet "
                        f"partitioned by (ts_month) location '{root}'")
        execute(cursor, "msck repair table raw.llm_calls")


def write_spark_rejects(rows: list[dict[str, Any]]) -> None:
    root = _lake() / "raw" / "llm_calls_rejects"
    root.mkdir(parents=True, exist_ok=True)
    full = [{"reject_id": i + 1, **row} for i, row in enumerate(rows)]
    pq.write_table(pa.Table.from_pylist(full, schema=REJECT_SCHEMA), root / "part-0.parquet")
    columns = ", ".join(f"{field.name} {_spark_type(field.type)}" for field in REJECT_SCHEMA)
    with spark_sql() as cursor:
        execute(cursor, "create database if not exists raw")
        execute(cursor, "drop table if exists raw.llm_calls_rejects")
        execute(cursor, f"create table raw.llm_calls_rejects ({columns}) using parquet location '{root}'")


def _spark_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision}, {arrow_type.scale})"
    if pa.types.is_list(arrow_type):
        return "array<string>"
    return {pa.string(): "string", pa.int32(): "int", pa.int64(): "bigint", pa.bool_(): "boolean",
            pa.float64(): "double"}[arrow_type]
