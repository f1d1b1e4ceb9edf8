"""The Great Expectations suite run on one window of raw.llm_calls.

Two batches, both SQL query assets on the warehouse, so a month of ~1M calls never leaves Postgres
(GX compiles every expectation to SQL aggregates):
- `window_calls.sql`: the window's rows, for the row-level expectations (uniqueness, bounds,
  accepted values). These are ERROR checks: the data is wrong.
- `window_summary.sql`: one row of shares (tag coverage, unpriced share, reject share), for the
  "incomplete data" expectations. These are WARN checks.

`validate_window(start, end)` returns one `CheckOutcome` per check in `WINDOW_CHECKS`. GX's
analytics are off: `GX_ANALYTICS_ENABLED=false` is set before GX is first imported, and the
context's own setting is switched off too.

Definitions worth knowing:
- ts inside its partition: Postgres' range partitioning already keeps a row inside its month, so
  the expectation guards the window's upper edge against calls dated in the future (past
  now + LLMCOSTS_FUTURE_SKEW_MINUTES: a client clock off, or the wrong timestamp mapped), which
  would otherwise sit in the window silently.
- unpriced share: unpriced calls / calls, a count share (an unpriced call has no cost to weigh it by).
- duplicates: the primary key is (observation_id, ts), so the real duplicate is one observation
  stored at two timestamps (Langfuse re-reported its startTime); observation_id must be unique.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

from ingestion.quality.checks import ERROR, WARN, CheckOutcome, CheckSpec
from ingestion.quality.config import QualitySettings, get_quality_settings
from ingestion.sql_files import sql
from llmcosts_core.settings import get_settings
from llmcosts_core.spark import quote_literal, thrift_address
from llmcosts_core.warehouse import database_url

log = logging.getLogger(__name__)

ACCEPTED_COST_SOURCES = ("langfuse", "price_table", "unpriced")
NON_NEGATIVE_COLUMNS = (
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "total_tokens", "cost_usd",
)
SAMPLE_SIZE = 5

WINDOW_CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("no_duplicate_observation_id", ERROR, "Every observation_id appears once in the window."),
    CheckSpec("ts_inside_partition", ERROR, "Every ts lies in the partition's window and not in the future."),
    CheckSpec("non_negative_tokens_and_cost", ERROR, "Token counts and cost_usd are never negative."),
    CheckSpec("cost_source_accepted", ERROR, "cost_source is one of langfuse, price_table, unpriced."),
    CheckSpec("model_present", WARN, "Every call names its model."),
    CheckSpec("tag_coverage", WARN, "Share of calls with user_id, feature and prompt_id all set is at least "
              "LLMCOSTS_TAG_COVERAGE_MIN."),
    CheckSpec("unpriced_share", WARN, "Share of unpriced calls is at most LLMCOSTS_UNPRICED_SHARE_MAX."),
    CheckSpec("rejects_share", WARN, "Share of rejected observations is at most LLMCOSTS_REJECT_SHARE_MAX."),
)
CHECKS_BY_NAME = {spec.name: spec for spec in WINDOW_CHECKS}


class QualityCheckError(RuntimeError):
    """The suite could not run (not: the data failed it). The message never holds a credential."""


def _gx():
    # Before the first import: GX reads the variable when it sets up its analytics.
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


def _literal(value: datetime) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware datetimes")
    return f"timestamptz '{value.astimezone(UTC).isoformat()}'"


def _spark_literal(value: datetime) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware datetimes")
    # Spark has no timestamptz: a plain timestamp literal, read in the cluster's UTC session zone.
    return f"timestamp '{value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"


def _string_list(values: list[str]) -> str:
    return ", ".join(quote_literal(value) for value in values)


def render_window_sql(
    name: str, start: datetime, end: datetime, *, spark_run_ids: tuple[list[str], list[str]] | None = None,
) -> str:
    """A window query with its half-open bounds as literals (GX query assets take plain SQL).
    With `spark_run_ids` (overlapping, known), the Spark form under quality/spark/."""
    if end <= start:
        raise ValueError(f"empty window [{start}, {end})")
    if spark_run_ids is None:
        text = sql(f"quality/{name}").format(window_start=_literal(start), window_end=_literal(end))
    else:
        overlapping, known = spark_run_ids
        text = sql(f"quality/spark/{name}").format(
            window_start=_spark_literal(start), window_end=_spark_literal(end),
            overlapping_run_ids=_string_list(overlapping), known_run_ids=_string_list(known),
        )
    # GX wants the query to start with `select`: drop the file's header comment.
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--")).strip()


def _sqlalchemy_url(url: str) -> str:
    # psycopg 3 is the driver the project ships; SQLAlchemy names it postgresql+psycopg.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def ingestion_run_ids(url: str, start: datetime, end: datetime) -> tuple[list[str], list[str]]:
    """(run ids overlapping [start, end), every run id) from the control Postgres' raw.ingestion_runs."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(sql("quality/ingestion_run_ids.sql"),
                            {"window_start": start, "window_end": end}).fetchall()
    return [run_id for run_id, overlaps in rows if overlaps], [run_id for run_id, _ in rows]


