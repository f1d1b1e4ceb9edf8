"""Publish the marts Spark built into the serving Postgres (LLMCOSTS_WAREHOUSE=spark).

Why publish rather than serve through the Thrift server (docs/scaling.md): the marts are small
(aggregates: thousands to a few million rows, where raw calls are billions), and everything that
reads them -- the alerts, `llmcosts budget check`, the HTML report, the Metabase cards -- is
written against Postgres and answers in milliseconds there, where a Spark SQL query costs
seconds and a Thrift server that must stay up for every dashboard click. So Spark does the heavy
part (scanning the lake), and Postgres keeps serving what people read.

Every table of the Spark `marts` database is copied into the Postgres schema of the same name in
ONE transaction: each table is loaded into a new table and swapped in by rename, so a reader sees
the whole previous build or the whole new one, never a mix, and a failed publish leaves the
previous build in place.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from llmcosts_core.settings import Settings, get_settings
from llmcosts_core.spark import execute, spark_sql
from llmcosts_core.warehouse import connect

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("marts",)
FETCH_BATCH_ROWS = 10_000

_SIMPLE_TYPES = {
    "string": "text",
    "varchar": "text",
    "char": "text",
    "boolean": "boolean",
    "tinyint": "smallint",
    "smallint": "smallint",
    "int": "integer",
    "integer": "integer",
    "bigint": "bigint",
    "float": "real",
    "double": "double precision",
    "date": "date",
    # Spark's TIMESTAMP is an instant (the session zone is UTC): Postgres' timestamptz.
    "timestamp": "timestamptz",
    "timestamp_ntz": "timestamp",
    "binary": "bytea",
}


def postgres_type(spark_type: str) -> str:
    """The Postgres column type for a Spark SQL type as `describe` prints it."""
    spark_type = spark_type.strip().lower()
    decimal = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", spark_type)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    if spark_type.startswith("varchar") or spark_type.startswith("char"):
        return "text"
    array = re.fullmatch(r"array<(.+)>", spark_type)
    if array:
        return postgres_type(array.group(1)) + "[]"
    if spark_type.startswith(("map<", "struct<")):
        return "jsonb"
    if spark_type in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[spark_type]
    raise ValueError(f"no Postgres type for the Spark type {spark_type!r}")


@dataclass(frozen=True)
class SparkColumn:
    name: str
    spark_type: str

    @property
    def postgres_type(self) -> str:
        return postgres_type(self.spark_type)

    def value(self, raw):
        """A value as the Thrift server returns it, made ready for Postgres: complex types are
        selected as JSON text (`to_json`)."""
        if raw is None:
            return None
        kind = self.spark_type.lower()
        if kind.startswith("array<"):
            return json.loads(raw) if isinstance(raw, str) else list(raw)
        if kind.startswith(("map<", "struct<")):
            return raw if isinstance(raw, str) else json.dumps(raw)
        return raw


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    rows: int
    columns: int


def spark_tables(cursor, schema: str) -> list[str]:
    execute(cursor, f"create database if not exists {schema}")
    rows = execute(cursor, f"show tables in {schema}")
    # (database, tableName, isTemporary): temporary views are per-session, never published.
    return sorted(row[1] for row in rows if not row[2])


def spark_columns(cursor, schema: str, table: str) -> list[SparkColumn]:
    columns = []
    for name, data_type, *_ in execute(cursor, f"describe {schema}.{table}"):
        if not name or name.startswith("#"):
            break  # "# Partition Information" repeats the partition columns
        columns.append(SparkColumn(name, data_type))
    return columns


def _copy_table(cursor, pg: psycopg.Connection, schema: str, table: str, target: str) -> PublishedTable:
    columns = spark_columns(cursor, schema, table)
    pg.execute(
        sql.SQL("create table {}.{} ({})").format(
            sql.Identifier(schema),
            sql.Identifier(target),
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.postgres_type)) for c in columns
            ),
        )
    )
    # Complex values come over Thrift as Spark's display text, which does not escape quotes inside
    # strings: ask Spark for JSON instead.
    names = ", ".join(
        f"to_json(`{c.name}`)" if c.spark_type.lower().startswith(("array<", "map<", "struct<")) else f"`{c.name}`"
        for c in columns
    )
    cursor.execute(f"select {names} from {schema}.{table}")
    copied = 0
    copy_sql = sql.SQL("copy {}.{} ({}) from stdin").format(
        sql.Identifier(schema), sql.Identifier(target), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    )
    with pg.cursor().copy(copy_sql) as copy:
        while batch := cursor.fetchmany(FETCH_BATCH_ROWS):
            for row in batch:
                copy.write_row([column.value(value) for column, value in zip(columns, row, strict=True)])
            copied += len(batch)
    return PublishedTable(schema, table, copied, len(columns))


def publish_marts(
    settings: Settings | None = None,
    *,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    progress: Callable[[PublishedTable], None] | None = None,
) -> list[PublishedTable]:
    """Copy every table of the Spark `marts` database into Postgres, all swapped in at once."""
    settings = settings or get_settings()
    started = time.monotonic()
    published: list[PublishedTable] = []
    with spark_sql(settings) as cursor, connect(settings) as pg:
        pg.execute("set local time zone 'UTC'")
        for schema in schemas:
            pg.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            for table in spark_tables(cursor, schema):
                staging = f"{table}__publishing"
                pg.execute(sql.SQL("drop table if exists {}.{}").format(sql.Identifier(schema), sql.Identifier(staging)))
                done = _copy_table(cursor, pg, schema, table, staging)
                # cascade: a view a person made on a mart is dropped with the old table rather than
                # blocking the publish (documented in docs/scaling.md).
                pg.execute(sql.SQL("drop table if exists {}.{} cascade").format(sql.Identifier(schema), sql.Identifier(table)))
                pg.execute(sql.SQL("alter table {}.{} rename to {}").format(
                    sql.Identifier(schema), sql.Identifier(staging), sql.Identifier(table)))
                published.append(done)
                if progress is not None:
                    progress(done)
        pg.commit()
    log.info("published %d Spark tables (%d rows) into Postgres in %.1f s",
             len(published), sum(t.rows for t in published), time.monotonic() - started)
    return published
