"""`llmcosts demo`: the whole pipeline on embedded defaults, against the project's own
Langfuse-compatible server serving seeded synthetic traffic. No accounts, no servers to install.

The demo writes into the same warehouse as a real run (so `make ui` shows it), under its own
Langfuse project id; each demo run first removes the previous demo's rows, so re-running it never
doubles the numbers.
"""

from __future__ import annotations

import contextlib
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from llmcosts_core.settings import get_settings
from llmcosts_core.warehouse import connect

DEMO_PROJECT_ID = "llmcosts-demo"
DEMO_PUBLIC_KEY = "pk-lf-llmcosts-demo"
DEMO_SECRET_KEY = "sk-lf-llmcosts-demo"


def _reset_demo_rows(source_key: str) -> None:
    from ingestion.schema import migrate

    settings = get_settings()
    with connect() as conn:
        migrate(conn)
        conn.commit()
        if settings.uses_spark:
            from ingestion.lake.maintenance import delete_project_calls

            delete_project_calls(conn, settings, DEMO_PROJECT_ID)
        conn.execute("delete from raw.llm_calls where project_id = %s", (DEMO_PROJECT_ID,))
        conn.execute("delete from raw.ingestion_watermarks where source_key = %s", (source_key,))
        conn.commit()


_RAW_TOTALS = """
    select count(*), coalesce(sum(cost_usd), 0), count(*) filter (where cost_source = 'unpriced'),
           (select count(*) from raw.llm_calls_rejects)
    from raw.llm_calls where project_id = %(project)s
"""


def _raw_totals() -> tuple:
    """Calls, cost, unpriced calls and rejects of the demo, from wherever raw calls live (the
    statement is the same SQL on both engines)."""
    settings = get_settings()
    if settings.uses_spark:
        from llmcosts_core.spark import execute, spark_sql

        with spark_sql(settings) as cursor:
            return execute(cursor, _RAW_TOTALS, {"project": DEMO_PROJECT_ID})[0]
    with connect(settings) as conn:
        return conn.execute(_RAW_TOTALS, {"project": DEMO_PROJECT_ID}).fetchone()


def _summary(as_of) -> list[str]:
    lines = []
    count, cost, unpriced, rejects = _raw_totals()
    with connect() as conn:
        lines.append(f"rows in raw.llm_calls: {count:,}  total cost: ${float(cost):,.2f}  "
                     f"unpriced calls: {unpriced:,}  rejects: {rejects:,}")
        top = conn.execute(
            "select feature, cost_7d, cost_30d, share_of_total_30d from marts.feature_costs "
            "order by cost_30d desc limit 10"
        ).fetchall()
    lines.append("")
    lines.append(f"top features (as of {as_of}):")
    lines.append(f"  {'feature':<22} {'7d':>11} {'30d':>11} {'share 30d':>10}")
    for feature, c7, c30, share in top:
        lines.append(f"  {feature:<22} ${float(c7 or 0):>10,.2f} ${float(c30 or 0):>10,.2f} {float(share or 0):>9.1%}")
    return lines


@contextlib.contextmanager
def _demo_usage_source(end: datetime, days: int, calls_per_day: int):
    """Feature usage events matching the synthetic traffic, served by a local Plausible-compatible
    API for the length of the daily job, whose `feature_usage` asset loads them."""
    from ingestion.plausible.demo_usage import (
        demo_plausible_env,
        demo_plausible_server,
        generate_feature_usage,
    )
    from orchestration.lib.environ import patched_environ

    rows = generate_feature_usage(end, days=days, calls_per_day=calls_per_day, seed=7)
    with demo_plausible_server(rows) as plausible, patched_environ(demo_plausible_env(plausible)):
        yield


def run_demo(calls_per_day: int = 1500, days: int = 60, html_path: str | None = None) -> int:
    from ingestion.local_langfuse.workload import generate_observations, write_app_users_csv

    started = time.perf_counter()
    settings = get_settings()
    now = datetime.now(UTC)
    # The workload ends at the top of this hour: re-running the demo within the hour reproduces it.
    end = now.replace(minute=0, second=0, microsecond=0)
    as_of = now.date()
    print(f"llmcosts demo: generating {days} days x ~{calls_per_day} calls/day of synthetic Langfuse traffic ...")
    observations = generate_observations(end, days=days, calls_per_day=calls_per_day, seed=7,
                                         project_id=DEMO_PROJECT_ID)
    demo_dir = settings.data_dir / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    users_csv = demo_dir / "app_users.csv"
    write_app_users_csv(users_csv, seed=7, end=end)

    where = "DATABASE_URL" if settings.database_url else f"embedded Postgres ({settings.pgdata_dir})"
    with _spark_cluster_for_the_demo(settings):
        if settings.uses_spark:
            print(f"warehouse: Spark (raw calls as Parquet under {settings.spark.lake_root}); control state, "
                  f"published marts and the alert log in {where}")
        else:
            print(f"warehouse: {where}")
        return _run_demo_pipeline(settings, observations, users_csv, end, now, as_of, days, calls_per_day,
                                  html_path, started)


