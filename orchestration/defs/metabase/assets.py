"""Dagster wiring for the Metabase dashboards: one asset that runs the sync after the marts."""

import dagster as dg

from llmcosts_core.settings import get_settings
from metabase.sync import sync_metabase

MART_DEPS = [
    dg.AssetKey(["marts", "feature_costs"]),
    dg.AssetKey(["marts", "user_costs"]),
    dg.AssetKey(["marts", "prompt_costs"]),
    # The "Alerts & data quality" dashboard shows alerts.alert_log, which the alerts run creates.
    dg.AssetKey(["slack_alerts"]),
]


@dg.asset(
    deps=MART_DEPS,
    group_name="metabase",
    kinds={"metabase"},
    description="Metabase collection 'LLM costs' with its cards and dashboards, provisioned from "
    "metabase/dashboards/*.yaml. Skipped (not failed) when METABASE_URL is not set.",
)
def metabase_dashboards(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = get_settings()
    if not settings.metabase_url:
        # Metabase is optional: without it the HTML report shows the same dashboards.
        context.log.info("METABASE_URL is not set: skipping the Metabase sync")
        return dg.MaterializeResult(metadata={
            "skipped": True,
            "reason": "METABASE_URL is not set; run `llmcosts report --html PATH` for the dashboards without Metabase",
        })
    result = sync_metabase(settings)
    return dg.MaterializeResult(metadata={
        "skipped": False,
        "metabase_url": dg.MetadataValue.url(result.metabase_url),
        "collection_id": result.collection_id,
        "created": len(result.created),
        "updated": len(result.updated),
        "archived": len(result.archived),
        "unchanged": len(result.unchanged),
        "writes": result.writes,
        "changes": dg.MetadataValue.json(
            {"created": result.created, "updated": result.updated, "archived": result.archived}
        ),
        **{f"dashboard_{key}": dg.MetadataValue.url(url) for key, url in result.dashboard_urls.items()},
    })
