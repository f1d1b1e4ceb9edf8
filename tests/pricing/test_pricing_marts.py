"""The pricing marts built by dbt (through the Dagster dbt assets) on a small hand-made dataset,
checked against hand computations, plus `ingestion.pricing.whatif` (the `llmcosts whatif` body)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlparse, urlunparse

import dagster as dg
import psycopg
import pytest
from psycopg.rows import dict_row

from ingestion.pricing.price_table import load_prices
from ingestion.pricing.repricing import price_window
from ingestion.pricing.whatif import whatif
from ingestion.schema import migrate
from tests.pricing.pricing_helpers import insert_call, mtok

pytestmark = pytest.mark.slow

AS_OF = date(2026, 5, 20)
DAY = datetime(2026, 5, 10, 12, tzinfo=UTC)

# genai-prices 0.2.3 list prices (USD / 1M tokens) of the models below
GPT4O = ("2.5", "10", "1.25", "2.5")  # input, output, cache read, cache write (= input)
MINI = ("0.15", "0.6", "0.075", "0.15")
SONNET = ("3", "15", "0.3", "3.75")
HAIKU = ("0.8", "4", "0.08", "1")


def cost(prices, input_tokens, output_tokens, cache_read=0, cache_write=0) -> Decimal:
    uncached = input_tokens - cache_read - cache_write
    return (mtok(uncached, prices[0]) + mtok(output_tokens, prices[1]) + mtok(cache_read, prices[2])
            + mtok(cache_write, prices[3]))


CALLS = [
    # oid, model, input, output, cache_read, cache_write, reported, feature, user, prompt, level
    ("s1", "gpt-4o", 3000, 200, 2048, 0, None, "search", "u1", "p-search", "DEFAULT"),
    ("s2", "gpt-4o", 1000, 100, 0, 0, Decimal("0.0040"), "search", "u2", "p-search", "DEFAULT"),
    ("s3", "gpt-4o-mini", 500, 50, 0, 0, None, "search", None, "p-search", "DEFAULT"),
    ("t1", "claude-sonnet-4", 5000, 300, 3000, 1000, None, "support", "u1", None, "DEFAULT"),
    ("t2", "claude-3-5-haiku", 800, 0, 0, 0, None, "support", "u3", "p-support", "ERROR"),
    ("t3", "claude-sonnet-4", 6000, 100, 0, 0, None, "support", "u4", "p-long", "DEFAULT"),
    ("x1", "ft:gpt-4o-mini:acme:triage", 900, 90, 0, 0, None, "search", "u1", "p-search", "DEFAULT"),
]


@pytest.fixture(scope="module")
def warehouse(pg_admin_url):
    name = "pricing_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = urlunparse(urlparse(pg_admin_url)._replace(path="/" + name))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        with psycopg.connect(url) as conn:
            migrate(conn)
            conn.commit()
            load_prices(conn)
            for oid, model, inp, out, cr, cw, reported, feature, user, prompt, level in CALLS:
                insert_call(conn, oid, DAY, model, input_tokens=inp, output_tokens=out, cache_read=cr,
                            cache_write=cw, reported=reported, feature=feature, user_id=user, prompt_id=prompt,
                            level=level)
            # outside the 30-day window [04-20, 05-20): never counted
            insert_call(conn, "late", datetime(2026, 5, 20, tzinfo=UTC), "gpt-4o", feature="search")
            insert_call(conn, "early", datetime(2026, 4, 19, 23, tzinfo=UTC), "gpt-4o", feature="search")
            conn.commit()
            with conn.transaction():
                price_window(conn, datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
        yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="module")
def built(warehouse):
    from orchestration.defs.dbt import dbt_run_config, llmcosts_dbt_models
    from orchestration.defs.dbt.resources import dbt_cli_resource

    marts = ["cost_drift", "whatif_model_swaps", "cost_suggestions", "tag_coverage_daily"]
    selection = dg.AssetSelection.keys(*[dg.AssetKey(["marts", m]) for m in marts]).upstream()
    result = dg.materialize(
        [llmcosts_dbt_models],
        resources={"dbt": dbt_cli_resource()},
        run_config=dbt_run_config(AS_OF.isoformat()),
        selection=selection,
        raise_on_error=False,
    )
    assert result.success
    return warehouse


def rows(url, sql):
    with psycopg.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_whatif_mart_equals_a_hand_computation(built):
    swaps = {(r["feature"], r["current_model"], r["candidate_model"]): r
             for r in rows(built, "select * from marts.whatif_model_swaps")}
    search = swaps[("search", "gpt-4o", "gpt-4o-mini")]
    current = cost(GPT4O, 3000, 200, 2048) + Decimal("0.0040")
    projected = cost(MINI, 3000, 200, 2048) + cost(MINI, 1000, 100)
    assert search["current_cost_30d"] == current
    assert search["projected_cost_30d"] == projected
    assert search["monthly_saving_usd"] == current - projected and search["calls_30d"] == 2
    support = swaps[("support", "claude-sonnet-4", "claude-3-5-haiku")]
    assert support["monthly_saving_usd"] == (
        cost(SONNET, 5000, 300, 3000, 1000) + cost(SONNET, 6000, 100)
        - cost(HAIKU, 5000, 300, 3000, 1000) - cost(HAIKU, 6000, 100)
    )
    # only cheaper models, same provider, never the model itself
    assert ("search", "gpt-4o-mini", "gpt-4o") not in swaps
    assert all(r["provider"] in ("openai", "anthropic") for r in swaps.values())
    assert not any(k[1] == k[2] for k in swaps)


def test_whatif_cli_function_equals_a_hand_computation(built):
    with psycopg.connect(built) as conn:
        result = whatif(conn, "gpt-4o-mini", feature="search", as_of=AS_OF)
        everything = whatif(conn, "claude-3-5-haiku", as_of=AS_OF)
        unknown = whatif(conn, "no-such-model", feature="search", as_of=AS_OF)
    current = cost(GPT4O, 3000, 200, 2048) + Decimal("0.0040") + cost(MINI, 500, 50)
    projected = cost(MINI, 3000, 200, 2048) + cost(MINI, 1000, 100) + cost(MINI, 500, 50)
    assert (result.priced_calls, result.unpriced_calls) == (3, 1)  # the fine-tune is not compared
    assert result.current_cost_usd == current and result.projected_cost_usd == projected
    assert result.monthly_saving_usd == current - projected
    assert everything.priced_calls == 6
    assert unknown.projected_cost_usd is None and unknown.monthly_saving_usd is None


def test_cost_drift_flags_the_call_langfuse_priced_differently(built):
    [gpt4o] = rows(built, "select * from marts.cost_drift where model = 'gpt-4o'")
    computed = cost(GPT4O, 1000, 100)
    assert (gpt4o["calls"], gpt4o["compared_calls"], gpt4o["drift_calls"]) == (2, 1, 1)
    assert gpt4o["drift_cost_usd"] == Decimal("0.0040") - computed
    [unpriced] = rows(built, "select * from marts.cost_drift where model like 'ft:%'")
    assert unpriced["unpriced_calls"] == 1 and unpriced["drift_calls"] == 0


def test_tag_coverage_and_suggestions(built):
    coverage = {r["feature"]: r for r in rows(built, "select * from marts.tag_coverage_daily")}
    search = coverage["search"]
    assert (search["calls"], search["tagged_calls"]) == (4, 3)  # s3 has no user
    s_cost = cost(GPT4O, 3000, 200, 2048) + Decimal("0.0040") + cost(MINI, 500, 50)
    assert search["cost_usd"] == s_cost  # the unpriced call adds nothing, and is not $0 either
    assert search["tagged_cost_usd"] == s_cost - cost(MINI, 500, 50)
    assert coverage["support"]["tagged_calls"] == 2  # t1 has no prompt id

    suggestions = {(r["suggestion_type"], r["feature"]): r for r in rows(built, "select * from marts.cost_suggestions")}
    assert suggestions[("failed_calls", "support")]["estimated_monthly_saving_usd"] == cost(HAIKU, 800, 0)
    saving = cost(GPT4O, 3000, 200, 2048) + Decimal("0.0040") - cost(MINI, 3000, 200, 2048) - cost(MINI, 1000, 100)
    # the suggestions mart rounds estimates to a millionth of a dollar
    assert suggestions[("cheaper_model", "search")]["estimated_monthly_saving_usd"] == saving.quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_UP
    )
    assert ("long_inputs", "search") not in suggestions  # search averages 1,350 input tokens
    # t3's prompt averages 6,000 uncached input tokens: trimmed to 2,000 it saves two thirds of them
    [long_prompt] = [r for r in suggestions.values() if r["suggestion_type"] == "long_inputs"]
    assert (long_prompt["feature"], long_prompt["prompt_id"]) == ("support", "p-long")
    assert long_prompt["estimated_monthly_saving_usd"] == mtok(4000, "3")
