"""The Spark-vs-Postgres mart comparison (mart_compare.table_differences) on rows written here: it
passes what differs only within the tolerances and how each engine returns values, and fails on
every kind of real difference. No Spark needed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.spark.mart_compare import Column, Table, postgres_family, spark_family, table_differences

POSTGRES_COLUMNS = [
    Column("mart_key", postgres_family("text")),
    Column("day", postgres_family("date")),
    Column("calls", postgres_family("numeric")),  # sum(bigint) on Postgres
    Column("cost_usd", postgres_family("numeric")),
    Column("share", postgres_family("double precision")),
    Column("thresholds_crossed", postgres_family("ARRAY", "_numeric")),
    Column("tags", postgres_family("jsonb")),
    Column("last_at", postgres_family("timestamp with time zone")),
    Column("is_over", postgres_family("boolean")),
]
SPARK_COLUMNS = [
    Column("mart_key", spark_family("string")),
    Column("day", spark_family("date")),
    Column("calls", spark_family("bigint")),
    Column("cost_usd", spark_family("decimal(38,10)")),
    Column("share", spark_family("double")),
    Column("thresholds_crossed", spark_family("array<decimal(24,10)>")),
    Column("tags", spark_family("map<string,string>")),
    Column("last_at", spark_family("timestamp")),
    Column("is_over", spark_family("boolean")),
]


def _postgres_row(**changes):
    row = {"mart_key": "a", "day": date(2026, 3, 1), "calls": Decimal(3), "cost_usd": Decimal("1.2345678900"),
           "share": 0.25, "thresholds_crossed": [Decimal(50), Decimal(75)], "tags": {"tenant": "acme"},
           "last_at": datetime(2026, 3, 1, 12, tzinfo=UTC), "is_over": False}
    return row | changes


def _spark_row(**changes):
    # as the Thrift server returns them: dates as text, naive UTC instants, complex values as JSON
    row = {"mart_key": "a", "day": "2026-03-01", "calls": 3, "cost_usd": Decimal("1.234568"),
           "share": 0.2500000000001, "thresholds_crossed": "[50.0000000000,75.0000000000]",
           "tags": '{"tenant":"acme"}', "last_at": datetime(2026, 3, 1, 12), "is_over": False}
    return row | changes


def _differences(postgres_rows, spark_rows, spark_columns=SPARK_COLUMNS):
    return table_differences("m", Table(POSTGRES_COLUMNS, postgres_rows), Table(spark_columns, spark_rows),
                             key=("mart_key",))


def test_equal_within_tolerances_and_representations():
    assert _differences([_postgres_row(), _postgres_row(mart_key="b", tags=None)],
                        [_spark_row(mart_key="b", tags=None), _spark_row()]) == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"cost_usd": Decimal("1.2345700")}, "cost_usd"),  # 1.3e-6 off
    ({"calls": 4}, "calls"),
    ({"share": 0.2500021}, "share"),
    ({"day": "2026-03-02"}, "day"),
    ({"thresholds_crossed": "[50.0000000000]"}, "thresholds_crossed"),
    ({"thresholds_crossed": "[50.0000000000,90.0000000000]"}, "thresholds_crossed"),
    ({"tags": '{"tenant":"acme","feature":"chat"}'}, "tags"),
    ({"last_at": datetime(2026, 3, 1, 13)}, "last_at"),
    ({"is_over": True}, "is_over"),
    ({"cost_usd": None}, "cost_usd"),
])
def test_a_value_that_differs_fails(change, expected):
    [problem] = _differences([_postgres_row()], [_spark_row(**change)])
    assert f"] {expected}:" in problem


def test_missing_extra_and_duplicated_rows_fail():
    problems = _differences([_postgres_row(), _postgres_row(mart_key="b")], [_spark_row(), _spark_row()])
    assert any("[mart_key=a]: 1 rows on postgres, 2 on spark" in p for p in problems)
    assert any("[mart_key=b]: 1 rows on postgres, 0 on spark" in p for p in problems)
    assert _differences([_postgres_row()], [_spark_row(), _spark_row(mart_key="c")])[0] == \
        "m: 1 rows on postgres, 2 on spark"


def test_column_names_order_and_types_must_match():
    renamed = [Column("Mart_Key", "text"), *SPARK_COLUMNS[1:]]
    assert "columns differ" in _differences([_postgres_row()], [_spark_row()], renamed)[0]
    reordered = [SPARK_COLUMNS[1], SPARK_COLUMNS[0], *SPARK_COLUMNS[2:]]
    assert "columns differ" in _differences([_postgres_row()], [_spark_row()], reordered)[0]
    as_double = [*SPARK_COLUMNS[:3], Column("cost_usd", spark_family("double")), *SPARK_COLUMNS[4:]]
    assert _differences([_postgres_row()], [_spark_row()], as_double) == [
        "m.cost_usd: incompatible types, postgres decimal, spark float"]


def test_only_a_partition_column_may_move_to_the_end():
    day_last = [SPARK_COLUMNS[0], *SPARK_COLUMNS[2:], SPARK_COLUMNS[1]]
    partitioned = table_differences("m", Table(POSTGRES_COLUMNS, [_postgres_row()]),
                                    Table(day_last, [_spark_row()], partition_columns=("day",)), key=("mart_key",))
    assert partitioned == []
    not_partitioned = _differences([_postgres_row()], [_spark_row()], day_last)
    assert "columns differ" in not_partitioned[0]
