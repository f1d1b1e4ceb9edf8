"""Run the project's assets from plain Python: what the `llmcosts` CLI calls.

Every command materializes the same Dagster assets the schedules run (never a second
implementation), on the Dagster instance of `DAGSTER_HOME` when set, so CLI runs show in the UI.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from ingestion.loader import read_watermark
from ingestion.pipeline import incremental_window
from ingestion.schema import migrate, month_starts
from llmcosts_core.settings import Settings, get_settings
from llmcosts_core.warehouse import connect

log = logging.getLogger(__name__)


class RunFailed(RuntimeError):
    pass


def _instance() -> dg.DagsterInstance:
    """The Dagster instance of DAGSTER_HOME, by default `<LLMCOSTS_HOME>/dagster`: CLI runs show in
    the UI, and telemetry is off there (the product runs on closed networks)."""
    import os
    from pathlib import Path

    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(get_settings().data_dir / "dagster")
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.get()


def _quiet_loggers(run_config: dict) -> dict:
    # Dagster's console logger prints every engine event at DEBUG; users want progress lines.
    return {**run_config, "loggers": {"console": {"config": {"log_level": "INFO"}}}}


def materialize(
    assets: Sequence,
    *,
    run_config: dict | None = None,
    partition_key: str | None = None,
    selection=None,
    tags: dict | None = None,
) -> dg.ExecuteInProcessResult:
    from orchestration.definitions import defs

    result = dg.materialize(
        list(assets),
        run_config=_quiet_loggers(run_config or {}),
        partition_key=partition_key,
        resources=defs.resources,
        instance=_instance(),
        selection=selection,
        tags=tags,
        raise_on_error=False,
    )
    if not result.success:
        failures = [
            event.event_specific_data.error.message.strip().splitlines()[-1]
            for event in result.all_events
            if event.is_step_failure and event.event_specific_data and event.event_specific_data.error
        ]
        raise RunFailed("; ".join(failures) or "the run failed; see the Dagster UI for the run log")
    return result


# -- ingestion ---------------------------------------------------------------------------------
def months_to_ingest(
    settings: Settings, now: datetime, since: datetime | None, until: datetime | None, full: bool
) -> list[date]:
    """Month partitions an `llmcosts ingest` touches, oldest first."""
    end = until or now
    if since is not None:
        start = since
    else:
        with connect(settings) as conn:
            migrate(conn)
            conn.commit()
            watermarks = [read_watermark(conn, p.source_key) for p in settings.langfuse_projects]
        lookback = timedelta(hours=settings.ingest.lookback_hours)
        backfill = timedelta(days=settings.ingest.initial_backfill_days)
        # The same rule the asset applies per month (ingestion.pipeline), here to find the months.
        starts = [
            incremental_window(None if full else wm, now, lookback, backfill).start for wm in watermarks
        ] or [now]
        start = min(starts)
    return month_starts(start, end)


def run_ingest(
    since: datetime | None = None, until: datetime | None = None, full: bool = False, now: datetime | None = None
) -> list[dict]:
    """Materialize `llm_calls` for every month in the requested (or incremental) window."""
    from orchestration.defs.langfuse.assets import llm_calls

    settings = get_settings()
    now = now or datetime.now(UTC)
    months = months_to_ingest(settings, now, since, until, full)
    mode = "full" if full else "incremental"
    summaries = []
    for month in months:
        config: dict = {"mode": mode}
        if since is not None:
            config["since"] = max(since, datetime(month.year, month.month, 1, tzinfo=UTC)).isoformat()
        if until is not None or since is not None:
            config["until"] = (until or now).isoformat()
        log.info("ingesting %s (%s)", month.isoformat()[:7], mode)
        result = materialize(
            [llm_calls],
            partition_key=month.isoformat(),
            run_config={"ops": {"llm_calls": {"config": config}}},
        )
        materialization = result.asset_materializations_for_node("llm_calls")[0]
        summaries.append({"month": month.isoformat()[:7],
                          **{k: v.value for k, v in materialization.metadata.items() if k != "windows"}})
    return summaries


# -- dbt, alerts, dashboards ----------------------------------------------------------------------
def run_build(as_of: date | None = None, full_refresh: bool = False) -> dg.ExecuteInProcessResult:
    """dbt build of every model, with `as_of` passed as a var."""
    from orchestration.defs.dbt.assets import dbt_run_config, llmcosts_dbt_models

    return materialize(
        [llmcosts_dbt_models],
        run_config=dbt_run_config(as_of.isoformat() if as_of else None, full_refresh=full_refresh),
    )


def run_app_users() -> None:
    from orchestration.defs.app_users.assets import app_users

    materialize([app_users])


def run_budgets_load() -> None:
    """Validate the budgets file and load it into the warehouse (before the dbt build)."""
    from orchestration.defs.budgets.assets import budgets

    materialize([budgets])


def run_throttle_export() -> None:
    """Write the throttle list JSON for applications (after the dbt build)."""
    from orchestration.defs.budgets.assets import budget_throttle_list_export

    materialize([budget_throttle_list_export])


def run_alerts(as_of: date | None = None, dry_run: bool = False) -> str:
    from orchestration.defs.alerts.assets import slack_alerts

    config: dict = {"dry_run": dry_run}
    if as_of:
        config["as_of"] = as_of.isoformat()
    result = materialize([slack_alerts], run_config={"ops": {"slack_alerts": {"config": config}}})
    metadata = result.asset_materializations_for_node("slack_alerts")[0].metadata
    lines = []
    for key, value in metadata.items():
        if key == "message":  # the post itself, already printed by a dry run (and posted otherwise)
            continue
        if key == "fired" and isinstance(value.value, dict):
            # Subjects can number in the hundreds (per-user budgets): counts here, details in the post.
            counts = ", ".join(f"{rule} {len(subjects)}" for rule, subjects in value.value.items()) or "none"
            lines.append(f"fired: {counts}")
            continue
        lines.append(f"{key}: {value.value}")
    return "\n".join(lines)


def run_metabase_sync() -> str:
    from orchestration.defs.metabase.assets import metabase_dashboards

    result = materialize([metabase_dashboards])
    metadata = result.asset_materializations_for_node("metabase_dashboards")[0].metadata
    return "\n".join(f"{key}: {value.value}" for key, value in metadata.items())


def write_report(path, as_of: date | None = None):
    from metabase.report import write_html_report

    with connect() as conn:
        return write_html_report(path, conn, as_of=as_of)


def run_daily(as_of: date | None = None) -> list[str]:
    """The daily pipeline: ingest (incremental), app users when configured, dbt build, alerts,
    and the Metabase sync when METABASE_URL is set."""
    import os

    lines = []
    summaries = run_ingest()
    lines.append(
        "ingested: "
        + ", ".join(f"{s['month']}: {s['rows_upserted']} rows, {s['rejects']} rejects" for s in summaries)
    )
    if os.environ.get("LLMCOSTS_APP_USERS_CSV") or os.environ.get("LLMCOSTS_APP_USERS_SQL"):
        run_app_users()
        lines.append("app users loaded")
    if os.environ.get("PLAUSIBLE_API_KEY") or os.environ.get("LLMCOSTS_FEATURE_USAGE_CSV"):
        from orchestration.cli_plausible import run_feature_usage

        run_feature_usage()
        lines.append("feature usage loaded")
    run_budgets_load()
    run_build(as_of=as_of)
    lines.append(f"dbt build done (as_of {as_of or 'today'})")
    run_throttle_export()
    lines.append(run_alerts(as_of=as_of))
    if get_settings().metabase_url:
        lines.append(run_metabase_sync())
    return lines
