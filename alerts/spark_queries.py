"""Rule queries that read raw calls, run on Spark when LLMCOSTS_WAREHOUSE=spark.

On Spark raw.llm_calls lives in the lake, not in the control Postgres, so the few rule queries
that read it have a Spark SQL form under alerts/sql/spark/ (same name, same rows) run through the
Thrift server. Every other rule reads marts, which are published back into Postgres: unchanged.
"""

from __future__ import annotations

from typing import Any

from alerts.sql_files import sql
from llmcosts_core.settings import get_settings
from llmcosts_core.spark import query_rows

# The rule queries with a Spark form under alerts/sql/spark/.
RAW_CALL_QUERIES = frozenset({"expensive_calls.sql"})

def runs_on_spark(sql_file: str) -> bool:
    return sql_file in RAW_CALL_QUERIES and get_settings().uses_spark


def spark_query(sql_file: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return query_rows(sql(f"spark/{sql_file}"), params)
