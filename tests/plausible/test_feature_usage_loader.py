"""Loads into raw.feature_usage: idempotent per day (a re-load replaces, never doubles), the
incremental window, the CSV source, and the configuration rules."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from ingestion.plausible.client import PlausibleAuthError
from ingestion.plausible.config import CsvUsageConfig, usage_source_from_env
from ingestion.plausible.loader import FeatureUsageCsvError, load_feature_usage
from llmcosts_core.settings import ConfigError

from .conftest import D1, D2, D3, D4, RECORDS


def usage(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {(day, feature): (events, visitors, source) for day, feature, events, visitors, source in
                conn.execute("select day, feature, events, visitors, source from raw.feature_usage")}


def test_a_plausible_load_maps_events_and_a_reload_of_a_day_replaces_it(migrated_warehouse, plausible_env):
    server = plausible_env
    with psycopg.connect(migrated_warehouse) as conn:
        result = load_feature_usage(conn, since=D1, until=D4)
    first = usage(migrated_warehouse)
    assert first == {
        (D1, "support-chat"): (50, 21, "plausible"),  # two goals count for one feature
        (D1, "legacy-classifier"): (1, 1, "plausible"),
        (D2, "support-chat"): (30, 10, "plausible"),
        (D2, "doc-qa"): (7, 3, "plausible"),
        (D3, "doc-qa"): (9, 4, "plausible"),
    }
    assert (result.rows_loaded, result.events, result.start, result.end) == (5, 97, D1, D4)
    assert result.unmapped_events == {}  # the map's goals are sent as a filter: Signup is not asked for

    # The same day again: identical, not doubled.
    with psycopg.connect(migrated_warehouse) as conn:
        load_feature_usage(conn, since=D2, until=D3)
        load_feature_usage(conn, since=D2, until=D3)
    assert usage(migrated_warehouse) == first

    # Plausible's numbers for day 2 change (late events, a goal removed): day 2 is replaced, the
    # other days are untouched.
    changed = [r for r in RECORDS if not (r["day"] == "2026-03-02" and r["goal"] == "Doc Question Asked")]
    changed = [{**r, "events": 35} if r["day"] == "2026-03-02" else r for r in changed]
    server.set_records(changed)
    with psycopg.connect(migrated_warehouse) as conn:
        load_feature_usage(conn, since=D2, until=D3)
    after = usage(migrated_warehouse)
    assert after[(D2, "support-chat")] == (35, 10, "plausible")
    assert (D2, "doc-qa") not in after
    assert {k: v for k, v in after.items() if k[0] != D2} == {k: v for k, v in first.items() if k[0] != D2}


def test_a_failed_pull_leaves_the_table_untouched(migrated_warehouse, plausible_env, monkeypatch):
    with psycopg.connect(migrated_warehouse) as conn:
        load_feature_usage(conn, since=D1, until=D4)
    before = usage(migrated_warehouse)
    monkeypatch.setenv("PLAUSIBLE_API_KEY", "revoked-key")
    with pytest.raises(PlausibleAuthError), psycopg.connect(migrated_warehouse) as conn:
        load_feature_usage(conn, since=D1, until=D4)
    assert usage(migrated_warehouse) == before


def test_the_incremental_window_backfills_then_repulls_the_lookback(migrated_warehouse, plausible_env, monkeypatch):
    monkeypatch.setenv("LLMCOSTS_PLAUSIBLE_BACKFILL_DAYS", "10")
    monkeypatch.setenv("LLMCOSTS_PLAUSIBLE_LOOKBACK_DAYS", "2")
    with psycopg.connect(migrated_warehouse) as conn:
        first = load_feature_usage(conn, today=D4)
        second = load_feature_usage(conn, today=date(2026, 3, 6))
    assert (first.start, first.end) == (date(2026, 2, 22), date(2026, 3, 5))  # today's partial day included
    # newest loaded day is 03-04 (100 doc-qa events); minus 2 days of lookback
    assert (second.start, second.end) == (date(2026, 3, 2), date(2026, 3, 7))
    assert plausible_env.requests[-1]["body"]["date_range"] == ["2026-03-02", "2026-03-06"]
    assert usage(migrated_warehouse)[(D4, "doc-qa")] == (100, 50, "plausible")


def test_csv_source_loads_and_reloads_idempotently(migrated_warehouse, tmp_path, monkeypatch):
    for key in ("PLAUSIBLE_API_KEY", "PLAUSIBLE_SITE_ID"):
        monkeypatch.delenv(key, raising=False)
    path = tmp_path / "usage.csv"
    path.write_text("day,feature,events,visitors\n2026-03-01,search,12,4\n2026-03-02,search,8,\n2026-03-02,chat,3,2\n")
    monkeypatch.setenv("LLMCOSTS_FEATURE_USAGE_CSV", str(path))
    assert usage_source_from_env() == CsvUsageConfig(path)
    with psycopg.connect(migrated_warehouse) as conn:
        result = load_feature_usage(conn)
        load_feature_usage(conn)
    assert (result.source, result.rows_loaded, result.start, result.end) == ("csv", 3, D1, D3)
    assert usage(migrated_warehouse) == {
        (D1, "search"): (12, 4, "csv"), (D2, "search"): (8, 0, "csv"), (D2, "chat"): (3, 2, "csv")}

    path.write_text("day,feature,events,visitors\n2026-03-01,search,-1,4\n2026-03-40,chat,1,1\n"
                    "2026-03-02,chat,x,1\n2026-03-02,,1,1\n2026-03-03,a,1,1\n2026-03-03,a,2,1\n")
    with pytest.raises(FeatureUsageCsvError) as raised, psycopg.connect(migrated_warehouse) as conn:
        load_feature_usage(conn)
    assert [number for number, _ in raised.value.rejects] == [1, 2, 3, 4, 6]
    assert usage(migrated_warehouse)[(D1, "search")] == (12, 4, "csv")  # nothing half-loaded


def test_configuration_rules(monkeypatch, warehouse_url):
    for key in ("PLAUSIBLE_API_KEY", "PLAUSIBLE_SITE_ID", "PLAUSIBLE_URL", "LLMCOSTS_FEATURE_USAGE_CSV"):
        monkeypatch.delenv(key, raising=False)
    assert usage_source_from_env() is None
    with psycopg.connect(warehouse_url) as conn:
        assert load_feature_usage(conn).source == "none"
    monkeypatch.setenv("PLAUSIBLE_API_KEY", "secret-key-5ab1")
    with pytest.raises(ConfigError, match="PLAUSIBLE_SITE_ID"):
        usage_source_from_env()
    monkeypatch.setenv("PLAUSIBLE_SITE_ID", "s")
    monkeypatch.setenv("PLAUSIBLE_URL", "plausible.internal")
    with pytest.raises(ConfigError, match="PLAUSIBLE_URL"):
        usage_source_from_env()
    monkeypatch.delenv("PLAUSIBLE_URL")
    config = usage_source_from_env()
    assert config.base_url == "https://plausible.io" and "secret-key-5ab1" not in repr(config)
    monkeypatch.setenv("LLMCOSTS_FEATURE_USAGE_CSV", "/tmp/usage.csv")
    with pytest.raises(ConfigError, match="not both"):
        usage_source_from_env()
