"""Compare one pricing or reconciliation mart built on Spark with the same mart built on Postgres:
the same columns in the same order with compatible types, the same keys, and every column of
every row equal: money (numeric) to 1e-6, ratios (double) to a relative 1e-9, counts, texts,
dates and flags exactly.

Self-contained (tests/spark/mart_compare.py does the same for the budgets marts; they may merge).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import psycopg

# mart -> (schema, the columns that identify a row)
PRICING_MARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "int_pricing__model_list_prices": ("intermediate", ("provider", "model")),
    "whatif_model_swaps": ("marts", ("swap_key",)),
    "cost_suggestions": ("marts", ("suggestion_key",)),
    "cost_drift": ("marts", ("drift_key",)),
    "tag_coverage_daily": ("marts", ("coverage_key",)),
    "billing_reconciliation": ("marts", ("reconciliation_key",)),
}
MONEY_TOLERANCE = Decimal("1e-6")
RATIO_TOLERANCE = 1e-9

# Postgres type (information_schema.columns.data_type) -> the Spark types it may be built as.
# numeric holds Postgres sums of bigint too (counts), so it may be a Spark bigint.
COMPATIBLE_TYPES = {
    "numeric": ("decimal", "bigint", "int"),
    "double precision": ("double",),
    "bigint": ("bigint",),
    "integer": ("int",),
    "text": ("string",),
    "date": ("date",),
    "boolean": ("boolean",),
}


def _spark_columns(cursor, relation: str) -> list[tuple[str, str]]:
    from llmcosts_core.spark import execute

    columns = []
    for name, data_type, *_ in execute(cursor, f"describe {relation}"):
        if not name or name.startswith("#"):
            break
        columns.append((name, data_type))
    return columns


def _postgres_columns(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, table),
    ).fetchall()


def _differs(pg_type: str, pg_value, spark_value) -> bool:
    """Is the Spark value (as the Thrift server returns it) different from the Postgres one?"""
    if pg_value is None or spark_value is None:
        return pg_value is not spark_value
    if pg_type == "numeric":
        return abs(Decimal(str(spark_value)) - pg_value) > MONEY_TOLERANCE
    if pg_type == "double precision":
        return not math.isclose(float(spark_value), pg_value, rel_tol=RATIO_TOLERANCE, abs_tol=1e-12)
    if pg_type == "date":
        spark_day = spark_value if isinstance(spark_value, date) else date.fromisoformat(str(spark_value))
        return spark_day != pg_value
    if pg_type in ("bigint", "integer"):
        return int(spark_value) != pg_value
    return spark_value != pg_value


def compare_mart(mart: str, postgres_url: str, spark_cursor, max_differences: int = 20) -> list[str]:
    """Every difference between the Spark and the Postgres build of `mart`, one line each (empty:
    equal). `spark_cursor` is a Thrift cursor (llmcosts_core.spark.spark_sql())."""
    from llmcosts_core.spark import execute

    schema, key = PRICING_MARTS[mart]
    relation = f"{schema}.{mart}"
    with psycopg.connect(postgres_url) as conn:
        pg_columns = _postgres_columns(conn, schema, mart)
        pg_rows = conn.execute(f"select * from {relation}").fetchall()  # noqa: S608
    spark_columns = _spark_columns(spark_cursor, relation)
    names = [name for name, _ in pg_columns]
    if names != [name for name, _ in spark_columns]:
        return [f"{mart}: columns differ: postgres {names}, spark {[name for name, _ in spark_columns]}"]
    differences = [
        f"{mart}.{name}: postgres {pg_type}, spark {spark_type}"
        for (name, pg_type), (_, spark_type) in zip(pg_columns, spark_columns, strict=True)
        if not spark_type.startswith(COMPATIBLE_TYPES.get(pg_type, (pg_type,)))
    ]
    spark_rows = execute(spark_cursor, f"select {', '.join(f'`{n}`' for n in names)} from {relation}")

    positions = [names.index(column) for column in key]

    def by_key(rows, engine):
        keyed = {}
        for row in rows:
            row_key = tuple(str(row[i]) for i in positions)
            if row_key in keyed:
                differences.append(f"{mart}: key {row_key} twice on {engine}")
            keyed[row_key] = row
        return keyed

    pg_keyed, spark_keyed = by_key(pg_rows, "postgres"), by_key(spark_rows, "spark")
    for row_key in sorted(set(pg_keyed) - set(spark_keyed)):
        differences.append(f"{mart}: {row_key} only on postgres")
    for row_key in sorted(set(spark_keyed) - set(pg_keyed)):
        differences.append(f"{mart}: {row_key} only on spark")
    for row_key in sorted(set(pg_keyed) & set(spark_keyed)):
        pg_row, spark_row = pg_keyed[row_key], spark_keyed[row_key]
        for i, (name, pg_type) in enumerate(pg_columns):
            if _differs(pg_type, pg_row[i], spark_row[i]):
                differences.append(f"{mart} {row_key}.{name}: postgres {pg_row[i]!r}, spark {spark_row[i]!r}")
    if len(differences) > max_differences:
        differences = differences[:max_differences] + [f"... and {len(differences) - max_differences} more"]
    return differences
