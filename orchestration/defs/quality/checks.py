"""Asset checks on `llm_calls`: the Great Expectations suite on the partition's window, and the
freshness of every Langfuse project. Thin: the work is in `ingestion.quality`.

Severity follows what a failure means: ERROR checks (the data is wrong: duplicates, future or
out-of-window timestamps, negative usage, unknown cost source) are blocking, so a run that
materializes `llm_calls` stops before anything downstream reads it; WARN checks (the data is
incomplete: missing model, tag coverage, unpriced share, rejects, freshness) are reported and
recorded, and feed the data-quality alert rule. Every result is kept in raw.data_quality_results.
"""

from datetime import UTC, date, datetime

import dagster as dg

from ingestion.pipeline import month_window
from ingestion.quality import results
from ingestion.quality.checks import ERROR, CheckOutcome
from ingestion.quality.expectations import WINDOW_CHECKS, validate_window
from ingestion.quality.freshness import FRESHNESS, check_freshness
from ingestion.schema import migrate
from llmcosts_core.warehouse import connect, database_url
from orchestration.defs.langfuse.partitions import monthly_partitions
from orchestration.lib.settings_resource import SettingsResource

LLM_CALLS = dg.AssetKey("llm_calls")


def _severity(outcome: CheckOutcome) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if outcome.severity == ERROR else dg.AssetCheckSeverity.WARN


def _metadata(outcome: CheckOutcome) -> dict:
    metadata: dict = {}
    for key, value in outcome.metadata().items():
        if isinstance(value, bool):
            metadata[key] = dg.MetadataValue.bool(value)
        elif isinstance(value, int):
            metadata[key] = dg.MetadataValue.int(value)
        elif isinstance(value, float):
            metadata[key] = dg.MetadataValue.float(value)
        elif isinstance(value, str):
            metadata[key] = dg.MetadataValue.text(value)
        else:
            metadata[key] = dg.MetadataValue.json(value)
    return metadata


def to_check_result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=LLM_CALLS,
        check_name=outcome.name,
        passed=outcome.passed,
        severity=_severity(outcome),
        description=outcome.description,
        metadata=_metadata(outcome),
    )


@dg.multi_asset_check(
    name="llm_calls_window_quality",
    specs=[
        dg.AssetCheckSpec(spec.name, asset=LLM_CALLS, description=spec.description, blocking=spec.blocking,
                          partitions_def=monthly_partitions)
        for spec in WINDOW_CHECKS
    ],
    description="Great Expectations suite on raw.llm_calls for the partition's month.",
)
def llm_calls_window_quality(context: dg.AssetCheckExecutionContext, llmcosts: SettingsResource):
    window = month_window(date.fromisoformat(context.partition_key))
    settings = llmcosts.settings()
    outcomes = validate_window(window.start, window.end, url=database_url(settings))
    with connect(settings) as conn:
        migrate(conn)
        results.record(conn, outcomes, partition_key=context.partition_key, run_id=context.run.run_id)
    for outcome in outcomes:
        yield to_check_result(outcome)


@dg.asset_check(
    asset=LLM_CALLS,
    name=FRESHNESS.name,
    description=FRESHNESS.description,
    # Freshness is about now, not about the month; but a job runs one partitions definition, and
    # this check runs in the partitioned ingestion job beside the suite.
    partitions_def=monthly_partitions,
)
def llm_calls_freshness(context: dg.AssetCheckExecutionContext, llmcosts: SettingsResource) -> dg.AssetCheckResult:
    settings = llmcosts.settings()
    with connect(settings) as conn:
        migrate(conn)
        outcome = check_freshness(conn, now=datetime.now(UTC))
        results.record(conn, [outcome], run_id=context.run.run_id)
    return to_check_result(outcome)
