"""The Dagster wiring: the suite runs as asset checks on the `llm_calls` partition, with blocking
ERROR checks and WARN checks; results land in raw.data_quality_results; the data_quality alert
rule raises each failing check once per day; `provider_bills` loads the bills folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import psycopg
import pytest
from quality_helpers import call, insert_calls

from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations
from orchestration.defs.langfuse.assets import llm_calls
from orchestration.defs.langfuse.partitions import monthly_partitions
from orchestration.defs.quality import llm_calls_freshness, llm_calls_window_quality, provider_bills
from orchestration.lib.settings_resource import SettingsResource

OCTOBER = datetime(2026, 10, 1, tzinfo=UTC)


@dg.asset(deps=[llm_calls], partitions_def=monthly_partitions)
def reads_llm_calls() -> None:
    """Stands for everything downstream of the raw table (the marts)."""


def _ingest_and_check(server) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [llm_calls, reads_llm_calls, llm_calls_window_quality, llm_calls_freshness],
        partition_key="2026-10-01",
        resources={"llmcosts": SettingsResource()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def test_check_specs_blocking_and_partitioned():
    specs = {spec.name: spec for spec in llm_calls_window_quality.check_specs}
    assert {name for name, spec in specs.items() if spec.blocking} == {
        "no_duplicate_observation_id", "ts_inside_partition", "non_negative_tokens_and_cost", "cost_source_accepted"}
    assert all(spec.asset_key == dg.AssetKey("llm_calls") for spec in specs.values())
    assert [spec.name for spec in llm_calls_freshness.check_specs] == ["freshness"]


def test_checks_run_with_the_ingestion_block_on_wrong_data_and_are_recorded(migrated_warehouse, monkeypatch):
    end = datetime(2026, 11, 3, tzinfo=UTC)
    observations = generate_observations(end, days=5, calls_per_day=60, seed=3, project_id="p")
    with LocalLangfuseServer(observations, public_key="pk", secret_key="sk", project_id="p") as server:
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk")
        monkeypatch.setenv("LANGFUSE_BASE_URL", server.base_url)
        clean = _ingest_and_check(server)
        evaluations = {e.check_name: e for e in clean.get_asset_check_evaluations()}
        assert set(evaluations) == {spec.name for spec in llm_calls_window_quality.check_specs} | {"freshness"}
        errors = {n: e.passed for n, e in evaluations.items() if e.severity == dg.AssetCheckSeverity.ERROR}
        assert errors and all(errors.values())
        assert clean.success and clean.asset_materializations_for_node("reads_llm_calls")
        with psycopg.connect(migrated_warehouse) as conn:
            coverage = conn.execute(
                "select avg((user_id is not null and nullif(trim(feature), '') is not null "
                "and prompt_id is not null)::int) from raw.llm_calls").fetchone()[0]
        assert evaluations["tag_coverage"].metadata["observed_value"].value == pytest.approx(float(coverage))
        # the synthetic workload is from November 2026; "now" is later: its ingestion is stale
        assert not evaluations["freshness"].passed

        # Langfuse re-reported an observation's startTime: the same call at a second ts.
        with psycopg.connect(migrated_warehouse) as conn:
            observation_id, ts = conn.execute("select observation_id, ts from raw.llm_calls limit 1").fetchone()
        insert_calls(migrated_warehouse, [call(observation_id, ts + timedelta(seconds=1))])
        dirty = _ingest_and_check(server)

    failed = {e.check_name: e for e in dirty.get_asset_check_evaluations() if not e.passed}
    assert failed["no_duplicate_observation_id"].severity == dg.AssetCheckSeverity.ERROR
    assert failed["no_duplicate_observation_id"].metadata["unexpected_count"].value == 2
    # blocking: nothing downstream ran on wrong data
    assert not dirty.asset_materializations_for_node("reads_llm_calls")
    with psycopg.connect(migrated_warehouse) as conn:
        recorded = conn.execute(
            "select count(*) filter (where passed), count(*) filter (where not passed) from raw.data_quality_results "
            "where check_name = 'no_duplicate_observation_id' and partition_key = '2026-10-01'"
        ).fetchone()
    assert recorded == (1, 1)


def test_failed_checks_raise_a_data_quality_alert_once_per_day(migrated_warehouse):
    from alerts.config import AlertSettings
    from alerts.engine import RuleContext
    from alerts.rules_quality import DATA_QUALITY

    today = datetime.now(UTC).date()
    with psycopg.connect(migrated_warehouse) as conn:
        conn.execute(
            "insert into raw.data_quality_results (check_name, asset_key, partition_key, severity, passed, "
            "observed_value, threshold, checked_at) values "
            "('tag_coverage', 'llm_calls', '2026-01-01', 'WARN', false, 0.8, 0.95, now() - interval '2 hours'), "
            "('tag_coverage', 'llm_calls', '2026-01-01', 'WARN', false, 0.8, 0.95, now() - interval '1 hour'), "
            "('freshness', 'llm_calls', null, 'WARN', false, 30, 6, now() - interval '2 hours'), "
            "('freshness', 'llm_calls', null, 'WARN', true, 1, 6, now() - interval '1 hour')"
        )
        conn.commit()
        fired = DATA_QUALITY.evaluate(RuleContext(conn, today, AlertSettings()))
        # yesterday's failures still count today; results older than that do not
        conn.execute("update raw.data_quality_results set checked_at = checked_at - interval '3 days'")
        stale = DATA_QUALITY.evaluate(RuleContext(conn, today, AlertSettings()))
    # one alert per failing check (two failed results of the same check are one alert, and the
    # ledger key (rule, subject, as_of) makes it once per day); a check whose latest result
    # passed is quiet
    assert [(a.subject, a.as_of) for a in fired] == [("tag_coverage [2026-01-01]", today)]
    # a share reads as a percentage, the month as a month, and the line says what it means
    assert "`tag_coverage` failed for 2026-01: 80% (threshold 95%)" in fired[0].message
    assert "a warning" in fired[0].message
    assert stale == []


def test_a_check_failing_in_several_months_is_one_line_and_every_window_stays_logged(migrated_warehouse):
    from alerts.config import AlertSettings
    from alerts.payload import group_alerts, render_text
    from alerts.run import evaluate_rules

    today = datetime.now(UTC).date()
    with psycopg.connect(migrated_warehouse) as conn:
        conn.execute(
            "insert into raw.data_quality_results (check_name, asset_key, partition_key, severity, passed, "
            "observed_value, threshold, checked_at) values "
            "('tag_coverage', 'llm_calls', '2026-10-01', 'WARN', false, 0.851358, 0.95, now() - interval '1 hour'), "
            "('tag_coverage', 'llm_calls', '2026-11-01', 'WARN', false, 0.857817, 0.95, now() - interval '1 hour'), "
            "('tag_coverage', 'llm_calls', '2026-12-01', 'WARN', false, 0.851465, 0.95, now() - interval '1 hour'), "
            "('unpriced_share', 'llm_calls', '2026-12-01', 'WARN', false, 0.2, 0.05, now() - interval '1 hour')"
        )
        conn.commit()
        fired, errors = evaluate_rules(conn, today, AlertSettings())
    # (no marts are built here, so the cost rules report missing tables; the quality rule must not)
    assert not [e for e in errors if "data_quality" in e or "consolidat" in e]
    quality = fired["data_quality"]
    shown = [a for a in quality if a.covered_by is None]
    covered = [a for a in quality if a.covered_by is not None]
    assert [a.subject for a in shown] == ["tag_coverage|summary", "unpriced_share [2026-12-01]"]
    assert "failed in 3 windows (2026-10, 2026-11, 2026-12): 85% to 86% (threshold 95%)" in shown[0].message
    # the three windows are still fired (so logged), each pointing at the line that tells of it
    assert sorted(a.subject for a in covered) == [f"tag_coverage [2026-{m}-01]" for m in ("10", "11", "12")]
    assert {a.covered_by for a in covered} == {"data_quality/tag_coverage|summary"}
    text = render_text(today, group_alerts([a for rows in fired.values() for a in rows], 10))
    assert text.count("tag_coverage") == 1


def test_provider_bills_asset_loads_the_folder_once(migrated_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMCOSTS_BILLS_DIR", str(tmp_path))
    (tmp_path / "bill.csv").write_text("date,provider,model,cost_usd\n2026-03-01,openai,gpt-4o,2.5\nbad\n")
    (tmp_path / "copy.csv").write_text("date,provider,model,cost_usd\n2026-03-01,openai,gpt-4o,2.5\nbad\n")
    (tmp_path / "costs.json").write_text(json.dumps({"data": [{"start_time": 1772323200, "results": [
        {"amount": {"value": 1.5, "currency": "usd"}, "line_item": "gpt-4o, input", "project_id": None}]}]}))

    def materialize():
        result = dg.materialize([provider_bills], resources={"llmcosts": SettingsResource()},
                                instance=dg.DagsterInstance.ephemeral())
        return {k: v.value for k, v in result.asset_materializations_for_node("provider_bills")[0].metadata.items()}

    first = materialize()
    assert (first["files_loaded"], first["files_already_loaded"], first["lines_loaded"], first["lines_rejected"]) == (
        2, 1, 2, 1)
    second = materialize()
    assert (second["files_loaded"], second["files_already_loaded"]) == (0, 3)
    with psycopg.connect(migrated_warehouse) as conn:
        assert conn.execute("select count(*), sum(cost_usd) from raw.provider_bills").fetchone() == (2, 4)
