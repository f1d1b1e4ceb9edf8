"""Helpers for the data-quality tests: craft rows of raw.llm_calls (and rejects) directly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from ingestion.schema import ensure_partitions

COLUMNS = (
    "observation_id", "trace_id", "project_id", "ts", "user_id", "feature", "prompt_id", "model", "provider",
    "observation_type", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "total_tokens", "cost_usd", "cost_source", "environment",
)


def call(observation_id: str, ts: datetime, **overrides: Any) -> dict[str, Any]:
    row = {
        "observation_id": observation_id,
        "trace_id": "t-" + observation_id,
        "project_id": "proj-a",
        "ts": ts,
        "user_id": "user-1",
        "feature": "search",
        "prompt_id": "search-v1",
        "model": "gpt-4o",
        "provider": "openai",
        "observation_type": "GENERATION",
        "input_tokens": 100,
        "output_tokens": 20,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "total_tokens": 120,
        "cost_usd": Decimal("0.01"),
        "cost_source": "langfuse",
        "environment": "production",
    }
    row.update(overrides)
    return row


def good_calls(start: datetime, n: int = 200, step: timedelta = timedelta(minutes=7), prefix: str = "ok") -> list[dict]:
    return [call(f"{prefix}-{i}", start + i * step) for i in range(n)]


def insert_calls(url: str, rows: list[dict]) -> None:
    if not rows:
        return
    with psycopg.connect(url) as conn:
        ensure_partitions(conn, min(r["ts"] for r in rows), max(r["ts"] for r in rows) + timedelta(seconds=1))
        placeholders = ", ".join(f"%({c})s" for c in COLUMNS)
        with conn.cursor() as cur:
            cur.executemany(
                f"insert into raw.llm_calls ({', '.join(COLUMNS)}) values ({placeholders})",  # noqa: S608
                rows,
            )


def insert_reject(url: str, observation_id: str, rejected_at: datetime, run_id: str | None = None) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into raw.llm_calls_rejects (observation_id, project_id, source_key, reason, raw, run_id, "
            "rejected_at) values (%s, 'proj-a', 'http://127.0.0.1#pk', 'negative tokens', %s, %s, %s)",
            (observation_id, json.dumps({"id": observation_id}), run_id, rejected_at),
        )
