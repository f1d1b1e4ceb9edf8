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
from ingestion.sql_files import sql
from llmcosts_core.settings import ConfigError, Settings, get_settings
from llmcosts_core.warehouse import connect
from orchestration.lib.failures import RunFailed, classify

__all__ = ["RunFailed", "materialize", "run_job"]

log = logging.getLogger(__name__)


VERBOSE = False  # set by the CLI's --verbose: Dagster's console log in full, dbt's output too


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
        # No telemetry script, and no "join the community" pop-up (it posts to dagster.io) in the UI.
        config.write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    return dg.DagsterInstance.get()


def _console_logging(run_config: dict) -> dict:
    """Dagster's console logger prints every event, and a failure's stack trace, which the CLI
    prints itself as one line (the trace under --verbose). Every event stays in the run log."""
    level = "DEBUG" if VERBOSE else "CRITICAL"
    return {**run_config, "loggers": {"console": {"config": {"log_level": level}}}}


def _execute(job: dg.JobDefinition, *, run_config: dict | None, partition_key: str | None,
             tags: dict | None) -> dg.ExecuteInProcessResult:
    from dagster._core.utils import make_new_run_id

    run_id = make_new_run_id()
    try:
        return job.execute_in_process(
            run_config=_console_logging(run_config or {}),
            instance=_instance(),
            partition_key=partition_key,
            tags=tags,
            run_id=run_id,
            raise_on_error=True,
        )
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise RunFailed(classify(exc, run_id), exc) from exc


def run_job(name: str, *, run_config: dict | None = None, partition_key: str | None = None,
            tags: dict | None = None) -> dg.ExecuteInProcessResult:
    """Run one of the jobs of `orchestration.definitions` (the same the schedules run), checks included."""
    from orchestration.definitions import defs

    return _execute(defs.resolve_job_def(name), run_config=run_config, partition_key=partition_key, tags=tags)


