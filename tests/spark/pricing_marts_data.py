"""The data the pricing and reconciliation marts are compared on across engines: calls priced at load
by the newest price version (genai-prices plus overrides: a glob, a regular expression with a price
cut inside the window, and one that wins over genai-prices from a day inside the window), one call
for every model of the price list and a dated, upper-cased variant of it (so every model_pattern is
resolved by Postgres' `~` and by Spark's `rlike`), a model no price matches, and provider bills with
planted gaps (billed more than traced, a model on one side only, a bill without models, more tokens
billed than traced)."""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from tests.dbt.dbt_synthetic_calls import generate_calls, utc_midnight
from tests.pricing.pricing_helpers import write_overrides

AS_OF = date(2026, 3, 15)

OVERRIDES = [
    # a fine-tune genai-prices cannot know (a glob)
    {"provider": "openai", "model": "ft:gpt-4o-mini:acme:*", "effective_from": "2026-01-01",
     "input_per_mtok": 0.3, "output_per_mtok": 1.2, "cache_read_per_mtok": 0.15},
    # a regular expression, its price cut on 03-01 (inside the 30-day window)
    {"provider": "openai", "model_regex": "^gpt-acme-(large|small)-v[0-9]+$", "effective_from": "2026-01-01",
     "input_per_mtok": 2.0, "output_per_mtok": 8.0},
    {"provider": "openai", "model_regex": "^gpt-acme-(large|small)-v[0-9]+$", "effective_from": "2026-03-01",
     "input_per_mtok": 1.0, "output_per_mtok": 4.0, "cache_read_per_mtok": 0.25},
    # a negotiated price that wins over genai-prices from 03-10 on
    {"provider": "anthropic", "model": "claude-sonnet-4*", "effective_from": "2026-03-10",
     "input_per_mtok": 2.7, "output_per_mtok": 13.5, "cache_read_per_mtok": 0.27, "cache_write_per_mtok": 3.3},
]
# No price row matches these (openai has no pattern for them; `unknown` has no rows at all).
UNPRICED = [("openai", "openai-internal-exp"), ("unknown", "mystery-model-1")]
CALL_COLUMNS = (
    "observation_id", "trace_id", "project_id", "ts", "user_id", "session_id", "feature", "prompt_id",
    "prompt_name", "prompt_version", "model", "provider", "observation_type", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "total_tokens", "cost_usd", "cost_source", "reported_cost_usd",
    "cache_hit", "latency_ms", "level", "environment",
)


def _call(number: int, ts: datetime, model: str, provider: str, rng: random.Random, **overrides) -> dict:
    input_tokens = rng.randint(200, 3000)
    cache_read = input_tokens // 3 if rng.random() < 0.3 else 0
    row = {
        "observation_id": f"p-{number:05d}", "trace_id": f"t-{number}", "project_id": "proj-a", "ts": ts,
        "user_id": rng.choice(["u1", "u2", "u3", None]), "session_id": None, "feature": "assist",
        "prompt_id": "assist-v1", "prompt_name": "assist", "prompt_version": 1, "model": model,
        "provider": provider, "observation_type": "GENERATION", "input_tokens": input_tokens,
        "output_tokens": rng.randint(10, 600), "cache_read_tokens": cache_read,
        "cache_write_tokens": rng.choice([0, 0, 0, 64]), "total_tokens": None, "cost_usd": None,
        "cost_source": "unpriced", "reported_cost_usd": None, "cache_hit": cache_read > 0,
        "latency_ms": 800.0, "level": "ERROR" if rng.random() < 0.06 else "DEFAULT",
        "environment": rng.choice(["production", "production", "staging", None]),
    }
    row.update(overrides)
    row["total_tokens"] = row["input_tokens"] + row["output_tokens"]
    return row


