"""Fixtures for the alert tests: the fixture marts in a fresh warehouse, a local Slack stand-in,
a local SMTP sink, and an environment with every alert channel unset unless a test sets it."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from slack_server import SECRET_PATH, RecordingServer
from smtp_sink import SmtpSink

FIXTURES = Path(__file__).resolve().parent / "fixtures"

ALERT_ENV = (
    "SLACK_WEBHOOK_URL",
    "METABASE_URL",
    "LLMCOSTS_ALERT_WEBHOOK_URL",
    "LLMCOSTS_SMTP_HOST",
    "LLMCOSTS_SMTP_PORT",
    "LLMCOSTS_SMTP_FROM",
    "LLMCOSTS_SMTP_TO",
    "LLMCOSTS_SMTP_USER",
    "LLMCOSTS_SMTP_PASSWORD",
    "LLMCOSTS_SMTP_STARTTLS",
    "LLMCOSTS_SMTP_SSL",
    "LLMCOSTS_GITHUB_REPO",
    "LLMCOSTS_GITHUB_TOKEN",
    "LLMCOSTS_GITHUB_API_URL",
    "LLMCOSTS_ALERT_FLOOR_USD",
    "LLMCOSTS_ALERT_WOW_GROWTH_PCT",
    "LLMCOSTS_ALERT_OVERNIGHT_FACTOR",
    "LLMCOSTS_ALERT_SHARE_PCT",
    "LLMCOSTS_ALERT_EXPENSIVE_CALL_USD",
    "LLMCOSTS_ALERT_DIGEST",
    "LLMCOSTS_ALERT_DISABLED_RULES",
    "LLMCOSTS_ALERT_MAX_ROWS_PER_RULE",
    "LLMCOSTS_ALERT_DASHBOARD_PATH",
    "LLMCOSTS_ALERT_HTTP_TIMEOUT",
    "LLMCOSTS_ALERT_MAX_ATTEMPTS",
    "LLMCOSTS_ALERT_BACKOFF_S",
    "LLMCOSTS_ALERT_BACKOFF_MAX_S",
    "LLMCOSTS_ALERT_RETRY_AFTER_MAX_S",
)



@pytest.fixture(autouse=True)
def alert_env(monkeypatch):
    for name in ALERT_ENV:
        monkeypatch.delenv(name, raising=False)
    # Fast retries: the backoff schedule itself is not what these tests measure.
    monkeypatch.setenv("LLMCOSTS_ALERT_BACKOFF_S", "0.01")
    monkeypatch.setenv("LLMCOSTS_ALERT_HTTP_TIMEOUT", "5")
    return monkeypatch


@pytest.fixture
def marts_warehouse(migrated_warehouse) -> str:
    """A fresh warehouse holding the fixture marts and a few raw calls."""
    with psycopg.connect(migrated_warehouse) as conn:
        conn.execute((FIXTURES / "marts.sql").read_text())
        conn.execute((FIXTURES / "raw_llm_calls.sql").read_text())
    return migrated_warehouse


@pytest.fixture
def conn(marts_warehouse):
    with psycopg.connect(marts_warehouse, autocommit=True) as connection:
        yield connection


@pytest.fixture
def slack():
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture
def slack_url(slack, alert_env) -> str:
    url = slack.base_url + SECRET_PATH
    alert_env.setenv("SLACK_WEBHOOK_URL", url)
    return url


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()
