"""Dagster wiring for the daily alerts: one asset that runs `alerts.run_alerts` after the marts.

Thin on purpose: the rules, the once-only ledger and delivery live in the plain-Python `alerts`
package. The lead's daily job schedules this at ALERTS_CRON in LLMCOSTS_TIMEZONE.
"""

# No `from __future__ import annotations`: Dagster reads the config class from the annotation.
from datetime import UTC, date, datetime
from typing import Optional

import dagster as dg

from alerts import run_alerts
from llmcosts_core.warehouse import connect

# 08:00 every day; the schedule (owned by the daily job) applies LLMCOSTS_TIMEZONE.
ALERTS_CRON = "0 8 * * *"

MART_DEPS = [
    dg.AssetKey(["marts", "feature_wow"]),
    dg.AssetKey(["marts", "fct_llm_costs_daily"]),
    dg.AssetKey(["marts", "feature_share"]),
    dg.AssetKey(["marts", "spend_summary"]),
]


class AlertsConfig(dg.Config):
    # ISO date; the default is today in UTC, so "yesterday" is the last complete UTC day, the same
    # day boundaries the marts use.
    as_of: Optional[str] = None  # noqa: UP045 (Dagster's config schema reads typing.Optional)
    dry_run: bool = False


def resolve_as_of(value: str | None, now: datetime | None = None) -> date:
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise dg.Failure(f"as_of must be an ISO date (YYYY-MM-DD), got {value!r}") from None
    return (now or datetime.now(UTC)).astimezone(UTC).date()


@dg.asset(
    name="slack_alerts",
    deps=MART_DEPS,
    group_name="alerts",
    kinds={"slack", "postgres"},
    description="Daily cost alerts (week-over-week growth with root cause, new spenders, overnight "
    "doubling, feature share, expensive calls), posted once per run and recorded in alerts.alert_log.",
)
def slack_alerts(context: dg.AssetExecutionContext, config: AlertsConfig) -> dg.MaterializeResult:
    as_of = resolve_as_of(config.as_of)
    with connect() as conn:
        result = run_alerts(conn, as_of, dry_run=config.dry_run)
    summary = result.metadata()
    metadata = {
        "as_of": dg.MetadataValue.text(summary["as_of"]),
        "dry_run": dg.MetadataValue.bool(result.dry_run),
        "fired": dg.MetadataValue.json(summary["fired"]),
        "fired_count": dg.MetadataValue.int(result.fired_count),
        "delivered": dg.MetadataValue.int(result.delivered),
        "delivered_by_channel": dg.MetadataValue.json(summary["delivered_by_channel"]),
        "pending": dg.MetadataValue.int(result.pending),
        "channels": dg.MetadataValue.json(summary["channels"]),
        "github_issues_opened": dg.MetadataValue.int(result.github_issues_opened),
        "warnings": dg.MetadataValue.json(summary["warnings"]),
    }
    if result.payload_text:
        metadata["message"] = dg.MetadataValue.md(result.payload_text)
    for warning in result.warnings:
        context.log.warning(warning)
    if result.errors:
        # The ledger already holds what could not be sent; failing the run makes it visible.
        raise dg.Failure(
            description="alerts ran with errors: " + "; ".join(result.errors),
            metadata={**metadata, "errors": dg.MetadataValue.json(summary["errors"])},
        )
    return dg.MaterializeResult(metadata=metadata)
