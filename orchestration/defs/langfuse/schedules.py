"""Hourly refresh of the current month (and of the previous one during a month's first days, when
late Langfuse data for the last days of that month is still arriving)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from llmcosts_core.settings import env_str
from orchestration.defs.langfuse.assets import llm_calls

# Read when the definitions load (not a secret): how often the current month is refreshed.
INGEST_CRON = env_str("LLMCOSTS_INGEST_CRON") or "0 * * * *"
PREVIOUS_MONTH_GRACE_DAYS = 3

ingest_job = dg.define_asset_job("ingest_llm_calls", selection=[llm_calls])


def partitions_to_refresh(now: datetime, grace_days: int = PREVIOUS_MONTH_GRACE_DAYS) -> list[str]:
    """Month partition keys an hourly tick refreshes. Pure, unit-tested."""
    current = now.astimezone(UTC).date().replace(day=1)
    keys = [current.isoformat()]
    if now.astimezone(UTC).day <= grace_days:
        keys.insert(0, (current - timedelta(days=1)).replace(day=1).isoformat())
    return keys


@dg.schedule(cron_schedule=INGEST_CRON, job=ingest_job, execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING)
def hourly_llm_calls(context: dg.ScheduleEvaluationContext):
    now = context.scheduled_execution_time or datetime.now(UTC)
    for key in partitions_to_refresh(now):
        yield dg.RunRequest(
            run_key=f"{key}@{now.isoformat()}",
            partition_key=key,
            run_config={"ops": {"llm_calls": {"config": {"mode": "incremental"}}}},
        )
