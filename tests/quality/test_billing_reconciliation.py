"""Reconciliation with provider bills, end to end: synthetic calls in raw.llm_calls, bills that
match them to the cent except for one planted gap, the `provider_bills` asset, one dbt build of
the reconciliation mart and what it depends on, and the billing-gap alert rule."""

from __future__ import annotations

import json
import os
import subprocess
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import psycopg
import pytest
from psycopg.rows import dict_row
from quality_helpers import call, insert_calls

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 10)
FIRST_DAY = date(2026, 3, 1)
GAP_DAY, GAP_PROVIDER, GAP_MODEL, GAP_USD = date(2026, 3, 5), "openai", "gpt-4o", Decimal("2.00")
MODELS = {"gpt-4o": "openai", "gpt-4o-mini": "openai", "claude-sonnet-4": "anthropic"}


def synthetic_calls() -> list[dict]:
    rows = []
    for offset in range((AS_OF - FIRST_DAY).days + 1):  # as_of itself too: it must not count
        day = FIRST_DAY + timedelta(days=offset)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        for i in range(30):
            model = list(MODELS)[i % 3]
            rows.append(call(
                f"{day.isoformat()}-{i}", midnight + timedelta(minutes=45 * i), model=model, provider=MODELS[model],
                cost_usd=Decimal("0.0125") * (1 + i % 7), cache_read_tokens=40 if i % 2 else 0,
                environment=None if i == 29 else "production",
            ))
    return rows


def warehouse_costs(rows) -> dict[tuple[date, str, str], Decimal]:
    totals: dict = defaultdict(Decimal)
    for row in rows:
        totals[(row["ts"].date(), row["provider"], row["model"])] += row["cost_usd"]
    return totals


