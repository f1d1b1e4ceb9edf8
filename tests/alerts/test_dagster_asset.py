"""The Dagster wiring: the asset materialized against the fixture marts and a local Slack."""

from datetime import UTC, date, datetime

import dagster as dg
import pytest
from slack_server import Reply

from orchestration.defs.alerts import ALERTS_CRON, AlertsConfig, defs, slack_alerts
from orchestration.defs.alerts.assets import resolve_as_of


def _run_config(**config):
    return dg.RunConfig(ops={"slack_alerts": AlertsConfig(**config)})


def _metadata(result):
    (materialization,) = result.asset_materializations_for_node("slack_alerts")
    return {key: value.value for key, value in materialization.metadata.items()}


def test_definitions_load_with_the_mart_dependencies():
    dg.Definitions.validate_loadable(defs)
    spec = slack_alerts.specs_by_key[dg.AssetKey(["slack_alerts"])]
    assert {dep.asset_key for dep in spec.deps} == {
        dg.AssetKey(["marts", "feature_wow"]),
        dg.AssetKey(["marts", "fct_llm_costs_daily"]),
        dg.AssetKey(["marts", "feature_share"]),
        dg.AssetKey(["marts", "spend_summary"]),
    }
    assert ALERTS_CRON == "0 8 * * *"


def test_materialize_posts_once_and_reports_metadata(marts_warehouse, slack, slack_url):
    result = dg.materialize([slack_alerts], run_config=_run_config(as_of="2026-03-10"))
    assert result.success
    assert len(slack.received) == 1
    metadata = _metadata(result)
    assert metadata["fired"]["wow_growth"] == ["chat", "search", "summarize"]
    assert metadata["delivered"] == 9 and metadata["pending"] == 0
    assert metadata["channels"] == ["slack"]
    assert "xoxSECRETwebhookTOKEN" not in repr(metadata)

    again = dg.materialize([slack_alerts], run_config=_run_config(as_of="2026-03-10"))
    assert _metadata(again)["delivered"] == 0 and len(slack.received) == 1


def test_dry_run_config_posts_nothing(marts_warehouse, slack, slack_url):
    result = dg.materialize([slack_alerts], run_config=_run_config(as_of="2026-03-10", dry_run=True))
    assert result.success and slack.received == []
    metadata = _metadata(result)
    assert metadata["dry_run"] is True and metadata["fired_count"] == 9
    assert "feature `chat` spend is up 231% week over week" in metadata["message"]


def test_a_failed_delivery_fails_the_run_without_the_secret(marts_warehouse, slack, slack_url):
    slack.default = Reply(500, "")
    result = dg.materialize(
        [slack_alerts], run_config=_run_config(as_of="2026-03-10"), raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    text = repr(failure.event_specific_data)
    assert "delivery failed after 3 attempt(s): HTTP 500" in text
    assert "xoxSECRETwebhookTOKEN" not in text and slack.base_url not in text


def test_as_of_defaults_to_today_in_utc():
    assert resolve_as_of(None, now=datetime(2026, 3, 10, 23, 30, tzinfo=UTC)) == date(2026, 3, 10)
    assert resolve_as_of("2026-01-02") == date(2026, 1, 2)
    with pytest.raises(dg.Failure):
        resolve_as_of("yesterday")
