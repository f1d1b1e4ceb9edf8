"""Compare one mart built by dbt on Spark with the same mart built on Postgres, column by column and
row by row: the same column names in the same order, compatible types, the same rows. Money (any
decimal) may differ by 1e-6, a ratio (double) by 1e-6 or 1e-9 of its size; counts, text, dates,
instants and booleans must be equal; arrays element by element; maps and JSON objects as dicts.

    differences = mart_differences("budget_status", postgres_url)   # [] when they agree
    assert_marts_equal("budget_status", postgres_url)

The Spark side is read through `llmcosts_core.spark.spark_sql()` (LLMCOSTS_SPARK_THRIFT_*);
`table_differences` is the comparison itself, on rows already read."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

MONEY_TOLERANCE = Decimal("1e-6")
RATIO_ABSOLUTE_TOLERANCE = 1e-6
RATIO_RELATIVE_TOLERANCE = 1e-9
MAX_REPORTED = 20

# The columns that identify a row of each mart (its unique key). Other tables are matched on every
# column that is neither a number nor an array or map.
MART_KEYS = {
    "budget_status": ("budget_member_period_key",),
    "budget_burndown_daily": ("burndown_key",),
    "budget_forecast_backtest": ("backtest_key",),
    "chargeback_monthly": ("chargeback_key",),
    "credit_pool_balances": ("pool_scope", "pool_member"),
    "throttle_list": ("budget_name", "member"),
    "focus_cost_usage": ("x_RowKey",),
    "int_pricing__model_list_prices": ("provider", "model"),
    "whatif_model_swaps": ("swap_key",),
    "cost_suggestions": ("suggestion_key",),
    "cost_drift": ("drift_key",),
    "tag_coverage_daily": ("coverage_key",),
    "billing_reconciliation": ("reconciliation_key",),
}


@dataclass(frozen=True)
class Column:
    name: str
    family: str  # integer, decimal, float, text, date, timestamp, boolean, map, array<family>


@dataclass(frozen=True)
class Table:
    """A table as one engine returned it: its columns in order and its rows (column name -> value)."""

    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Spark keeps a partitioned table's partition columns last (the daily facts' `day`).
    partition_columns: tuple[str, ...] = ()


_PG_FAMILIES = {
    "smallint": "integer", "integer": "integer", "bigint": "integer", "numeric": "decimal",
    "double precision": "float", "real": "float", "text": "text", "character varying": "text",
    "date": "date", "timestamp with time zone": "timestamp", "timestamp without time zone": "timestamp",
    "boolean": "boolean", "jsonb": "map", "json": "map",
}
# information_schema names an array's element type only by its udt_name (`_numeric`).
_PG_ELEMENT_TYPES = {"numeric": "numeric", "text": "text", "varchar": "text", "int4": "integer",
                     "int8": "bigint", "float8": "double precision", "date": "date"}


def postgres_family(data_type: str, udt_name: str = "") -> str:
    if data_type == "ARRAY":
        element = udt_name.lstrip("_")
        return f"array<{postgres_family(_PG_ELEMENT_TYPES.get(element, element))}>"
    return _PG_FAMILIES.get(data_type, data_type)


def spark_family(spark_type: str) -> str:
    kind = spark_type.strip().lower()
    array = re.fullmatch(r"array<(.+)>", kind)
    if array:
        return f"array<{spark_family(array.group(1))}>"
    if kind.startswith(("map<", "struct<")):
        return "map"
    if kind.startswith("decimal"):
        return "decimal"
    if kind.startswith(("varchar", "char")):
        return "text"
    return {"tinyint": "integer", "smallint": "integer", "int": "integer", "bigint": "integer",
            "double": "float", "float": "float", "string": "text", "date": "date", "timestamp": "timestamp",
            "timestamp_ntz": "timestamp", "boolean": "boolean"}.get(kind, kind)


def _compatible(postgres: str, spark: str) -> bool:
    if postgres.startswith("array<") and spark.startswith("array<"):
        return _compatible(postgres[6:-1], spark[6:-1])
    # A sum of integers is numeric on Postgres and stays bigint on Spark: both are whole numbers,
    # compared exactly.
    numbers = {"integer", "decimal"}
    return postgres == spark or (postgres in numbers and spark in numbers)


def _normal(value: Any, family: str) -> Any:
    """One engine's value in a form both engines' values share."""
    if value is None:
        return None
    if family.startswith("array<"):
        items = json.loads(value, parse_float=Decimal) if isinstance(value, str) else list(value)
        return [_normal(item, family[6:-1]) for item in items]
    if family == "map":
        return json.loads(value) if isinstance(value, str) else dict(value)
    if family in ("integer", "decimal"):
        return Decimal(str(value))
    if family == "float":
        return float(value)
    if family == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        return date.fromisoformat(str(value)[:10])
    if family == "timestamp":
        instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        # Spark's timestamps are read in the session time zone, which the cluster pins to UTC.
        return instant.astimezone(UTC) if instant.tzinfo else instant.replace(tzinfo=UTC)
    return value


def _equal(postgres: Any, spark: Any, pg_family: str, spark_family_: str) -> bool:
    if postgres is None or spark is None:
        return postgres is None and spark is None
    if pg_family.startswith("array<"):
        return len(postgres) == len(spark) and all(
            _equal(p, s, pg_family[6:-1], spark_family_[6:-1]) for p, s in zip(postgres, spark, strict=True)
        )
    if "integer" in (pg_family, spark_family_):
        return postgres == spark  # counts: exactly
    if pg_family == "decimal":
        return abs(postgres - spark) <= MONEY_TOLERANCE
    if pg_family == "float":
        return abs(postgres - spark) <= max(RATIO_ABSOLUTE_TOLERANCE, RATIO_RELATIVE_TOLERANCE * abs(postgres))
    return postgres == spark


def _ordered(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: [repr(value) for value in row.values()]) if len(rows) > 1 else rows


def table_differences(mart: str, postgres: Table, spark: Table, key: tuple[str, ...] | None = None) -> list[str]:
    """Every way `spark` differs from `postgres` (at most MAX_REPORTED described); [] when equal."""
    pg_names, spark_names = [c.name for c in postgres.columns], [c.name for c in spark.columns]
    # the same columns in the same order, but that Spark moves its partition columns to the end
    partition = list(spark.partition_columns)
    if [name for name in pg_names if name not in partition] + partition != spark_names:
        return [f"{mart}: columns differ: postgres {pg_names}, spark {spark_names}"]
    spark_by_name = {c.name: c for c in spark.columns}
    families = {p.name: (p.family, spark_by_name[p.name].family) for p in postgres.columns}
    problems = [f"{mart}.{name}: incompatible types, postgres {pg}, spark {sp}"
                for name, (pg, sp) in families.items() if not _compatible(pg, sp)]
    if problems:
        return problems
    key = key or MART_KEYS.get(mart) or tuple(
        c.name for c in postgres.columns if c.family in ("text", "date", "timestamp", "boolean"))

    def by_key(rows: list[dict], side: int) -> dict[tuple, list[dict]]:
        grouped: dict[tuple, list[dict]] = {}
        for row in rows:
            values = {name: _normal(row[name], families[name][side]) for name in pg_names}
            grouped.setdefault(tuple(str(values[name]) for name in key), []).append(values)
        return grouped

    pg_rows, spark_rows = by_key(postgres.rows, 0), by_key(spark.rows, 1)
    if len(postgres.rows) != len(spark.rows):
        problems.append(f"{mart}: {len(postgres.rows)} rows on postgres, {len(spark.rows)} on spark")
    for row_key in sorted(set(pg_rows) | set(spark_rows)):
        where = ", ".join(f"{name}={value}" for name, value in zip(key, row_key, strict=True))
        pg_group, spark_group = pg_rows.get(row_key, []), spark_rows.get(row_key, [])
        if len(pg_group) != len(spark_group):
            problems.append(f"{mart} [{where}]: {len(pg_group)} rows on postgres, {len(spark_group)} on spark")
            continue
        # with a key that is not unique, the rows of one key are paired in the order of their values
        for pg_row, spark_row in zip(_ordered(pg_group), _ordered(spark_group), strict=True):
            problems.extend(
                f"{mart} [{where}] {name}: postgres {pg_row[name]!r}, spark {spark_row[name]!r}"
                for name in pg_names if not _equal(pg_row[name], spark_row[name], *families[name])
            )
    if len(problems) > MAX_REPORTED:
        problems = problems[:MAX_REPORTED] + [f"... and {len(problems) - MAX_REPORTED} more"]
    return problems


def postgres_table(url: str, schema: str, name: str) -> Table:
    with psycopg.connect(url) as conn:
        meta = conn.execute(
            "select column_name, data_type, udt_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, name),
        ).fetchall()
        if not meta:
            raise AssertionError(f"{schema}.{name} does not exist on Postgres")
        rows = conn.cursor(row_factory=dict_row).execute(f'select * from "{schema}"."{name}"').fetchall()
    return Table([Column(column, postgres_family(data_type, udt)) for column, data_type, udt in meta], rows)


def _spark_columns(cursor, schema: str, name: str) -> tuple[list[Column], list[str]]:
    """The columns of a Spark table, and its partition columns."""
    from llmcosts_core.spark import execute

    columns, partition_columns, section = [], [], "columns"
    for column, data_type, *_ in execute(cursor, f"describe {schema}.{name}"):
        if column == "# Partition Information":
            section = "partition"
        elif not column or column.startswith("#"):
            continue
        elif section == "columns":
            columns.append(Column(column, spark_family(data_type)))
        else:
            partition_columns.append(column)
    return columns, partition_columns


def spark_partition_columns(schema: str, name: str) -> tuple[str, ...]:
    from llmcosts_core.spark import spark_sql

    with spark_sql() as cursor:
        return tuple(_spark_columns(cursor, schema, name)[1])


def spark_table(schema: str, name: str) -> Table:
    from llmcosts_core.spark import execute, spark_sql

    with spark_sql() as cursor:
        columns, partition_columns = _spark_columns(cursor, schema, name)
        # complex values as JSON: the Thrift server's display text is not JSON in general
        select = ", ".join(
            f"to_json(`{c.name}`)" if c.family == "map" or c.family.startswith("array<") else f"`{c.name}`"
            for c in columns
        )
        rows = execute(cursor, f"select {select} from {schema}.{name}")
    return Table(columns, [dict(zip((c.name for c in columns), row, strict=True)) for row in rows],
                 tuple(partition_columns))


def mart_differences(mart: str, postgres_url: str, *, schema: str = "marts",
                     key: tuple[str, ...] | None = None) -> list[str]:
    """How the Spark build of `schema.mart` differs from the Postgres build at `postgres_url`."""
    return table_differences(mart, postgres_table(postgres_url, schema, mart), spark_table(schema, mart), key)


def assert_marts_equal(mart: str, postgres_url: str, **options) -> None:
    problems = mart_differences(mart, postgres_url, **options)
    assert problems == [], "\n".join(problems)
