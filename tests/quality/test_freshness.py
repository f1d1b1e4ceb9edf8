"""Freshness: the newest call of every Langfuse project within LLMCOSTS_FRESHNESS_LAG_HOURS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from quality_helpers import call, insert_calls

from ingestion.quality.freshness import check_freshness

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _check(url, **kwargs):
    with psycopg.connect(url) as conn:
        return check_freshness(conn, now=NOW, **kwargs)


def test_fresh_projects_pass(migrated_warehouse):
    insert_calls(migrated_warehouse, [
        call("a1", NOW - timedelta(hours=1), project_id="proj-a"),
        call("b1", NOW - timedelta(hours=5, minutes=59), project_id="proj-b"),
    ])
    outcome = _check(migrated_warehouse)
    assert outcome.passed and outcome.threshold == 6.0
    assert outcome.element_count == 2 and outcome.details["stale_projects"] == {}


def test_stale_ingestion_fails_and_names_the_project(migrated_warehouse, monkeypatch):
    insert_calls(migrated_warehouse, [
        call("a1", NOW - timedelta(hours=1), project_id="proj-a"),
        call("b0", NOW - timedelta(days=2), project_id="proj-b"),
        call("b1", NOW - timedelta(hours=7), project_id="proj-b"),
    ])
    outcome = _check(migrated_warehouse)
    assert not outcome.passed and outcome.severity == "WARN"
    assert outcome.details["stale_projects"] == {"proj-b": 7.0}
    assert outcome.observed_value == pytest.approx(7.0)
    monkeypatch.setenv("LLMCOSTS_FRESHNESS_LAG_HOURS", "8")
    assert _check(migrated_warehouse).passed


def test_no_recent_calls_at_all_fails(migrated_warehouse):
    insert_calls(migrated_warehouse, [call("old", NOW - timedelta(days=60))])
    outcome = _check(migrated_warehouse)
    assert not outcome.passed and "no calls" in outcome.details["reason"]
