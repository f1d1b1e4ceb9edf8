"""Keep check results in raw.data_quality_results, so trends are visible and the alerts engine
(alerts/rules_quality.py) can read the latest outcome of every check."""

from __future__ import annotations

import json
from collections.abc import Iterable

import psycopg

from ingestion.quality.checks import CheckOutcome
from ingestion.sql_files import sql


def record(
    conn: psycopg.Connection,
    outcomes: Iterable[CheckOutcome],
    *,
    asset_key: str = "llm_calls",
    partition_key: str | None = None,
    run_id: str | None = None,
) -> int:
    """Insert one row per outcome (the caller commits). Returns the number of rows written."""
    rows = [
        {
            "check_name": o.name,
            "asset_key": asset_key,
            "partition_key": partition_key,
            "window_start": o.window_start,
            "window_end": o.window_end,
            "severity": o.severity,
            "passed": o.passed,
            "observed_value": o.observed_value,
            "threshold": o.threshold,
            "element_count": o.element_count,
            "unexpected_count": o.unexpected_count,
            "details": json.dumps(o.details, default=str),
            "run_id": run_id,
        }
        for o in outcomes
    ]
    if rows:
        with conn.cursor() as cur:
            cur.executemany(sql("quality/record_result.sql"), rows)
    return len(rows)


class BlockingQualityFailure(RuntimeError):
    """A blocking check's latest evaluation failed: building the marts would publish wrong numbers."""


def raise_on_blocking_failures(conn: psycopg.Connection) -> None:
    """Stop a build whose input failed a blocking check, naming each check and window. Dagster's
    blocking checks stop what runs after them in the same run; this carries that to the daily and
    build jobs, which run after the ingestion, in runs of their own."""
    failures = conn.execute(sql("quality/latest_blocking_failures.sql")).fetchall()
    if not failures:
        return
    listed = ", ".join(
        f"{name} on {(partition or 'all')[:7]} ({unexpected or 0} rows)" for name, partition, unexpected, _at in failures
    )
    raise BlockingQualityFailure(
        f"blocking data-quality check failed on raw.llm_calls: {listed}; the marts were not built. "
        "See raw.data_quality_results, fix the data, then re-run `llmcosts ingest --full` for that month"
    )
