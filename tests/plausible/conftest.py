"""Fixtures: a local Plausible-compatible server on 127.0.0.1 with a few days of custom events, and
the environment that points the loader at it (fast retries: tests must not sleep for long)."""

from __future__ import annotations

from datetime import date

import pytest

from ingestion.plausible.config import PlausibleConfig, usage_source_from_env
from ingestion.plausible.local_server import LocalPlausibleServer

API_KEY = "test-plausible-key-9f2c"
SITE_ID = "app.example.test"

# Custom events as Plausible holds them: (day, goal, events, visitors, props).
RECORDS = [
    {"day": "2026-03-01", "goal": "Support Chat Message", "events": 40, "visitors": 12, "props": {"feature": "support-chat"}},
    {"day": "2026-03-01", "goal": "Support Chat Opened", "events": 10, "visitors": 9, "props": {"feature": "support-chat"}},
    {"day": "2026-03-01", "goal": "Legacy Classification Viewed", "events": 1, "visitors": 1, "props": {"feature": "legacy-classifier"}},
    {"day": "2026-03-01", "goal": "Signup", "events": 5, "visitors": 5},
    {"day": "2026-03-02", "goal": "Support Chat Message", "events": 30, "visitors": 10, "props": {"feature": "support-chat"}},
    {"day": "2026-03-02", "goal": "Doc Question Asked", "events": 7, "visitors": 3, "props": {"feature": "doc-qa"}},
    {"day": "2026-03-03", "goal": "Doc Question Asked", "events": 9, "visitors": 4, "props": {"feature": "doc-qa"}},
    {"day": "2026-03-04", "goal": "Doc Question Asked", "events": 100, "visitors": 50, "props": {"feature": "doc-qa"}},
]

EVENT_MAP = """
dimension: event:goal
unmapped: ignore
events:
  "Support Chat Message": support-chat
  "Support Chat Opened": support-chat
  "Legacy Classification Viewed": legacy-classifier
  "Doc Question Asked": doc-qa
"""

D1, D2, D3, D4 = (date(2026, 3, d) for d in (1, 2, 3, 4))


@pytest.fixture
def plausible_server():
    with LocalPlausibleServer(RECORDS, api_key=API_KEY, site_id=SITE_ID) as server:
        yield server


@pytest.fixture
def event_map_file(tmp_path):
    path = tmp_path / "event_map.yml"
    path.write_text(EVENT_MAP)
    return path


@pytest.fixture
def plausible_env(plausible_server, event_map_file, monkeypatch):
    for key in ("LLMCOSTS_FEATURE_USAGE_CSV", "LLMCOSTS_PLAUSIBLE_PAGE_LIMIT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PLAUSIBLE_URL", plausible_server.base_url)
    monkeypatch.setenv("PLAUSIBLE_API_KEY", API_KEY)
    monkeypatch.setenv("PLAUSIBLE_SITE_ID", SITE_ID)
    monkeypatch.setenv("LLMCOSTS_PLAUSIBLE_EVENT_MAP", str(event_map_file))
    monkeypatch.setenv("LLMCOSTS_BACKOFF_BASE", "0.01")
    monkeypatch.setenv("LLMCOSTS_BACKOFF_MAX", "0.05")
    monkeypatch.setenv("LLMCOSTS_MAX_RETRIES", "3")
    monkeypatch.setenv("LLMCOSTS_HTTP_TIMEOUT", "2")
    return plausible_server


def config_from_env() -> PlausibleConfig:
    config = usage_source_from_env()
    assert isinstance(config, PlausibleConfig)
    return config