def synthetic_calls(price_models: list[tuple[str, str]]) -> list[dict]:
    """The calls; `price_models` is every (provider, model_id) of the price list."""
    rng = random.Random(20260315)
    calls = []
    # the shared synthetic dataset (three models, edge instants), half of it priced by Langfuse
    for call in generate_calls(AS_OF, days=12, per_day=24):
        reported = call["cost_usd"] if rng.random() < 0.5 else None
        calls.append({**call, "reported_cost_usd": reported, "cost_usd": None, "cost_source": "unpriced",
                      "observation_id": "s-" + call["observation_id"]})
    start = utc_midnight(AS_OF - timedelta(days=12))

    def somewhen() -> datetime:  # in the last 12 days
        return start + timedelta(minutes=rng.randrange(12 * 24 * 60))

    # one prompt version called often, rarely from the cache, with long inputs
    for _ in range(120):
        calls.append(_call(len(calls), somewhen(), "gpt-4o", "openai", rng, feature="chat",
                           prompt_id="chat-v1", prompt_name="chat", input_tokens=rng.randint(2000, 3200)))
    # overrides (glob, regex before and after its price cut, upper case), the negotiated price, unpriced
    for model, provider in [("ft:gpt-4o-mini:acme:triage", "openai"), ("gpt-acme-large-v2", "openai"),
                            ("GPT-ACME-small-v3", "openai"), ("claude-sonnet-4", "anthropic"),
                            ("claude-3-5-haiku", "anthropic"), *[(m, p) for p, m in UNPRICED]]:
        for _ in range(14):
            reported = Decimal(rng.randint(1, 900)) / 100000 if rng.random() < 0.3 else None
            calls.append(_call(len(calls), somewhen(), model, provider, rng, feature="triage",
                               prompt_id=rng.choice(["triage-v1", None]), reported_cost_usd=reported))
    # unpriced calls on a billed day (write_bills): the bill charges them, the warehouse has $0
    day = utc_midnight(AS_OF - timedelta(days=3))
    for hour in (9, 13, 17):
        calls.append(_call(len(calls), day + timedelta(hours=hour), "openai-internal-exp", "openai", rng,
                           feature="triage"))
    # every model of the price list, as named and as a dated, upper-cased snapshot name
    for provider, model_id in price_models:
        for model in (model_id, model_id.upper() + "-20250101"):
            calls.append(_call(len(calls), day + timedelta(hours=5), model, provider, rng, feature="catalog",
                               prompt_id=None, input_tokens=1000, output_tokens=100, cache_read_tokens=0,
                               cache_write_tokens=0))
    return calls


def insert_calls(conn: psycopg.Connection, calls: list[dict]) -> None:
    from ingestion.schema import ensure_partitions

    ensure_partitions(conn, min(c["ts"] for c in calls), max(c["ts"] for c in calls) + timedelta(seconds=1))
    with conn.cursor() as cursor, cursor.copy(f"copy raw.llm_calls ({', '.join(CALL_COLUMNS)}) from stdin") as copy:
        for call in calls:
            copy.write_row([call[column] for column in CALL_COLUMNS])


def write_bills(conn: psycopg.Connection, folder: Path) -> None:
    """A generic CSV bill from the priced calls, equal to the warehouse except for planted gaps."""
    totals = conn.execute(
        "select (ts at time zone 'UTC')::date as day, provider, lower(trim(model)) as model,"
        " coalesce(sum(cost_usd), 0), sum(input_tokens), sum(output_tokens)"
        " from raw.llm_calls where provider in ('openai', 'anthropic') group by 1, 2, 3 order by 1, 2, 3"
    ).fetchall()
    # as_of itself is billed too: the mart leaves it out (windows end at as_of, exclusive)
    days = [AS_OF - timedelta(days=n) for n in (4, 3, 2, 0)]
    first, second, third = days[:3]
    lines = []
    for day, provider, model, cost, input_tokens, output_tokens in totals:
        if day not in days:
            continue
        if (day, model) == (first, "gpt-4o"):
            cost += Decimal("2.50")  # billed more than traced
        if (day, model) == (first, "openai-internal-exp"):
            continue  # traced, never billed under this name
        if (day, model) == (second, "claude-sonnet-4"):
            cost, input_tokens = cost + Decimal("0.05"), input_tokens + 5000  # more tokens billed than traced
        if (day, model) == (second, "openai-internal-exp"):
            cost += Decimal("0.40")  # the unpriced calls, billed
        if (day, provider) == (third, "anthropic"):
            continue  # billed without models, below
        lines.append([day.isoformat(), provider, model, str(cost), input_tokens, output_tokens])
    anthropic_day = sum(t[3] for t in totals if t[0] == third and t[1] == "anthropic")
    lines.append([third.isoformat(), "Anthropic", "", str((anthropic_day / 2).quantize(Decimal("1e-10"))), "", ""])
    lines.append([first.isoformat(), "openai", "gpt-4o-2024-08-06", "1.25", 1000, 100])  # bill side only
    with (folder / "bill.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "provider", "model", "cost_usd", "input_tokens", "output_tokens"])
        writer.writerows(lines)


def load_pricing_data(url: str, folder: Path) -> None:
    """Prices (with overrides), calls priced as at load, and bills into the control Postgres."""
    from ingestion.pricing.price_table import load_prices
    from ingestion.pricing.repricing import price_window
    from ingestion.quality.bills import load_bills

    with psycopg.connect(url) as conn:
        load_prices(conn, write_overrides(folder / "overrides.yml", OVERRIDES))
        price_models = conn.execute(
            "select distinct provider, model_id from raw.model_prices where source = 'genai-prices' order by 1, 2"
        ).fetchall()
        insert_calls(conn, synthetic_calls(price_models))
        conn.commit()
        with conn.transaction():
            price_window(conn, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
        bills = folder / "bills"
        bills.mkdir(exist_ok=True)
        write_bills(conn, bills)
        load_bills(conn, bills)


# Which (pattern, model) pairs match, as each engine's regex reads the patterns of the price list.
MATCHES_SQL = (
    "select distinct p.model_pattern, m.model from raw.model_prices as p"
    " cross join (select distinct model from raw.llm_calls where model is not null) as m"
    " where lower(m.model) {operator} p.model_pattern"
)
