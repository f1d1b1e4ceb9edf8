"""Which window to pull, and pulling it for every configured Langfuse project.

Windows are half-open, `[start, end)`, UTC. Three modes:
- `full`: the whole month partition (up to now): what a Dagster partition materialization or a
  backfill means.
- `incremental`: from the project's watermark minus the trailing lookback (Langfuse data arrives
  late) up to now, clipped to the month; the first run starts `initial_backfill_days` ago.
- explicit `since`/`until` (the CLI's `llmcosts ingest --since --until`), clipped to the month.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ingestion.lake_loader import load_window_to_lake
from ingestion.langfuse_source import LangfuseSource
from ingestion.loader import WindowResult, load_window, read_watermark
from ingestion.schema import migrate
from llmcosts_core.settings import ConfigError, Settings
from llmcosts_core.warehouse import connect

log = logging.getLogger(__name__)

MODES = ("full", "incremental")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def empty(self) -> bool:
        return self.end <= self.start

    def clip(self, other: Window) -> Window:
        return Window(max(self.start, other.start), min(self.end, other.end))


def month_window(month_start: date) -> Window:
    start = datetime(month_start.year, month_start.month, 1, tzinfo=UTC)
    nxt = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
    return Window(start, nxt)


def incremental_window(
    watermark: datetime | None, now: datetime, lookback: timedelta, initial_backfill: timedelta
) -> Window:
    if watermark is None:
        start = datetime.combine((now - initial_backfill).date(), datetime.min.time(), tzinfo=UTC)
    else:
        start = watermark - lookback
    return Window(start, now)


def plan_window(
    *,
    month: date,
    mode: str,
    now: datetime,
    watermark: datetime | None,
    lookback: timedelta,
    initial_backfill: timedelta,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Window:
    """The window one project pulls for one month partition. Pure: unit-tested on its own."""
    if mode not in MODES:
        raise ConfigError(f"ingest mode must be one of {MODES}, got {mode!r}")
    partition = month_window(month)
    upto = Window(datetime.min.replace(tzinfo=UTC), now)
    if since is not None or until is not None:
        wanted = Window(since or partition.start, until or now)
    elif mode == "full":
        wanted = partition
    else:
        wanted = incremental_window(watermark, now, lookback, initial_backfill)
    return wanted.clip(partition).clip(upto)


def ingest_month(
    settings: Settings,
    month: date,
    *,
    mode: str = "full",
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    run_id: str = "manual",
    progress: Callable[[WindowResult], None] | None = None,
    decode: str = "fast",
) -> list[WindowResult]:
    """Pull one month partition for every configured project. This is the body of the Dagster
    asset `llm_calls`; the CLI reaches it through that asset. With LLMCOSTS_WAREHOUSE=spark the
    calls land on the lake (ingestion/lake_loader.py); the control tables stay in Postgres."""
    if not settings.langfuse_projects:
        raise ConfigError(
            "no Langfuse project configured: set LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and "
            "LANGFUSE_BASE_URL (or run `llmcosts demo` for the local demo server)"
        )
    now = now or datetime.now(UTC)
    results = []
    with connect(settings) as conn:
        migrate(conn)
        conn.commit()
        for project in settings.langfuse_projects:
            window = plan_window(
                month=month,
                mode=mode,
                now=now,
                watermark=read_watermark(conn, project.source_key),
                lookback=timedelta(hours=settings.ingest.lookback_hours),
                initial_backfill=timedelta(days=settings.ingest.initial_backfill_days),
                since=since,
                until=until,
            )
            conn.commit()
            if window.empty:
                log.info("%s: nothing to pull for %s", project.public_key, month.isoformat()[:7])
                continue
            source = LangfuseSource(project, settings.ingest, decode=decode)
            if settings.uses_spark:  # raw.llm_calls is Parquet on the lake; the bookkeeping stays here
                result = load_window_to_lake(conn, source, window.start, window.end, settings=settings,
                                             run_id=run_id, progress=progress)
            else:
                result = load_window(conn, source, window.start, window.end, run_id=run_id, progress=progress)
            results.append(result)
    return results
