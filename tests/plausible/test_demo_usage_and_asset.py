"""The demo's usage generator (deterministic, matching the workload, one costly rarely used
feature) served by the local Plausible, loaded by the `feature_usage` Dagster asset."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import psycopg

from ingestion.local_langfuse.workload import ALL_FEATURES, NEW_FEATURE
from ingestion.plausible.demo_usage import (
    KILL_CANDIDATE,
    demo_plausible_env,
    demo_plausible_server,
    generate_feature_usage,
    write_feature_usage_csv,
)
from ingestion.plausible.loader import read_usage_csv

END = datetime(2026, 3, 15, 10, tzinfo=UTC)


def test_generated_usage_is_deterministic_and_plants_the_kill_candidate(tmp_path):
    rows = generate_feature_usage(END, days=30, calls_per_day=600, seed=3)
    assert rows == generate_feature_usage(END, days=30, calls_per_day=600, seed=3)
    assert rows != generate_feature_usage(END, days=30, calls_per_day=600, seed=4)
    assert {r.feature for r in rows} == {spec.name for spec in ALL_FEATURES}
    days = {r.day for r in rows}
    assert min(days) == (END - timedelta(days=30)).date() and max(days) == END.date()
    assert min(r.day for r in rows if r.feature == NEW_FEATURE) >= (END - timedelta(days=7)).date()
    totals = Counter()
    for row in rows:
        assert 0 < row.visitors <= row.events
        totals[row.feature] += row.events
    ranked = [feature for feature, _ in sorted(totals.items(), key=lambda kv: kv[1])]
    assert ranked[0] == KILL_CANDIDATE and totals[KILL_CANDIDATE] < 30
    # The CSV route carries the same rows.
    assert read_usage_csv(write_feature_usage_csv(tmp_path / "usage.csv", rows)) == rows


def test_feature_usage_asset_loads_the_demo_server(migrated_warehouse, monkeypatch):
    from orchestration.defs.plausible import defs, feature_usage

    dg.Definitions.validate_loadable(defs)
    rows = generate_feature_usage(END, days=14, calls_per_day=300, seed=7)
    monkeypatch.delenv("LLMCOSTS_FEATURE_USAGE_CSV", raising=False)
    monkeypatch.delenv("LLMCOSTS_PLAUSIBLE_EVENT_MAP", raising=False)  # the shipped map
    with demo_plausible_server(rows) as server:
        for key, value in demo_plausible_env(server).items():
            monkeypatch.setenv(key, value)
        result = dg.materialize(
            [feature_usage],
            run_config={"ops": {"feature_usage": {"config": {"since": "2026-03-01", "until": "2026-03-16"}}}},
            instance=dg.DagsterInstance.ephemeral(),
        )
    assert result.success
    metadata = {k: v.value for k, v in result.asset_materializations_for_node("feature_usage")[0].metadata.items()}
    expected = [r for r in rows if date(2026, 3, 1) <= r.day < date(2026, 3, 16)]
    assert metadata["source"] == "plausible" and metadata["rows_loaded"] == len(expected)
    assert metadata["events"] == sum(r.events for r in expected)
    assert all("plausible-demo-key" not in str(value) for value in metadata.values())
    with psycopg.connect(migrated_warehouse) as conn:
        stored = conn.execute("select day, feature, events, visitors from raw.feature_usage").fetchall()
    assert sorted(stored) == sorted((r.day, r.feature, r.events, r.visitors) for r in expected)


def test_feature_usage_asset_without_a_source_loads_nothing(migrated_warehouse, monkeypatch):
    from orchestration.defs.plausible import feature_usage

    for key in ("PLAUSIBLE_API_KEY", "PLAUSIBLE_SITE_ID", "LLMCOSTS_FEATURE_USAGE_CSV"):
        monkeypatch.delenv(key, raising=False)
    result = dg.materialize([feature_usage], instance=dg.DagsterInstance.ephemeral())
    metadata = result.asset_materializations_for_node("feature_usage")[0].metadata
    assert metadata["source"].value == "none" and metadata["rows_loaded"].value == 0


def test_cli_usage_load_runs_the_asset(migrated_warehouse, monkeypatch, tmp_path, capsys):
    import argparse

    from orchestration.cli_plausible import register

    for key in ("PLAUSIBLE_API_KEY", "PLAUSIBLE_SITE_ID"):
        monkeypatch.delenv(key, raising=False)
    rows = generate_feature_usage(END, days=3, calls_per_day=200, seed=1)
    monkeypatch.setenv("LLMCOSTS_FEATURE_USAGE_CSV", str(write_feature_usage_csv(tmp_path / "u.csv", rows)))
    parser = argparse.ArgumentParser(prog="llmcosts")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["usage", "load"])
    assert args.func(args) == 0
    assert f"rows_loaded: {len(rows)}" in capsys.readouterr().out
    with psycopg.connect(migrated_warehouse) as conn:
        (count,) = conn.execute("select count(*) from raw.feature_usage where source = 'csv'").fetchone()
    assert count == len(rows)
