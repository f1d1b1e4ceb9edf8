"""Freshness of raw.llm_calls: the newest call of every Langfuse project is at most
LLMCOSTS_FRESHNESS_LAG_HOURS old (default 6).

A project whose traffic stopped, or whose ingestion stalled, shows here first. WARN: stale data
is incomplete, not wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from ingestion.quality.checks import WARN, CheckOutcome, CheckSpec
from ingestion.quality.config import QualitySettings, get_quality_settings
from ingestion.sql_files import sql
from llmcosts_core.settings import get_settings

# How far back the scan looks for each project's newest call: a month partition and a bit.
SCAN_DAYS = 35

FRESHNESS = CheckSpec("freshness", WARN, "The newest call of every Langfuse project is at most "
                      "LLMCOSTS_FRESHNESS_LAG_HOURS old.")


def _newest_call_by_project(conn: psycopg.Connection, now: datetime, since: datetime) -> list[dict]:
    """[{project_id, newest_ts, lag_hours}] from raw.llm_calls where it lives: the warehouse
    Postgres, or the lake on the Spark warehouse (read there through the Thrift server)."""
    if get_settings().uses_spark:
        from llmcosts_core.spark import query_rows, utc_text

        rows = query_rows(sql("quality/spark/freshness_by_project.sql"), {"now": utc_text(now), "since": utc_text(since)})
        return [{**row, "newest_ts": row["newest_ts"].replace(tzinfo=UTC)} for row in rows]
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql("quality/freshness_by_project.sql"), {"now": now, "since": since})
        return cur.fetchall()


def check_freshness(
    conn: psycopg.Connection, *, now: datetime | None = None, settings: QualitySettings | None = None
) -> CheckOutcome:
    settings = settings or get_quality_settings()
    now = now or datetime.now(UTC)
    projects = _newest_call_by_project(conn, now, now - timedelta(days=SCAN_DAYS))
    lag = settings.freshness_lag_hours
    stale = {p["project_id"]: round(float(p["lag_hours"]), 2) for p in projects if float(p["lag_hours"]) > lag}
    worst = max((float(p["lag_hours"]) for p in projects), default=None)
    details = {
        "projects": {p["project_id"]: p["newest_ts"].isoformat() for p in projects},
        "stale_projects": stale,
    }
    if not projects:
        details["reason"] = f"no calls at all in the last {SCAN_DAYS} days"
    return CheckOutcome(
        name=FRESHNESS.name,
        severity=FRESHNESS.severity,
        passed=bool(projects) and not stale,
        description=FRESHNESS.description,
        observed_value=None if worst is None else round(worst, 3),
        threshold=lag,
        element_count=len(projects),
        unexpected_count=len(stale) if projects else None,
        details=details,
    )