def materialize(
    assets: Sequence,
    *,
    run_config: dict | None = None,
    partition_key: str | None = None,
    selection=None,
    tags: dict | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialize a few assets (a domain command: `usage load`, `bills load`), with the asset
    checks that target them and the project's resources."""
    from orchestration.definitions import defs

    keys = {key for asset in assets for key in asset.keys}
    checks = [c for c in defs.asset_checks or [] if any(spec.asset_key in keys for spec in c.check_specs)]
    adhoc = dg.Definitions(assets=list(assets), asset_checks=checks, resources=defs.resources)
    job = adhoc.resolve_implicit_global_asset_job_def()
    if selection is not None:
        job = job.get_subset(asset_selection=set(dg.AssetSelection.from_coercible(selection).resolve(
            adhoc.resolve_asset_graph())))
    return _execute(job, run_config=run_config, partition_key=partition_key, tags=tags)


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
    """Run the ingestion job (`llm_calls` and its quality checks, as the hourly schedule does) for
    every month in the requested (or incremental) window."""
    from orchestration.lib import progress

    settings = get_settings()
    now = now or datetime.now(UTC)
    months = months_to_ingest(settings, now, since, until, full)
    mode = "full" if full else "incremental"
    summaries = []
    for number, month in enumerate(months, start=1):
        config: dict = {"mode": mode}
        if since is not None:
            config["since"] = max(since, datetime(month.year, month.month, 1, tzinfo=UTC)).isoformat()
        if until is not None or since is not None:
            config["until"] = (until or now).isoformat()
        label = month.isoformat()[:7]
        if not progress.start(label, f"ingest {label} (month {number} of {len(months)})", total=1.0):
            log.info("ingesting %s (%s), month %d of %d", label, mode, number, len(months))
        result = run_job("ingest_llm_calls", partition_key=month.isoformat(),
                         run_config={"ops": {"llm_calls": {"config": config}}})
        materialization = result.asset_materializations_for_node("llm_calls")[0]
        summary = {"month": label, **{k: v.value for k, v in materialization.metadata.items() if k != "windows"}}
        summary["checks"] = check_outcomes(result)
        progress.finish(label, f"{summary['rows_upserted']:,} rows, {summary['rejects']} rejects")
        summaries.append(summary)
    return summaries


def check_outcomes(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    """How many asset checks of a run passed and failed (by severity): the run summary's line."""
    counts = {"passed": 0, "failed_warn": 0, "failed_error": 0}
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            counts["passed"] += 1
        elif evaluation.severity == dg.AssetCheckSeverity.ERROR:
            counts["failed_error"] += 1
        else:
            counts["failed_warn"] += 1
    return counts


# -- the warehouse jobs (orchestration/lib/daily.py) ----------------------------------------------
def newest_call_at(settings: Settings | None = None) -> datetime | None:
    """The newest call ingestion has recorded (raw.ingestion_runs: no scan of the calls)."""
    with connect(settings) as conn:
        migrate(conn)
        conn.commit()
        return conn.execute(sql("newest_ingested_call.sql")).fetchone()[0]


def check_as_of(as_of: date | None, strict: bool = False) -> str | None:
    """A build's windows end at `as_of` (exclusive). After the newest ingested call they would
    describe days with no data yet: a warning that names the newest call, an error with --strict."""
    if as_of is None:
        return None
    newest = newest_call_at()
    if newest is not None and as_of <= (newest.astimezone(UTC).date() + timedelta(days=1)):
        return None
    newest_text = newest.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if newest else "none ingested yet"
    message = (f"--as-of {as_of} is after the newest ingested call ({newest_text}): the windows would "
               "cover days with no data; ingest first, or pass an earlier --as-of")
    if strict:
        raise ConfigError(message)
    return message


def _warehouse_run_config(as_of: date | None, full_refresh: bool, dry_run: bool | None = None,
                          with_alerts: bool = False) -> dict:
    from orchestration.defs.dbt.assets import dbt_run_config

    config = dbt_run_config(as_of.isoformat() if as_of else None, full_refresh=full_refresh)
    if with_alerts:
        alerts: dict = {}
        if as_of:
            alerts["as_of"] = as_of.isoformat()
        if dry_run is not None:
            alerts["dry_run"] = dry_run
        config["ops"]["slack_alerts"] = {"config": alerts}
    return config


def source_notes(result: dg.ExecuteInProcessResult) -> list[str]:
    """One line per source that loaded nothing because it is not configured, naming the marts that
    stay empty and the variable that fills them: an empty mart is never silent."""
    notes = []
    metadata = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        metadata[materialization.asset_key.to_user_string()] = {k: v.value for k, v in materialization.metadata.items()}
    if metadata.get("app_users", {}).get("configured") is False:
        notes.append("app users: not configured (LLMCOSTS_APP_USERS_CSV or LLMCOSTS_APP_USERS_SQL); "
                     "the cohort marts (per plan, per signup cohort) are empty and users fall to the default tier")
    if metadata.get("feature_usage", {}).get("source") == "none":
        notes.append("product usage: not configured (PLAUSIBLE_API_KEY + PLAUSIBLE_SITE_ID, or "
                     "LLMCOSTS_FEATURE_USAGE_CSV); cost per feature use falls back to counting calls")
    bills = metadata.get("provider_bills")
    if bills is not None and not bills.get("files_loaded") and not bills.get("files_already_loaded"):
        notes.append(f"provider bills: no bill files in {bills.get('bills_dir')} (LLMCOSTS_BILLS_DIR); "
                     "the billing reconciliation marts are empty")
    budgets = metadata.get("budgets")
    if budgets is not None and not budgets.get("budgets_loaded"):
        notes.append(f"budgets: {budgets.get('path')} declares no budget; the budget marts are empty")
    return notes


def dbt_summary(result: dg.ExecuteInProcessResult) -> str:
    """dbt's output in one line per stage (models built per layer, tests passed/failed); every
    failing test in full on the lines after. `--verbose` shows dbt's own output."""
    layers: dict[str, int] = {}
    for event in result.get_asset_materialization_events():
        path = event.event_specific_data.materialization.asset_key.path
        if len(path) > 1 and path[0] in ("staging", "intermediate", "marts"):
            layers[path[0]] = layers.get(path[0], 0) + 1
    evaluations = [e for e in result.get_asset_check_evaluations()
                   if len(e.asset_key.path) > 1 and e.asset_key.path[0] in ("staging", "intermediate", "marts")]
    failed = [e for e in evaluations if not e.passed]
    built = ", ".join(f"{layer} {count}" for layer, count in sorted(layers.items(), key=lambda kv: len(kv[0])))
    lines = [f"dbt build: models built: {built or 'none'}; tests: {len(evaluations) - len(failed)} passed, "
             f"{len(failed)} failed"]
    for evaluation in failed:
        lines.append(f"  failed test {evaluation.check_name} on {evaluation.asset_key.to_user_string()} "
                     f"({evaluation.severity.value})")
    return "\n".join(lines)


def run_build(as_of: date | None = None, full_refresh: bool = False) -> dg.ExecuteInProcessResult:
    """The `build_warehouse` job: every configured source upstream of the marts, then dbt build."""
    return run_job("build_warehouse", run_config=_warehouse_run_config(as_of, full_refresh))


def run_daily_job(as_of: date | None = None, full_refresh: bool = False, dry_run: bool | None = None,
                  op_config: dict | None = None) -> dg.ExecuteInProcessResult:
    """The `daily_warehouse` job (what the 08:00 schedule runs); `op_config` adds the config of
    other ops (the demo's usage window)."""
    run_config = _warehouse_run_config(as_of, full_refresh, dry_run=dry_run, with_alerts=True)
    for op, config in (op_config or {}).items():
        run_config["ops"][op] = {"config": config}
    return run_job("daily_warehouse", run_config=run_config)


def alerts_summary(metadata: dict) -> str:
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


def run_alerts(as_of: date | None = None, dry_run: bool = False) -> str:
    from orchestration.defs.alerts.assets import slack_alerts

    config: dict = {"dry_run": dry_run}
    if as_of:
        config["as_of"] = as_of.isoformat()
    result = materialize([slack_alerts], run_config={"ops": {"slack_alerts": {"config": config}}})
    return alerts_summary(result.asset_materializations_for_node("slack_alerts")[0].metadata)


def run_metabase_sync() -> str:
    from orchestration.defs.metabase.assets import metabase_dashboards

    result = materialize([metabase_dashboards])
    metadata = result.asset_materializations_for_node("metabase_dashboards")[0].metadata
    return "\n".join(f"{key}: {value.value}" for key, value in metadata.items())


def write_report(path, as_of: date | None = None):
    from metabase.report import write_html_report

    with connect() as conn:
        return write_html_report(path, conn, as_of=as_of)


def ingest_summary_line(summaries: list[dict]) -> str:
    parts = []
    for s in summaries:
        checks = s.get("checks") or {}
        failed = checks.get("failed_error", 0) + checks.get("failed_warn", 0)
        parts.append(f"{s['month']}: {s['rows_upserted']:,} rows, {s['rejects']} rejects, "
                     f"checks {checks.get('passed', 0)} passed / {failed} failed")
    return "ingested: " + ("; ".join(parts) or "nothing to pull")


def run_daily(as_of: date | None = None) -> list[str]:
    """The daily pipeline: the ingestion job for the incremental window, then the daily_warehouse
    job (sources, dbt build, throttle list, alerts, Metabase) exactly as the schedule runs it."""
    lines = [ingest_summary_line(run_ingest())]
    result = run_daily_job(as_of=as_of)
    lines.append(f"dbt build done (as_of {as_of or 'today'})")
    lines.extend(f"note: {note}" for note in source_notes(result))
    materializations = result.asset_materializations_for_node("slack_alerts")
    if materializations:
        lines.append(alerts_summary(materializations[0].metadata))
    metabase = result.asset_materializations_for_node("metabase_dashboards")
    if metabase:
        lines.append("metabase: " + ", ".join(f"{k} {v.value}" for k, v in metabase[0].metadata.items()))
    return lines
