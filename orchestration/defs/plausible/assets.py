"""The `feature_usage` asset: daily usage per feature from Plausible (or a CSV), upstream of the
cost-per-use marts in dbt. Not partitioned: it runs in the daily job with the unpartitioned dbt
assets, and each run re-pulls a trailing window of days (replaced whole, so re-runs are idempotent)."""

# No `from __future__ import annotations`: Dagster reads the config class from the annotation.
from datetime import date

import dagster as dg

from ingestion.plausible.loader import load_feature_usage
from llmcosts_core.warehouse import connect


class FeatureUsageConfig(dg.Config):
    """Dates are 'YYYY-MM-DD'; the window is half-open [since, until). Unset: the incremental window
    (newest loaded day minus LLMCOSTS_PLAUSIBLE_LOOKBACK_DAYS through today)."""

    since: str | None = None
    until: str | None = None


@dg.asset(
    key="feature_usage",
    group_name="ingestion",
    kinds={"postgres"},
    description=(
        "raw.feature_usage: daily custom-event counts per feature from Plausible's Stats API "
        "(PLAUSIBLE_URL, PLAUSIBLE_API_KEY, PLAUSIBLE_SITE_ID; event map LLMCOSTS_PLAUSIBLE_EVENT_MAP), "
        "or from LLMCOSTS_FEATURE_USAGE_CSV. Without either nothing is loaded and the marts measure "
        "usage in LLM calls (usage_source = 'calls')."
    ),
)
def feature_usage(context: dg.AssetExecutionContext, config: FeatureUsageConfig) -> dg.MaterializeResult:
    since = date.fromisoformat(config.since) if config.since else None
    until = date.fromisoformat(config.until) if config.until else None
    with connect() as conn:
        result = load_feature_usage(conn, since=since, until=until)
    if result.source == "none":
        context.log.info("no usage source configured (PLAUSIBLE_API_KEY + PLAUSIBLE_SITE_ID, or "
                         "LLMCOSTS_FEATURE_USAGE_CSV): marts fall back to calls")
    elif result.unmapped_events:
        context.log.info(f"events mapped to no feature: {result.metadata()['unmapped_names']}")
    return dg.MaterializeResult(metadata=result.metadata())
