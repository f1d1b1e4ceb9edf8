"""Helpers for the pricing tests: write raw.llm_calls rows directly, read them back."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import yaml

from ingestion.mapping import provider_for_model
from ingestion.schema import ensure_partitions

# One model's price halved on 2026-03-01 (overrides file rows), for tests of prices over time.
CUT = [
    {"provider": "openai", "model": "gpt-acme-*", "effective_from": "2026-01-01",
     "input_per_mtok": 2.0, "output_per_mtok": 8.0, "cache_read_per_mtok": 0.5},
    {"provider": "openai", "model": "gpt-acme-*", "effective_from": "2026-03-01",
     "input_per_mtok": 1.0, "output_per_mtok": 4.0, "cache_read_per_mtok": 0.25},
]


def write_overrides(path: Path, overrides: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"overrides": overrides}, sort_keys=False))
    return path


def insert_call(
    conn: psycopg.Connection,
    oid: str,
    ts: datetime,
    model: str,
    *,
    input_tokens: int = 1000,
    output_tokens: int = 100,
    cache_read: int = 0,
    cache_write: int = 0,
    reported: Decimal | None = None,
    feature: str | None = "search",
    user_id: str | None = "u1",
    prompt_id: str | None = "p1",
    level: str = "DEFAULT",
) -> None:
    ensure_partitions(conn, ts, ts + timedelta(seconds=1))
    conn.execute(
        """
        insert into raw.llm_calls (observation_id, project_id, ts, user_id, feature, prompt_id, model,
            provider, observation_type, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
            total_tokens, cost_usd, cost_source, reported_cost_usd, cache_hit, level)
        values (%s, 'proj', %s, %s, %s, %s, %s, %s, 'GENERATION', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (oid, ts, user_id, feature, prompt_id, model, provider_for_model(model), input_tokens, output_tokens,
         cache_read, cache_write, input_tokens + output_tokens, reported,
         "langfuse" if reported is not None else "unpriced", reported, cache_read > 0, level),
    )


def costs(conn: psycopg.Connection) -> dict[str, tuple]:
    rows = conn.execute(
        "select observation_id, reported_cost_usd, computed_cost_usd, cost_usd, cost_source, price_version "
        "from raw.llm_calls order by observation_id"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def mtok(tokens: int, price: str) -> Decimal:
    return Decimal(tokens) * Decimal(price) / Decimal(1_000_000)
