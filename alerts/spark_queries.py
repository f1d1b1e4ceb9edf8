"""Rule queries that read raw calls, run on Spark when LLMCOSTS_WAREHOUSE=spark.

On Spark raw.llm_calls lives in the lake, not in the control Postgres, so the few rule queries
that read it have a Spark SQL form under alerts/sql/spark/ (same name, same rows) run through the
Thrift server. Every other rule reads marts, which are published back into Postgres: unchanged.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alerts.sql_files import sql
from llmcosts_core.settings import get_settings
from llmcosts_core.spark import spark_sql

# The rule queries with a Spark form under alerts/sql/spark/.
RAW_CALL_QUERIES = frozenset({"expensive_calls.sql"})

def runs_on_spark(sql_file: str) -> bool:
    return sql_file in RAW_CALL_QUERIES and get_settings().uses_spark


def _pyhive_param(value: Any) -> Any:
    # PyHive escapes str, numbers and dates only; a Decimal goes as its exact text, cast in the SQL.
    return str(value) if isinstance(value, Decimal) else value


def spark_query(sql_file: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    text = sql(f"spark/{sql_file}")
    with spark_sql() as cursor:
        cursor.execute(text, {name: _pyhive_param(value) for name, value in params.items()})
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
