"""The whole pipeline on real components: the Langfuse SDK over HTTP to the project's server,
ingestion into Postgres, the dbt build, then every dashboard card and every alert rule on the marts
it built. The alert and Metabase tests elsewhere use contract-shaped fixture marts; this is where
those contracts meet the real ones."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlparse, urlunparse

import dagster as dg
import psycopg
import pytest

from alerts.budgets.loader import load_budgets_into_warehouse
from ingestion.app_users import CsvSource, load_app_users
from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import (
    NEW_FEATURE,
    SPIKE_FEATURE,
    generate_observations,
    write_app_users_csv,
)
from ingestion.pipeline import ingest_month
from ingestion.quality.expectations import validate_window
from ingestion.quality.results import record
from llmcosts_core.settings import get_settings

pytestmark = pytest.mark.slow

AS_OF = date(2026, 11, 20)
END = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def pipeline(pg_admin_url, tmp_path_factory):
    """Build the warehouse once for the module; yield its URL."""
    from orchestration.defs.dbt.assets import dbt_run_config, llmcosts_dbt_models
    from orchestration.defs.dbt.resources import dbt_cli_resource

    name = "e2e_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlunparse(urlparse(pg_admin_url)._replace(path="/" + name))
    observations = generate_observations(END, days=35, calls_per_day=250, seed=5, project_id="e2e")
    with pytest.MonkeyPatch.context() as patch, LocalLangfuseServer(
        observations, public_key="pk-e2e", secret_key="sk-e2e", project_id="e2e"
    ) as server:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("LANGFUSE_PUBLIC_KEY", "pk-e2e")
        patch.setenv("LANGFUSE_SECRET_KEY", "sk-e2e")
        patch.setenv("LANGFUSE_BASE_URL", server.base_url)
        for month in (date(2026, 10, 1), date(2026, 11, 1)):
            ingest_month(get_settings(), month, mode="full", now=END)
        users_csv = write_app_users_csv(tmp_path_factory.mktemp("users") / "app_users.csv", seed=5, end=END)
        with psycopg.connect(url) as conn:
            load_app_users(conn, CsvSource(users_csv))
            load_budgets_into_warehouse(conn)  # the shipped alerts/budgets.yml
            # The data-quality suite on the November window, as the llm_calls asset checks run it.
            record(conn, validate_window(datetime(2026, 11, 1, tzinfo=UTC), END, now=END, url=url),
                   partition_key="2026-11-01")
            conn.commit()
        result = dg.materialize(
            [llmcosts_dbt_models],
            resources={"dbt": dbt_cli_resource()},
            run_config=dbt_run_config(AS_OF.isoformat(), full_refresh=True),
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
        yield {"url": url, "observations": observations}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def _columns(conn, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = %s "
        "order by ordinal_position", (table,))]


CONTRACT = {
    "fct_llm_costs_daily": ["day", "feature", "user_id", "prompt_id", "model", "environment", "calls",
                            "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd",
                            "unpriced_calls", "error_calls", "cache_hits"],
    "feature_costs": ["feature", "cost_7d", "calls_7d", "cost_30d", "calls_30d", "cost_per_call_30d",
                      "share_of_total_30d", "as_of"],
    "user_costs": ["user_id", "cost_7d", "calls_7d", "cost_30d", "calls_30d", "features_touched_30d", "as_of"],
    "prompt_costs": ["feature", "prompt_id", "cost_7d", "calls_7d", "cost_30d", "calls_30d", "avg_tokens_30d", "as_of"],
    "feature_wow": ["feature", "prev_cost", "current_cost", "pct_change", "as_of"],
}


def test_contract_marts_have_their_columns(pipeline):
    with psycopg.connect(pipeline["url"]) as conn:
        for table, columns in CONTRACT.items():
            missing = set(columns) - set(_columns(conn, table))
            assert not missing, f"marts.{table} lacks {missing}"


def test_feature_costs_match_raw_calls_and_the_source(pipeline):
    """30-day cost per feature, three ways: the mart, raw.llm_calls, the observations served."""
    start = END - timedelta(days=30)
    expected: dict[str, Decimal] = {}
    for o in pipeline["observations"]:
        if o["type"] not in ("GENERATION", "EMBEDDING") or not (start.isoformat() <= o["startTime"] < END.isoformat()):
            continue
        feature = (o.get("metadata") or {}).get("feature")
        if not feature:
            tags = [t for t in (o.get("tags") or []) if t.startswith("feature:")]
            feature = tags[0].split(":", 1)[1] if tags else "(untagged)"
        expected[feature] = expected.get(feature, Decimal(0)) + Decimal(str(o["totalCost"] or 0))
    with psycopg.connect(pipeline["url"]) as conn:
        mart = dict(conn.execute("select feature, cost_30d from marts.feature_costs").fetchall())
        raw = dict(conn.execute(
            "select coalesce(feature, '(untagged)'), sum(coalesce(cost_usd, 0)) from raw.llm_calls "
            "where ts >= %s and ts < %s group by 1", (start, END)).fetchall())
    assert set(mart) == set(expected) == set(raw)
    for feature, cost in expected.items():
        assert abs(mart[feature] - cost) < Decimal("0.000001"), feature
        assert abs(raw[feature] - cost) < Decimal("0.000001"), feature
    assert "(untagged)" in mart and mart["(untagged)"] > 0  # untagged spend is never dropped


def test_every_dashboard_card_runs_on_the_real_marts(pipeline):
    # A first build, no alert ever run: every relation a card reads exists (alerts.alert_log empty).
    from metabase.card_queries import CardQueryError, run_card
    from metabase.catalog import default_catalog

    empty, failed = [], {}
    with psycopg.connect(pipeline["url"]) as conn:
        assert conn.execute("select count(*) from alerts.alert_log").fetchone()[0] == 0
        conn.rollback()
        for key, card in sorted(default_catalog().cards.items()):
            try:
                result = run_card(conn, card)  # raises when the columns differ from the declared ones
            except CardQueryError as exc:
                failed[key] = str(exc)
                continue
            finally:
                conn.rollback()
            if not result.rows:
                empty.append(key)
    assert not failed, "\n".join(f"{k}: {v}" for k, v in failed.items())
    # Empty by design here: no alert has run yet, no provider bill was dropped, no user is over a
    # hard limit. Every other card must show data.
    assert set(empty) <= {"alert_log_recent", "quality_billing_reconciliation", "budget_throttle_list"}, sorted(empty)


def test_alert_rules_find_the_planted_spike_and_new_feature(pipeline, monkeypatch):
    from alerts import run_alerts

    # A sixth of the demo's traffic: scale the $5 noise floor down with it.
    monkeypatch.setenv("LLMCOSTS_ALERT_FLOOR_USD", "1")
    with psycopg.connect(pipeline["url"]) as conn:
        result = run_alerts(conn, AS_OF, dry_run=True)
    fired = {rule: {a.subject for a in alerts} for rule, alerts in result.fired.items()}
    assert fired.get("wow_growth") == {SPIKE_FEATURE}, fired
    assert NEW_FEATURE in fired.get("new_spender", set()), fired
    assert result.delivered == 0  # dry run: nothing recorded as delivered
    assert f"feature `{SPIKE_FEATURE}` spend is up" in result.payload_text
    # The spike is a longer prompt version: the root cause says so, its parts add up to the delta
    # to the cent, and nothing reads as a number that could not be computed.
    spike = result.fired["wow_growth"][0].row
    parts = spike["root_cause"]
    assert max(parts, key=parts.get) == "tokens_per_call", parts
    assert parts["tokens_per_call"] / (spike["current_cost"] - spike["prev_cost"]) > 0.5
    assert sum(parts.values()) == (spike["current_cost"] - spike["prev_cost"]).quantize(parts["tokens_per_call"])
    assert "largest driver: tokens per call" in result.payload_text
    assert "$0.0000" not in result.payload_text and "100% -> 100%" not in result.payload_text


def test_html_report_renders_the_real_marts(pipeline, tmp_path):
    from metabase.report import write_html_report

    with psycopg.connect(pipeline["url"]) as conn:
        path = write_html_report(tmp_path / "report.html", conn, as_of=AS_OF)
    html = path.read_text()
    assert SPIKE_FEATURE in html and "LLM cost" in html
    assert 'class="card-error"' not in html, "a card failed to render"
    # Charts end at the last complete day: the as_of day itself (partial) is never charted.
    last_day = (AS_OF - timedelta(days=1)).isoformat()
    assert f'data-last-complete-day="{last_day}"' in html
    windowed = re.findall(r'data-window="reporting".*?data-last-x="([^"]*)"', html)
    assert windowed and set(windowed) == {last_day}, windowed


def test_prompt_transitions_never_join_two_prompts(pipeline):
    with psycopg.connect(pipeline["url"]) as conn:
        crossed = conn.execute(
            "select t.feature, t.prompt_id, t.previous_prompt_id from marts.prompt_version_transitions as t "
            "join marts.prompt_version_transitions as p "
            "on p.feature = t.feature and p.prompt_id = t.previous_prompt_id "
            "where p.prompt_lineage <> t.prompt_lineage or t.feature = '(untagged)' and t.prompt_name is null "
            "and t.previous_prompt_id is not null").fetchall()
        transitions = conn.execute(
            "select count(*) from marts.prompt_version_transitions where previous_prompt_id is not null").fetchone()[0]
    assert crossed == [] and transitions > 0
