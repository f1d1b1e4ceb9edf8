"""The optional app users source: CSV and SQL loading into raw.app_users, and its Dagster asset."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import psycopg
import pytest

from ingestion.app_users import (
    AppUsersError,
    CsvSource,
    SqlSource,
    app_users_source_from_env,
    load_app_users,
)
from llmcosts_core.settings import ConfigError, Secret

GOOD_CSV = """user_id,signup_at,tier,last_active_at
u1,2026-01-05T10:00:00Z,pro,2026-03-14T08:00:00+00:00
u2,2026-02-01,,
u3,2026-02-10 12:30:00,free,2026-02-11
"""


def app_users(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {row[0]: row[1:] for row in conn.execute(
            "select user_id, signup_at, tier, last_active_at from raw.app_users order by user_id")}


def test_csv_load_is_an_idempotent_upsert(migrated_warehouse, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(GOOD_CSV)
    with psycopg.connect(migrated_warehouse) as conn:
        assert load_app_users(conn, CsvSource(path)).rows_loaded == 3
        first = app_users(migrated_warehouse)
        assert load_app_users(conn, CsvSource(path)).rows_loaded == 3
    assert app_users(migrated_warehouse) == first
    assert first["u1"] == (datetime(2026, 1, 5, 10, tzinfo=UTC), "pro", datetime(2026, 3, 14, 8, tzinfo=UTC))
    assert first["u2"] == (datetime(2026, 2, 1, tzinfo=UTC), None, None)  # a bare date is UTC midnight

    path.write_text("user_id,signup_at,tier,last_active_at\nu2,2026-02-01,enterprise,2026-03-01\n")
    with psycopg.connect(migrated_warehouse) as conn:
        load_app_users(conn, CsvSource(path))
    updated = app_users(migrated_warehouse)
    assert updated["u2"][1] == "enterprise" and len(updated) == 3


def test_bad_rows_are_all_listed_and_nothing_is_loaded(migrated_warehouse, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(
        "user_id,signup_at,tier,last_active_at\n"
        "ok,2026-01-01,pro,\n"
        ",2026-01-01,pro,\n"
        "no_signup,,free,\n"
        "bad_date,yesterday,free,\n"
        "ok,2026-01-02,pro,\n"
    )
    with psycopg.connect(migrated_warehouse) as conn, pytest.raises(AppUsersError) as error:
        load_app_users(conn, CsvSource(path))
    message = str(error.value)
    assert "4 bad row(s)" in message
    assert "row 2: user_id is missing" in message
    assert "row 3: signup_at is missing" in message
    assert "row 4: signup_at 'yesterday'" in message
    assert "row 5: user_id 'ok' repeats row 1" in message
    assert app_users(migrated_warehouse) == {}

    path.write_text("id,signup\n1,2026-01-01\n")
    with psycopg.connect(migrated_warehouse) as conn, pytest.raises(AppUsersError, match="missing column"):
        load_app_users(conn, CsvSource(path))


def test_sql_source_reads_the_app_database(migrated_warehouse, pg_admin_url):
    # The "app database" is the test database itself: a table of the app's own shape.
    with psycopg.connect(migrated_warehouse) as conn:
        conn.execute("create table public.accounts (id text, created timestamptz, plan text, seen timestamptz)")
        conn.execute("insert into public.accounts values ('a1', '2026-01-01 00:00+00', 'pro', '2026-03-01 00:00+00'),"
                     " ('a2', '2026-01-02 00:00+00', null, null)")
        conn.commit()
        source = SqlSource(
            query="select id as user_id, created as signup_at, plan as tier, seen as last_active_at from public.accounts",
            database_url=Secret(migrated_warehouse),
        )
        assert load_app_users(conn, source).rows_loaded == 2
    assert app_users(migrated_warehouse)["a1"][1] == "pro"


def test_source_from_env(monkeypatch, tmp_path):
    for name in ("LLMCOSTS_APP_USERS_CSV", "LLMCOSTS_APP_USERS_SQL", "LLMCOSTS_APP_USERS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert app_users_source_from_env() is None
    monkeypatch.setenv("LLMCOSTS_APP_USERS_CSV", str(tmp_path / "u.csv"))
    assert app_users_source_from_env() == CsvSource(tmp_path / "u.csv")
    monkeypatch.setenv("LLMCOSTS_APP_USERS_SQL", "select 1")
    with pytest.raises(ConfigError, match="not both"):
        app_users_source_from_env()
    monkeypatch.delenv("LLMCOSTS_APP_USERS_CSV")
    with pytest.raises(ConfigError, match="LLMCOSTS_APP_USERS_DATABASE_URL"):
        app_users_source_from_env()
    monkeypatch.setenv("LLMCOSTS_APP_USERS_DATABASE_URL", "postgresql://app:secret@db/app")
    source = app_users_source_from_env()
    assert isinstance(source, SqlSource) and "secret" not in repr(source) and "secret" not in source.describe()


def test_app_users_asset_loads_nothing_when_unconfigured_and_the_csv_when_configured(
    migrated_warehouse, tmp_path, monkeypatch
):
    from orchestration.defs.app_users import app_users as app_users_asset

    monkeypatch.delenv("LLMCOSTS_APP_USERS_CSV", raising=False)
    monkeypatch.delenv("LLMCOSTS_APP_USERS_SQL", raising=False)
    result = dg.materialize([app_users_asset])
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["configured"].value is False

    path = tmp_path / "users.csv"
    path.write_text(GOOD_CSV)
    monkeypatch.setenv("LLMCOSTS_APP_USERS_CSV", str(path))
    result = dg.materialize([app_users_asset])
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["rows_loaded"].value == 3
    assert set(app_users(migrated_warehouse)) == {"u1", "u2", "u3"}
