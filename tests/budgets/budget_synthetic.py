"""Synthetic calls for the budget tests, with known per-user, per-tenant and per-feature series, and
plain-Python sums to compare the marts and the check with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import psycopg
import psycopg.rows
from psycopg.types.json import Jsonb

from ingestion.schema import ensure_partitions
from tests.warehouse_helpers import query, scratch_database  # noqa: F401  (shared; re-exported)

# USD per token: gpt-4o-mini is the cheaper OpenAI model.
USD_PER_TOKEN = {"gpt-4o": Decimal("0.00001"), "gpt-4o-mini": Decimal("0.0000006"), "claude-sonnet-4": Decimal("0.000015")}
PROVIDER = {"gpt-4o": "openai", "gpt-4o-mini": "openai", "claude-sonnet-4": "anthropic"}
# Multiplicative weekday pattern of the trend series (ISO weekday 1 = Monday).
WEEKDAY = {1: Decimal("1.2"), 2: Decimal("1.1"), 3: Decimal("1.0"), 4: Decimal("1.0"), 5: Decimal("0.9"),
           6: Decimal("0.5"), 7: Decimal("0.3")}
TREND_START = date(2025, 11, 15)


@dataclass(frozen=True)
class Call:
    observation_id: str
    ts: datetime
    user_id: str | None
    feature: str
    model: str
    cost_usd: Decimal
    tenant: str | None = None
    project_id: str = "proj-a"
    environment: str = "production"

    @property
    def day(self) -> date:
        return self.ts.astimezone(UTC).date()


def days(start: date, end: date):
    """[start, end)"""
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def trend_cost(day: date) -> Decimal:
    i = (day - TREND_START).days
    return ((Decimal(10) + Decimal("0.25") * i) * WEEKDAY[day.isoweekday()]).quantize(Decimal("0.000001"))


def generate() -> list[Call]:
    calls: list[Call] = []

    def add(day: date, user, feature, model, cost, tenant=None, hour=10):
        calls.append(Call(f"obs-{len(calls):06d}", datetime.combine(day, time(hour), tzinfo=UTC), user, feature, model,
                          Decimal(cost), tenant))

    for day in days(TREND_START, date(2026, 4, 1)):
        add(day, "u_ent", "trend_feature", "claude-sonnet-4", trend_cost(day), "globex", hour=14)
    for day in days(date(2026, 2, 10), date(2026, 2, 21)):
        add(day, "u_free", "chat", "gpt-4o-mini", "0.05", "acme")  # February: over its ceiling, never carried over
    for day in days(date(2026, 3, 1), date(2026, 4, 1)):
        add(day, "u_free", "chat", "gpt-4o-mini", "0.2", "acme")
        add(day, "u_unknown", "chat", "gpt-4o-mini", "0.01", "acme")
        add(day, "u_pro", "search", "gpt-4o", "0.3", "acme")
        add(day, None, "chat", "gpt-4o-mini", "1.0", None)
        add(day, "u_roll", "roll_feature", "gpt-4o", "0.1", "shared")
    return calls


APP_USERS = [("u_free", "free"), ("u_pro", "pro"), ("u_ent", "enterprise"), ("u_roll", "enterprise")]

BUDGETS_YAML = """
settings: {default_tier: free, throttle_at_percent: 90, tenant_key: tenant}
user_ceilings: {period: monthly, tiers: {free: 0.50, pro: 5, enterprise: unlimited}}
budgets:
  - {name: organisation, scope: global, period: monthly, limit_usd: 100000}
  - {name: per_tenant, scope: tenant, value: "*", period: monthly, limit_usd: 1000, parent: organisation}
  - {name: per_feature, scope: feature, value: "*", period: monthly, limit_usd: 100000}
  - {name: free_tier, scope: tier, value: free, period: monthly, limit_usd: 2}
  - {name: roll, scope: feature, value: roll_feature, period: "rolling: 7 days", limit_usd: 0.65}
  - {name: acme_chat, scope: tenant, value: acme, filters: {feature: chat}, period: monthly, limit_usd: 100}
"""


def insert(url: str, calls: list[Call], app_users=APP_USERS) -> None:
    with psycopg.connect(url) as conn:
        first, last = min(c.ts for c in calls), max(c.ts for c in calls)
        ensure_partitions(conn, first, last + timedelta(days=1))
        with conn.cursor() as cur:
            cur.executemany(
                "insert into raw.llm_calls (observation_id, trace_id, project_id, ts, user_id, feature, model, "
                "provider, observation_type, input_tokens, output_tokens, total_tokens, cost_usd, cost_source, "
                "environment, metadata) values (%s, %s, %s, %s, %s, %s, %s, %s, 'GENERATION', %s, 0, %s, %s, "
                "'langfuse', %s, %s)",
                [
                    (c.observation_id, c.observation_id, c.project_id, c.ts, c.user_id, c.feature, c.model,
                     PROVIDER[c.model], int(c.cost_usd / USD_PER_TOKEN[c.model]), int(c.cost_usd / USD_PER_TOKEN[c.model]),
                     c.cost_usd, c.environment, Jsonb({"tenant": c.tenant} if c.tenant else {}))
                    for c in calls
                ],
            )
            cur.executemany(
                "insert into raw.app_users (user_id, signup_at, tier) values (%s, '2025-01-01', %s)", app_users
            )


def spent(calls: list[Call], start: date, end: date, **match) -> Decimal:
    """Sum of cost over [start, end) of the calls whose attributes equal `match`."""
    return sum(
        (c.cost_usd for c in calls if start <= c.day < end and all(getattr(c, k) == v for k, v in match.items())),
        Decimal(0),
    )
