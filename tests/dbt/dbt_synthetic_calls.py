"""A seeded synthetic raw.llm_calls dataset, and an independent Python computation of the marts.

The expectations here are computed from the generated rows with plain Python (no SQL, no dbt),
so a test comparing them with the dbt marts checks the models, not a copy of them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import psycopg

from ingestion.schema import ensure_partitions

UNTAGGED = "(untagged)"
FEATURES = ["search", "summarize", "chat", "translate", "legacy_export", "onboarding_tips", None, ""]
FEATURE_WEIGHTS = [30, 20, 25, 8, 2, 3, 10, 2]
USERS = [f"user_{i:02d}" for i in range(12)] + [None]
MODELS = [("gpt-4o-mini", "openai"), ("gpt-4o", "openai"), ("claude-sonnet-4", "anthropic")]
COPY_COLUMNS = (
    "observation_id", "trace_id", "project_id", "ts", "user_id", "session_id", "feature", "prompt_id",
    "prompt_name", "prompt_version", "model", "provider", "observation_type", "input_tokens",
    "output_tokens", "cache_read_tokens", "cache_write_tokens", "total_tokens", "cost_usd",
    "cost_source", "cache_hit", "latency_ms", "level", "environment",
)


def label(value: str | None) -> str:
    return value if value not in (None, "") else UNTAGGED


def utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def make_call(rng: random.Random, ts: datetime, number: int, **overrides) -> dict:
    feature = rng.choices(FEATURES, FEATURE_WEIGHTS)[0]
    versions = 3 if feature == "search" else 1
    version = rng.randint(1, versions) if feature else None
    prompt_id = f"{feature}-v{version}" if feature and rng.random() > 0.1 else None
    model, provider = rng.choice(MODELS)
    input_tokens = rng.randint(50, 4000)
    output_tokens = rng.randint(10, 800)
    cache_hit = rng.random() < 0.2
    unpriced = rng.random() < 0.08
    cost = None if unpriced else (Decimal(input_tokens * 3 + output_tokens * 12) / Decimal(1_000_000)).quantize(
        Decimal("0.000001")
    )
    call = {
        "observation_id": f"obs-{number:06d}",
        "trace_id": f"trace-{number // 3}",
        "project_id": rng.choice(["proj-a", "proj-b"]),
        "ts": ts,
        "user_id": rng.choice(USERS),
        "session_id": None,
        "feature": feature,
        "prompt_id": prompt_id,
        "prompt_name": feature if prompt_id else None,
        "prompt_version": version if prompt_id else None,
        "model": model,
        "provider": provider,
        "observation_type": "GENERATION",
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": input_tokens // 2 if cache_hit else 0,
        "cache_write_tokens": 0,
        "total_tokens": input_tokens + output_tokens,
        "cost_usd": cost,
        "cost_source": "unpriced" if unpriced else "price_table",
        "cache_hit": cache_hit,
        "latency_ms": rng.uniform(100, 5000),
        "level": "ERROR" if rng.random() < 0.05 else "DEFAULT",
        "environment": rng.choice(["production", "production", "staging"]),
    }
    call.update(overrides)
    return call


def generate_calls(as_of: date, days: int = 40, per_day: int = 120, seed: int = 7) -> list[dict]:
    """Random calls over [as_of - days, as_of + 2), plus calls exactly on the window edges."""
    rng = random.Random(seed)
    calls = []
    start = utc_midnight(as_of - timedelta(days=days))
    for day_offset in range(days + 2):
        for _ in range(rng.randint(per_day // 2, per_day)):
            ts = start + timedelta(days=day_offset, microseconds=rng.randrange(86_400 * 10**6))
            calls.append(make_call(rng, ts, len(calls)))
    edge_instants = [
        utc_midnight(as_of - timedelta(days=7)),  # first instant of the 7d window: in
        utc_midnight(as_of - timedelta(days=7)) - timedelta(microseconds=1),  # previous week: out of 7d
        utc_midnight(as_of - timedelta(days=30)),  # first instant of the 30d window: in
        utc_midnight(as_of - timedelta(days=30)) - timedelta(microseconds=1),  # out of 30d
        utc_midnight(as_of),  # as_of itself is excluded from every window
        utc_midnight(as_of) - timedelta(microseconds=1),  # last instant of every window
    ]
    for ts in edge_instants:
        calls.append(make_call(rng, ts, len(calls), feature="edge_feature", cost_usd=Decimal("1.000000"),
                               cost_source="price_table"))
    return calls


def insert_calls(url: str, calls: list[dict]) -> None:
    with psycopg.connect(url) as conn:
        ensure_partitions(conn, min(c["ts"] for c in calls), max(c["ts"] for c in calls) + timedelta(seconds=1))
        with conn.cursor() as cursor, cursor.copy(
            f"copy raw.llm_calls ({', '.join(COPY_COLUMNS)}) from stdin"
        ) as copy:
            for call in calls:
                copy.write_row([call[column] for column in COPY_COLUMNS])


def insert_app_users(url: str, users: list[dict]) -> None:
    with psycopg.connect(url) as conn:
        conn.cursor().executemany(
            "insert into raw.app_users (user_id, signup_at, tier, last_active_at) "
            "values (%(user_id)s, %(signup_at)s, %(tier)s, %(last_active_at)s)",
            users,
        )


def generate_app_users(as_of: date, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    users = []
    for user_id in [u for u in USERS if u] + ["app_only_user"]:
        signup = utc_midnight(as_of - timedelta(days=rng.randint(1, 200))) + timedelta(hours=rng.randint(0, 23))
        active = utc_midnight(as_of - timedelta(days=rng.choice([1, 5, 29, 31, 60])))
        users.append({"user_id": user_id, "signup_at": signup, "tier": rng.choice(["free", "pro", None]),
                      "last_active_at": active})
    # Signed up on as_of itself: after the windows, so in no cohort yet.
    users.append({"user_id": "future_user", "signup_at": utc_midnight(as_of), "tier": "pro",
                  "last_active_at": utc_midnight(as_of)})
    return users


@dataclass
class Totals:
    cost: Decimal = Decimal(0)
    calls: int = 0
    tokens: int = 0
    cache_hits: int = 0
    unpriced: int = 0
    errors: int = 0
    features: set = field(default_factory=set)

    def add(self, call: dict) -> None:
        self.cost += call["cost_usd"] or Decimal(0)
        self.calls += 1
        self.tokens += call["total_tokens"]
        self.cache_hits += int(call["cache_hit"])
        self.unpriced += int(call["cost_usd"] is None)
        self.errors += int(call["level"] == "ERROR")
        if label(call["feature"]) != UNTAGGED:
            self.features.add(call["feature"])


class Expected:
    """The marts' numbers, computed from the generated calls."""

    def __init__(self, calls: list[dict], as_of: date):
        self.calls = calls
        self.as_of = as_of

    def in_window(self, call: dict, days: int, ends_days_ago: int = 0) -> bool:
        day = call["ts"].astimezone(UTC).date()
        return self.as_of - timedelta(days=days + ends_days_ago) <= day < self.as_of - timedelta(days=ends_days_ago)

    def totals_by(self, key, days: int, ends_days_ago: int = 0) -> dict:
        totals: dict = defaultdict(Totals)
        for call in self.calls:
            if self.in_window(call, days, ends_days_ago):
                totals[key(call)].add(call)
        return dict(totals)

    def daily(self) -> dict:
        totals: dict = defaultdict(Totals)
        for call in self.calls:
            totals[call["ts"].astimezone(UTC).date()].add(call)
        return dict(totals)

    def grain_count(self) -> int:
        return len({
            (c["ts"].astimezone(UTC).date(), label(c["feature"]), label(c["user_id"]), label(c["prompt_id"]),
             c["model"], c["provider"], c["environment"], c["project_id"])
            for c in self.calls
        })

    def last_complete_month(self) -> tuple[date, date]:
        end = self.as_of.replace(day=1)
        return (end - timedelta(days=1)).replace(day=1), end