def _row_expectations(gxe, start: datetime, upper: datetime) -> list:
    def tagged(expectation, check: str):
        expectation.meta = {"check": check}
        return expectation

    expectations = [
        tagged(gxe.ExpectColumnValuesToBeUnique(column="observation_id"), "no_duplicate_observation_id"),
        tagged(gxe.ExpectColumnValuesToNotBeNull(column="ts"), "ts_inside_partition"),
        tagged(
            gxe.ExpectColumnValuesToBeBetween(column="ts", min_value=start, max_value=upper, strict_max=True),
            "ts_inside_partition",
        ),
        tagged(
            gxe.ExpectColumnValuesToBeInSet(column="cost_source", value_set=list(ACCEPTED_COST_SOURCES)),
            "cost_source_accepted",
        ),
        tagged(gxe.ExpectColumnValuesToNotBeNull(column="model"), "model_present"),
    ]
    expectations += [
        tagged(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0), "non_negative_tokens_and_cost")
        for column in NON_NEGATIVE_COLUMNS
    ]
    return expectations


def _summary_expectations(gxe, settings: QualitySettings) -> list:
    def tagged(expectation, check: str):
        expectation.meta = {"check": check}
        return expectation

    return [
        tagged(gxe.ExpectColumnMinToBeBetween(column="tag_coverage", min_value=settings.tag_coverage_min),
               "tag_coverage"),
        tagged(gxe.ExpectColumnMaxToBeBetween(column="unpriced_share", max_value=settings.unpriced_share_max),
               "unpriced_share"),
        tagged(gxe.ExpectColumnMaxToBeBetween(column="reject_share", max_value=settings.reject_share_max),
               "rejects_share"),
    ]