@contextlib.contextmanager
def _spark_cluster_for_the_demo(settings):
    """With LLMCOSTS_WAREHOUSE=spark and no cluster of the team's own, the demo runs on the local
    cluster: started here if it is not running, and then stopped again at the end (the published
    marts in Postgres keep serving the report and the dashboards)."""
    if not settings.uses_spark:
        yield
        return
    from llmcosts_core.spark import ensure_local_cluster, local_cluster, local_cluster_running

    started = None
    if settings.spark.uses_local_cluster and not local_cluster_running(settings):
        cluster = local_cluster(settings)
        print(f"starting the local Spark cluster: a master, {cluster.workers} workers and the Thrift server "
              "(about a minute) ...")
        clock = time.perf_counter()
        started = ensure_local_cluster(settings)
        print(f"  Spark is up in {time.perf_counter() - clock:.0f}s (master UI {cluster.master_ui_url})")
    try:
        yield
    finally:
        if started is not None:
            started.stop()
            print("stopped the local Spark cluster (`llmcosts spark start` keeps one running)")


def _run_demo_pipeline(settings, observations, users_csv, end, now, as_of, days, calls_per_day, html_path,
                       started) -> int:
    from ingestion.local_langfuse.server import LocalLangfuseServer
    from llmcosts_core.settings import LangfuseProject, Secret
    from orchestration.lib.runs import dbt_summary, run_daily_job, run_ingest, source_notes, write_report

    with LocalLangfuseServer(observations, public_key=DEMO_PUBLIC_KEY, secret_key=DEMO_SECRET_KEY,
                             project_id=DEMO_PROJECT_ID) as server:
        print(f"local Langfuse-compatible API: {server.base_url} ({len(observations):,} observations)")
        os.environ.update({
            "LANGFUSE_PUBLIC_KEY": DEMO_PUBLIC_KEY,
            "LANGFUSE_SECRET_KEY": DEMO_SECRET_KEY,
            "LANGFUSE_BASE_URL": server.base_url,
            "LLMCOSTS_BACKFILL_DAYS": str(days + 1),
            "LLMCOSTS_APP_USERS_CSV": str(users_csv),
        })
        project = LangfuseProject(DEMO_PUBLIC_KEY, Secret(DEMO_SECRET_KEY), server.base_url)
        _reset_demo_rows(project.source_key)

        print("\n[1/4] ingest: Langfuse v2 observations -> raw.llm_calls (monthly partitions), quality checks")
        checks = {"passed": 0, "failed_warn": 0, "failed_error": 0}
        for summary in run_ingest(now=end + timedelta(seconds=1)):
            print(f"  {summary['month']}: {summary['rows_upserted']:,} rows, {summary['rejects']} rejects, "
                  f"{summary['pages']} pages, ${summary['cost_total_usd']:,.2f} in {summary['duration_s']}s")
            for key, value in summary["checks"].items():
                checks[key] += value

    dry_run = not settings.slack_webhook_url
    print("\n[2/4] build: the daily_warehouse job (app users, product usage from a local Plausible, budgets, "
          "bills, dbt build)")
    print("[3/4] alerts" + (" (dry run: no SLACK_WEBHOOK_URL)" if dry_run else "") + ", in the same job")
    with _demo_usage_source(end, days, calls_per_day):
        usage_window = {"since": (end - timedelta(days=days)).date().isoformat(),
                        "until": (end.date() + timedelta(days=1)).isoformat()}
        result = run_daily_job(as_of=as_of, full_refresh=True, dry_run=dry_run,
                               op_config={"feature_usage": usage_window})
    print(dbt_summary(result))
    for note in source_notes(result):
        print(f"  note: {note}")
    alerts = result.asset_materializations_for_node("slack_alerts")
    if alerts:
        metadata = {key: value.value for key, value in alerts[0].metadata.items()}
        fired = metadata.get("fired") or {}
        counts = ", ".join(f"{rule} {len(subjects)}" for rule, subjects in fired.items()) if isinstance(
            fired, dict) else str(fired)
        print(f"  alerts: fired {counts or 'none'}")

    print("\n[4/4] dashboards")
    report = Path(html_path) if html_path else settings.data_dir / "report.html"
    write_report(report, as_of=as_of)
    print(f"  HTML report: {report}")

    print()
    for line in _summary(as_of):
        print(line)
    print(f"data-quality checks on raw.llm_calls: {checks['passed']} passed, {checks['failed_warn']} warnings, "
          f"{checks['failed_error']} blocking failures (raw.data_quality_results)")
    print(f"\ndone in {time.perf_counter() - started:.0f}s. Next: `make ui` opens the Dagster UI "
          "(http://127.0.0.1:3000) on these assets; `make test` runs the tests.")
    return 0
