"""The control-table mirror: Postgres tables copied into the lake as Parquet and registered in
Spark, with the Postgres types; a second mirror replaces the first, and its old files are gone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest

from tests.dbt.dbt_synthetic_calls import generate_app_users, generate_calls, insert_app_users, insert_calls

AS_OF = date(2026, 3, 15)


@pytest.fixture
def mirrored_warehouse(spark_warehouse, migrated_warehouse, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", migrated_warehouse)
    insert_calls(migrated_warehouse, generate_calls(AS_OF, days=5, per_day=10))
    insert_app_users(migrated_warehouse, generate_app_users(AS_OF))
    return migrated_warehouse


def _spark_rows(sql: str) -> list[tuple]:
    from llmcosts_core.spark import execute, spark_sql

    with spark_sql() as cursor:
        return execute(cursor, sql)


def _pg_count(url: str, table: str) -> int:
    from tests.warehouse_helpers import query

    return query(url, f"select count(*) as n from {table}")[0]["n"]


def test_control_tables_arrive_with_their_rows_and_types(mirrored_warehouse):
    from ingestion.lake.mirror import CONTROL_TABLES, mirror_control_tables

    copied = mirror_control_tables()

    assert set(copied) == set(CONTROL_TABLES)
    assert copied["raw.app_users"] > 0
    for table in CONTROL_TABLES:
        assert copied[table] == _pg_count(mirrored_warehouse, table)
        assert _spark_rows(f"select count(*) from {table}")[0][0] == copied[table]
    types = {name: kind for name, kind, *_ in _spark_rows("describe table raw.app_users")}
    assert types["user_id"] == "string"
    assert types["signup_at"] == "timestamp"


def test_llm_calls_follow_the_contract_layout(mirrored_warehouse):
    from ingestion.lake.mirror import mirror_llm_calls

    rows = mirror_llm_calls()

    assert rows == _pg_count(mirrored_warehouse, "raw.llm_calls")
    types = {name: kind for name, kind, *_ in _spark_rows("describe table raw.llm_calls") if name and not name.startswith("#")}
    assert types["ts"] == "timestamp"
    assert types["cost_usd"] == "decimal(20,10)"
    assert types["tags"] == "array<string>"
    assert types["metadata"] == "string"
    assert types["ts_month"] == "date"
    assert _spark_rows("select count(*) from raw.llm_calls where ts_month <> trunc(ts, 'MM')")[0][0] == 0
    assert _spark_rows("select count(*) from raw.llm_calls")[0][0] == rows


def test_a_second_mirror_replaces_the_first_and_deletes_its_files(mirrored_warehouse):
    from ingestion.lake.mirror import mirror_control_tables
    from llmcosts_core.settings import get_settings

    first = mirror_control_tables()["raw.app_users"]
    with psycopg.connect(mirrored_warehouse) as conn:
        conn.execute("delete from raw.app_users where user_id in (select user_id from raw.app_users limit 1)")
    second = mirror_control_tables()["raw.app_users"]

    assert second == first - 1
    assert _spark_rows("select count(*) from raw.app_users")[0][0] == second
    versions = list((Path(get_settings().spark.lake_root) / "control" / "raw" / "app_users").iterdir())
    assert len(versions) == 1
