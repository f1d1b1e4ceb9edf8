"""The `llm_calls` asset: one month partition of raw.llm_calls, pulled from every configured
Langfuse project. A thin wrapper: the work is `ingestion.pipeline.ingest_month`."""


from datetime import date, datetime

import dagster as dg
from pydantic import Field

from ingestion.pipeline import ingest_month
from orchestration.defs.langfuse.partitions import monthly_partitions
from orchestration.lib import progress as ui_progress
from orchestration.lib.settings_resource import SettingsResource


class IngestConfig(dg.Config):
    mode: str = Field(
        default="full",
        description="'full' pulls the whole month partition (backfills); 'incremental' pulls from the "
        "watermark minus the trailing lookback (the hourly schedule).",
    )
    since: str | None = Field(default=None, description="ISO start, inclusive; clipped to the month")
    until: str | None = Field(default=None, description="ISO end, exclusive; clipped to the month")


def _parse(value: str | None) -> datetime | None:
    if value is None:
        return None
    from ingestion.mapping import parse_ts

    return parse_ts(value)


@dg.asset(
    key="llm_calls",
    partitions_def=monthly_partitions,
    group_name="langfuse",
    kinds={"postgres", "python"},
    description="Every LLM call (Langfuse GENERATION and EMBEDDING observations) in raw.llm_calls, "
    "monthly partitions. Malformed observations go to raw.llm_calls_rejects.",
)
def llm_calls(context: dg.AssetExecutionContext, config: IngestConfig, llmcosts: SettingsResource):
    month = date.fromisoformat(context.partition_key)
    projects = len(llmcosts.settings().langfuse_projects) or 1
    done_projects: set[str] = set()

    def progress(result):
        # The CLI shows a bar (orchestration.lib.progress); the run log gets a line every 20 pages.
        # The share done is the time of the window already pulled: nobody knows the call count ahead.
        done_projects.add(result.source_key)
        completed = (len(done_projects) - 1 + result.covered_fraction) / projects
        detail = f"{result.rows_upserted:,} rows, {result.pages} pages, {result.rows_rejected} rejects"
        ui_progress.update(context.partition_key[:7], completed, detail)
        if result.pages % 20 == 0:
            context.log.info(f"{result.source_key.split('#')[-1]}: {detail} so far ({completed:.0%} of the window)")

    results = ingest_month(
        llmcosts.settings(),
        month,
        mode=config.mode,
        since=_parse(config.since),
        until=_parse(config.until),
        run_id=context.run.run_id,
        progress=progress,
    )
    upserted = sum(r.rows_upserted for r in results)
    rejected = sum(r.rows_rejected for r in results)
    if rejected:
        context.log.warning(f"{rejected} malformed observations recorded in raw.llm_calls_rejects")
    return dg.MaterializeResult(
        metadata={
            "rows_upserted": upserted,
            "rows_changed": sum(r.rows_changed for r in results),
            "rejects": rejected,
            "skipped_non_llm": sum(r.rows_skipped for r in results),
            "pages": sum(r.pages for r in results),
            "retries": sum(r.retries for r in results),
            "cost_total_usd": float(sum(r.cost_usd for r in results)),
            "duration_s": round(sum(r.duration_s for r in results), 3),
            "windows": dg.MetadataValue.json([r.as_metadata() for r in results]),
        }
    )
