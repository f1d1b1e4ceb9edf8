"""Load feature usage into raw.feature_usage, replacing whole days so that re-loads are idempotent.

`load_feature_usage()` is the one entry point the `feature_usage` Dagster asset and the CLI call:
it reads the configured source (Plausible, or a CSV file; see the package docstring), and for the
half-open day window it loads deletes those days and inserts the new counts in one transaction.
A day Plausible reports nothing for is therefore stored as no usage rather than kept stale.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from ingestion.plausible.client import PlausibleClient, QueryStats
from ingestion.plausible.config import CsvUsageConfig, PlausibleConfig, usage_source_from_env
from ingestion.plausible.mapping import EventFeatureMap, UsageRow, aggregate_usage, load_event_map
from ingestion.schema import migrate
from ingestion.sql_files import sql

log = logging.getLogger(__name__)

CSV_COLUMNS = ("day", "feature", "events", "visitors")
_MAX_LISTED_REJECTS = 20


class FeatureUsageCsvError(ValueError):
    """Bad rows in a usage CSV; nothing was loaded. `rejects` lists (row number, reason)."""

    def __init__(self, path: Path, rejects: list[tuple[int, str]]):
        self.rejects = rejects
        listed = "; ".join(f"row {n}: {reason}" for n, reason in rejects[:_MAX_LISTED_REJECTS])
        more = f" (and {len(rejects) - _MAX_LISTED_REJECTS} more)" if len(rejects) > _MAX_LISTED_REJECTS else ""
        super().__init__(f"{len(rejects)} bad row(s) in usage CSV {path}, nothing loaded: {listed}{more}")


@dataclass
class LoadResult:
    source: str  # 'plausible' | 'csv' | 'none'
    start: date | None = None
    end: date | None = None  # exclusive
    rows_loaded: int = 0
    events: int = 0
    unmapped_events: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0

    def metadata(self) -> dict[str, object]:
        return {
            "source": self.source,
            "window": f"[{self.start}, {self.end})" if self.start else "",
            "rows_loaded": self.rows_loaded,
            "events": self.events,
            "unmapped_events": sum(self.unmapped_events.values()),
            "unmapped_names": ", ".join(sorted(self.unmapped_events)[:20]),
            "requests": self.requests,
            "retries": self.retries,
        }


def replace_usage_days(conn: psycopg.Connection, rows: Iterable[UsageRow], start: date, end: date,
                       source: str) -> int:
    """Delete the days [start, end) and insert `rows` (which must lie in them), in one transaction."""
    rows = list(rows)
    outside = [r for r in rows if not start <= r.day < end]
    if outside:
        raise ValueError(f"{len(outside)} usage row(s) outside [{start}, {end}), e.g. {outside[0]}")
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(sql("plausible/delete_feature_usage_days.sql"), {"start_day": start, "end_day": end})
        cursor.executemany(
            sql("plausible/insert_feature_usage.sql"),
            [{"day": r.day, "feature": r.feature, "events": r.events, "visitors": r.visitors, "source": source}
             for r in rows],
        )
    return len(rows)


def plausible_window(conn: psycopg.Connection, config: PlausibleConfig, today: date) -> tuple[date, date]:
    """The days an incremental load re-pulls: from the newest loaded day minus the lookback (or the
    backfill on a first load) through today, whose partial count the next run refreshes."""
    (latest,) = conn.execute(sql("plausible/latest_usage_day.sql"), {"source": "plausible"}).fetchone()
    if latest is None:
        start = today - timedelta(days=config.backfill_days)
    else:
        start = min(latest, today) - timedelta(days=config.lookback_days)
    return start, today + timedelta(days=1)


def load_from_plausible(conn: psycopg.Connection, config: PlausibleConfig, start: date, end: date, *,
                        event_map: EventFeatureMap | None = None,
                        sleep: Callable[[float], None] | None = None) -> LoadResult:
    event_map = event_map or load_event_map(config.event_map_path)
    stats = QueryStats()
    kwargs = {"sleep": sleep} if sleep is not None else {}
    with PlausibleClient(config, **kwargs) as client:
        # Everything is read before the transaction opens: a failed pull leaves the table untouched.
        counts = list(client.daily_counts(start, end, event_map, stats))
    rows, unmapped = aggregate_usage(counts, event_map)
    loaded = replace_usage_days(conn, rows, start, end, "plausible")
    if unmapped:
        log.info("Plausible events mapped to no feature (see the event map): %s", dict(unmapped.most_common(10)))
    return LoadResult("plausible", start, end, loaded, sum(r.events for r in rows), dict(unmapped),
                      stats.requests, stats.retries)


def _count(value: str | None, column: str, required: bool) -> int:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValueError(f"{column} is missing")
        return 0
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a whole number") from None
    if number < 0:
        raise ValueError(f"{column} {number} is negative")
    return number


def read_usage_csv(path: Path) -> list[UsageRow]:
    """Every row of a `day,feature,events,visitors` CSV, checked; all bad rows are reported at once.
    An empty `visitors` counts as 0 (events alone still give cost per use)."""
    if not path.is_file():
        raise FileNotFoundError(f"usage CSV {path} not found (LLMCOSTS_FEATURE_USAGE_CSV)")
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        header = [(name or "").strip() for name in reader.fieldnames or []]
        missing = [c for c in CSV_COLUMNS if c not in header and c != "visitors"]
        if missing:
            raise FeatureUsageCsvError(path, [(0, f"missing column(s) {', '.join(missing)}")])
        rows: list[UsageRow] = []
        rejects: list[tuple[int, str]] = []
        seen: dict[tuple[date, str], int] = {}
        for number, raw in enumerate(reader, start=1):
            record = {(k or "").strip(): v for k, v in raw.items()}
            try:
                try:
                    day = date.fromisoformat((record.get("day") or "").strip())
                except ValueError:
                    raise ValueError(f"day {record.get('day')!r} is not a date YYYY-MM-DD") from None
                feature = (record.get("feature") or "").strip()
                if not feature:
                    raise ValueError("feature is missing")
                if (day, feature) in seen:
                    raise ValueError(f"({day}, {feature}) repeats row {seen[(day, feature)]}")
                events = _count(record.get("events"), "events", required=True)
                visitors = _count(record.get("visitors"), "visitors", required=False)
            except ValueError as exc:
                rejects.append((number, str(exc)))
                continue
            seen[(day, feature)] = number
            rows.append(UsageRow(day, feature, events, visitors))
    if rejects:
        raise FeatureUsageCsvError(path, rejects)
    return rows


def load_from_csv(conn: psycopg.Connection, path: Path) -> LoadResult:
    """Replace the days the file covers (from its first to its last day) with its rows."""
    rows = read_usage_csv(path)
    if not rows:
        return LoadResult("csv")
    start, end = min(r.day for r in rows), max(r.day for r in rows) + timedelta(days=1)
    loaded = replace_usage_days(conn, rows, start, end, "csv")
    return LoadResult("csv", start, end, loaded, sum(r.events for r in rows))


def load_feature_usage(conn: psycopg.Connection, since: date | None = None, until: date | None = None,
                       today: date | None = None, *, sleep: Callable[[float], None] | None = None) -> LoadResult:
    """Load usage from the configured source (read from the environment now).

    Plausible: the half-open days [since, until) when given, else the incremental window of
    `plausible_window`. CSV: the days the file covers. Neither: nothing, source 'none'."""
    if since is not None and until is not None and until <= since:
        raise ValueError(f"until ({until}) must be after since ({since}): the window is [since, until)")
    source = usage_source_from_env()
    if source is None:
        return LoadResult("none")
    migrate(conn)
    conn.commit()
    if isinstance(source, CsvUsageConfig):
        return load_from_csv(conn, source.path)
    event_map = load_event_map(source.event_map_path)  # a bad map fails before any request
    today = today or datetime.now(UTC).date()
    start, end = plausible_window(conn, source, today)
    conn.commit()  # no transaction held open across the HTTP pull; the load opens its own
    start, end = since or start, until or end
    if end <= start:
        raise ValueError(f"empty usage window [{start}, {end})")
    return load_from_plausible(conn, source, start, end, event_map=event_map, sleep=sleep)
