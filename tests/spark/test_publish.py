"""Publishing Spark's marts into the serving Postgres: values arrive exactly (decimals, UTC
instants, arrays with quotes and commas, nulls), and a publish that fails half-way leaves the
previous build being served, whole."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg
import pytest

from llmcosts_core.spark import execute, spark_sql
from llmcosts_core.spark import publish as publish_module
from llmcosts_core.spark.publish import publish_marts

pytestmark = pytest.mark.slow


def _spark(statements: list[str]) -> None:
    with spark_sql() as cursor:
        for statement in statements:
            execute(cursor, statement)


def test_publish_copies_values_exactly(spark_warehouse, warehouse_url):
    _spark([
        "create database if not exists marts",
        "create table marts.tricky using parquet as select * from values "
        "(cast(12.3456789012 as decimal(38,10)), date'2026-11-30', timestamp'2026-11-30 23:59:59.123456', "
        "array('a,b', 'say \"hi\"', 'it''s'), 'x', 3L, true),"
        "(null, null, null, null, null, null, null) "
        "as t(cost_usd, day, at, tags, label, calls, flag)",
    ])
    published = publish_marts()
    assert [(t.schema, t.name, t.rows, t.columns) for t in published] == [("marts", "tricky", 2, 7)]
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute("select * from marts.tricky order by calls nulls last").fetchall()
        types = dict(conn.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'tricky'"
        ).fetchall())
    assert rows[0] == (Decimal("12.3456789012"), date(2026, 11, 30),
                       datetime(2026, 11, 30, 23, 59, 59, 123456, tzinfo=UTC),
                       ["a,b", 'say "hi"', "it's"], "x", 3, True)
    assert rows[1] == (None,) * 7
    assert types["at"] == "timestamp with time zone" and types["tags"] == "ARRAY"


def test_a_failed_publish_leaves_the_previous_build_served(spark_warehouse, warehouse_url, monkeypatch):
    _spark([
        "create database if not exists marts",
        "create table marts.a_first using parquet as select 1 as build",
        "create table marts.b_second using parquet as select 1 as build",
    ])
    publish_marts()
    _spark([
        "insert overwrite table marts.a_first select 2",
        "insert overwrite table marts.b_second select 2",
    ])
    copy = publish_module._copy_table

    def fail_on_second(cursor, pg, schema, table, target):
        if table == "b_second":
            raise RuntimeError("the Thrift server went away")
        return copy(cursor, pg, schema, table, target)

    monkeypatch.setattr(publish_module, "_copy_table", fail_on_second)
    with pytest.raises(RuntimeError, match="went away"):
        publish_marts()
    with psycopg.connect(warehouse_url) as conn:
        served = conn.execute("select (select build from marts.a_first), (select build from marts.b_second)").fetchone()
        leftovers = conn.execute(
            "select count(*) from information_schema.tables where table_name like '%%__publishing'").fetchone()[0]
    assert served == (1, 1)
    assert leftovers == 0
    monkeypatch.setattr(publish_module, "_copy_table", copy)
    publish_marts()
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select (select build from marts.a_first), (select build from marts.b_second)"
                            ).fetchone() == (2, 2)