def _run_suite(context, datasource, name: str, query: str, expectations: list):
    gx = _gx()
    asset = datasource.add_query_asset(name, query=query)
    batch = asset.add_batch_definition_whole_table(f"{name}_window")
    suite = context.suites.add(gx.ExpectationSuite(name=f"llm_calls_{name}"))
    for expectation in expectations:
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"llm_calls_{name}_validation", data=batch, suite=suite)
    )
    return validation.run(result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE})


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _outcomes(results: list, start: datetime, end: datetime, settings: QualitySettings) -> list[CheckOutcome]:
    by_check: dict[str, list] = {spec.name: [] for spec in WINDOW_CHECKS}
    for result in results:
        by_check[result.expectation_config.meta["check"]].append(result)
    thresholds = {
        "tag_coverage": settings.tag_coverage_min,
        "unpriced_share": settings.unpriced_share_max,
        "rejects_share": settings.reject_share_max,
    }
    outcomes = []
    for spec in WINDOW_CHECKS:
        check_results = by_check[spec.name]
        if not check_results:
            raise QualityCheckError(f"no expectation result for check {spec.name}")
        errors = [r.exception_info.get("exception_message") for r in check_results
                  if (r.exception_info or {}).get("raised_exception")]
        if errors:
            # An expectation that could not be computed is a failure of the suite, not a pass.
            raise QualityCheckError(f"check {spec.name} could not be evaluated: {errors[0]}")
        details: dict[str, Any] = {}
        if spec.name in thresholds:
            observed = check_results[0].result.get("observed_value")
            outcome = CheckOutcome(
                name=spec.name, severity=spec.severity, passed=all(r.success for r in check_results),
                description=spec.description, observed_value=None if observed is None else float(observed),
                threshold=thresholds[spec.name], window_start=start, window_end=end,
            )
        else:
            unexpected = sum(int(r.result.get("unexpected_count") or 0) for r in check_results)
            element_count = max(int(r.result.get("element_count") or 0) for r in check_results)
            failing = {
                r.expectation_config.kwargs["column"]: _json_safe(r.result.get("partial_unexpected_list") or [])
                for r in check_results if not r.success
            }
            if failing:
                details["unexpected_samples"] = failing
            outcome = CheckOutcome(
                name=spec.name, severity=spec.severity, passed=all(r.success for r in check_results),
                description=spec.description, observed_value=float(unexpected), threshold=0.0,
                element_count=element_count, unexpected_count=unexpected,
                window_start=start, window_end=end, details=details,
            )
        outcomes.append(outcome)
    return outcomes


def validate_window(
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    settings: QualitySettings | None = None,
    url: str | None = None,
) -> list[CheckOutcome]:
    """Run the suite on raw.llm_calls for the half-open window [start, end)."""
    settings = settings or get_quality_settings()
    now = now or datetime.now(UTC)
    upper = min(end, now + timedelta(minutes=settings.future_skew_minutes))
    if upper <= start:
        raise ValueError(f"window [{start.isoformat()}, {end.isoformat()}) starts in the future")
    gx = _gx()
    import great_expectations.expectations as gxe

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    control_url = url or database_url()
    datasource = None
    try:
        spark_run_ids = None
        connection_string = _sqlalchemy_url(control_url)
        if get_settings().uses_spark:
            # The calls live in Spark: the same suite through PyHive's SQLAlchemy dialect on the Thrift
            # server, so GX pushes every expectation down to Spark SQL as it does to Postgres.
            host, port = thrift_address()
            connection_string = f"hive://{host}:{port}/default"
            spark_run_ids = ingestion_run_ids(control_url, start, end)
        with warnings.catch_warnings():
            # The generic SQL datasource on purpose: GX's PostgresDatasource refuses the Unix-socket
            # URLs of the embedded Postgres, and it warns that a more specific one exists.
            warnings.simplefilter("ignore")
            datasource = context.data_sources.add_sql("warehouse", connection_string=connection_string)
        rows = _run_suite(context, datasource, "calls",
                          render_window_sql("window_calls.sql", start, end, spark_run_ids=spark_run_ids),
                          _row_expectations(gxe, start, upper))
        summary = _run_suite(context, datasource, "summary",
                             render_window_sql("window_summary.sql", start, end, spark_run_ids=spark_run_ids),
                             _summary_expectations(gxe, settings))
    except QualityCheckError:
        raise
    except Exception as exc:
        # GX and SQLAlchemy errors can embed the connection URL: report the type only.
        raise QualityCheckError(f"the data-quality suite could not run: {type(exc).__name__}") from None
    finally:
        # Close the pool now: left to the interpreter's exit, PyHive's close of a session whose
        # Thrift server has stopped (the demo stops its cluster) prints a traceback per connection.
        if datasource is not None:
            with contextlib.suppress(Exception):
                datasource.get_engine().dispose()
    return _outcomes(list(rows.results) + list(summary.results), start, end, settings)