def write_bills(folder, totals) -> None:
    """OpenAI as its Costs API JSON (line items per model), Anthropic as its cost report JSON
    (amounts in cents), both matching the warehouse except the planted gap."""
    openai_buckets, anthropic_buckets = [], []
    for day in sorted({d for d, _, _ in totals}):
        if day >= AS_OF:
            continue
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        openai_results, anthropic_results = [], []
        for (d, provider, model), cost in sorted(totals.items()):
            if d != day:
                continue
            if (d, provider, model) == (GAP_DAY, GAP_PROVIDER, GAP_MODEL):
                cost += GAP_USD  # billed more than traced: calls made outside Langfuse
            if provider == "openai":
                openai_results.append({"object": "organization.costs.result", "amount": {
                    "value": float(cost), "currency": "usd"}, "line_item": f"{model}, input", "project_id": None})
            else:
                anthropic_results.append({"currency": "USD", "amount": str(cost * 100), "model": model,
                                          "cost_type": "tokens", "token_type": "uncached_input_tokens"})
        openai_buckets.append({"object": "bucket", "start_time": int(start.timestamp()),
                               "end_time": int((start + timedelta(days=1)).timestamp()), "results": openai_results})
        anthropic_buckets.append({"starting_at": start.isoformat().replace("+00:00", "Z"),
                                  "ending_at": (start + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
                                  "results": anthropic_results})
    (folder / "openai_costs.json").write_text(json.dumps({"object": "page", "data": openai_buckets,
                                                          "has_more": False, "next_page": None}))
    (folder / "anthropic_cost_report.json").write_text(json.dumps({"data": anthropic_buckets, "has_more": False,
                                                                   "next_page": None}))


def dbt_build(tmp_path, select: str) -> subprocess.CompletedProcess:
    """dbt build of the selection, with the project's connection; its own target folder, so it never
    races another dbt process on the shared target/."""
    from llmcosts_core.warehouse import dbt_connection_env
    from orchestration.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable

    env = {**os.environ, **dbt_connection_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    return subprocess.run(
        [dbt_executable(), "build", "--select", select, "--vars", json.dumps({"as_of": AS_OF.isoformat()}),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--no-use-colors"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.fixture(scope="module")
def reconciled(module_database, tmp_path_factory):
    from orchestration.defs.quality import provider_bills
    from orchestration.lib.settings_resource import SettingsResource

    tmp_path = tmp_path_factory.mktemp("reconciliation")
    bills = tmp_path / "bills"
    bills.mkdir()
    rows = synthetic_calls()
    insert_calls(module_database, rows)
    totals = warehouse_costs(rows)
    write_bills(bills, totals)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LLMCOSTS_BILLS_DIR", str(bills))
        for _ in range(2):  # the second run finds every file already loaded
            dg.materialize([provider_bills], resources={"llmcosts": SettingsResource()},
                           instance=dg.DagsterInstance.ephemeral())
    build = dbt_build(tmp_path, "+billing_reconciliation")
    assert build.returncode == 0, build.stdout[build.stdout.find("Completed with"):][:6000] or build.stdout[-4000:]
    with psycopg.connect(module_database) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute("select * from marts.billing_reconciliation order by day, provider, model")
        mart = cur.fetchall()
    return {"url": module_database, "mart": mart, "totals": totals}


@pytest.fixture(scope="module")
def module_database(pg_admin_url):
    import uuid
    from urllib.parse import urlparse, urlunparse

    from ingestion.schema import migrate

    name = "recon_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlunparse(urlparse(pg_admin_url)._replace(path="/" + name))
    with psycopg.connect(url) as conn:
        migrate(conn)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def test_every_billed_day_provider_model_is_reconciled(reconciled):
    mart, totals = reconciled["mart"], reconciled["totals"]
    billed_keys = {(d, p, m) for d, p, m in totals if d < AS_OF}
    assert {(r["day"], r["provider"], r["model"]) for r in mart} == billed_keys
    for row in mart:
        assert row["warehouse_cost_usd"] == totals[(row["day"], row["provider"], row["model"])]
        assert row["as_of"] == AS_OF


def test_reconciliation_reports_exactly_the_planted_gap(reconciled):
    gaps = [r for r in reconciled["mart"] if r["difference_usd"] != 0]
    assert [(r["day"], r["provider"], r["model"], r["difference_usd"]) for r in gaps] == [
        (GAP_DAY, GAP_PROVIDER, GAP_MODEL, -GAP_USD)]
    (gap,) = gaps
    warehouse = reconciled["totals"][(GAP_DAY, GAP_PROVIDER, GAP_MODEL)]
    assert gap["billed_cost_usd"] == warehouse + GAP_USD
    assert float(gap["difference_pct"]) == pytest.approx(float(-GAP_USD / (warehouse + GAP_USD) * 100))
    assert gap["is_complete_day"]
    assert "calls made outside Langfuse" in gap["likely_causes"]
    assert "untagged environments (" in gap["likely_causes"] or gap["untagged_environment_calls"] == 0
    assert all(r["likely_causes"] == "" for r in reconciled["mart"] if r["difference_usd"] == 0)
    # indicators are computed beside every row
    assert all(r["cache_read_share"] is not None and 0 <= r["cache_read_share"] <= 1 for r in reconciled["mart"])


def test_a_gap_above_threshold_on_a_complete_day_alerts_once(reconciled, monkeypatch):
    from alerts.alert_log import ensure_schema, record
    from alerts.config import AlertSettings
    from alerts.engine import RuleContext
    from alerts.rules_quality import BILLING_GAP

    with psycopg.connect(reconciled["url"]) as conn:
        fired = BILLING_GAP.evaluate(RuleContext(conn, AS_OF, AlertSettings()))
        assert [a.subject for a in fired] == [f"{GAP_DAY.isoformat()}/{GAP_PROVIDER}/{GAP_MODEL}"]
        assert "calls made outside Langfuse" in " ".join(fired[0].details)
        # a threshold just above the gap, or a dollar floor above it: quiet
        gap_pct = abs(float(fired[0].row["difference_pct"]))
        monkeypatch.setenv("LLMCOSTS_BILLING_GAP_PCT", str(gap_pct + 0.01))
        assert BILLING_GAP.evaluate(RuleContext(conn, AS_OF, AlertSettings())) == []
        monkeypatch.setenv("LLMCOSTS_BILLING_GAP_PCT", str(gap_pct - 0.01))
        assert len(BILLING_GAP.evaluate(RuleContext(conn, AS_OF, AlertSettings()))) == 1
        monkeypatch.setenv("LLMCOSTS_BILLING_GAP_MIN_USD", "2.01")
        assert BILLING_GAP.evaluate(RuleContext(conn, AS_OF, AlertSettings())) == []
        monkeypatch.delenv("LLMCOSTS_BILLING_GAP_PCT")
        monkeypatch.delenv("LLMCOSTS_BILLING_GAP_MIN_USD")
        # once recorded in the ledger, the next days' runs do not raise it again
        ensure_schema(conn)
        record(conn, fired, "slack")
        conn.commit()
        assert BILLING_GAP.evaluate(RuleContext(conn, AS_OF + timedelta(days=1), AlertSettings())) == []
