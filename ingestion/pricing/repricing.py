"""Compute the price-table cost and the effective cost of raw.llm_calls, window by window.

`price_window` is one set-based UPDATE (`ingestion/sql/price_calls.sql`) over a half-open window:
the loader runs it once after each window it loads, `reprice` runs it over history month by month
(one month per transaction keeps locks and WAL bounded) after the prices or the overrides changed.
Both are idempotent: a second run finds nothing to change and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg

from ingestion.schema import month_starts
from ingestion.sql_files import sql
from llmcosts_core.settings import get_settings


@dataclass(frozen=True)
class RepriceResult:
    since: datetime
    until: datetime
    price_version: int | None
    rows_changed: int
    # the half-open UTC day range [first, end) of the months where a cost changed: what the
    # incremental daily fact must rebuild (None when nothing changed)
    changed_days: tuple[date, date] | None


def price_window(conn: psycopg.Connection, start: datetime, end: datetime) -> int:
    """Price the calls of [start, end) with the newest price version; return the rows changed.
    Runs inside the caller's transaction."""
    if end <= start:
        return 0
    cur = conn.execute(sql("price_calls.sql"), {"window_start": start, "window_end": end})
    return max(cur.rowcount, 0)


def _bounds(conn: psycopg.Connection, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime] | None:
    row = conn.execute("select min(ts), max(ts) from raw.llm_calls").fetchone()
    if row is None or row[0] is None:
        return None
    start = since or row[0]
    end = until or datetime.fromtimestamp(row[1].timestamp() + 1, tz=UTC)
    return (start, end) if end > start else None


def _next_month_start(month: date) -> datetime:
    return datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)


def _changed_days(start: datetime, end: datetime, months: list[date]) -> tuple[date, date] | None:
    """The UTC days [first, end) of the changed months, clipped to the window [start, end): what
    the incremental daily fact must rebuild."""
    if not months:
        return None
    first = max(start, datetime(months[0].year, months[0].month, 1, tzinfo=UTC))
    last = min(end, _next_month_start(months[-1])).astimezone(UTC)
    end_day = last.date() if last.time() == datetime.min.time() else last.date() + timedelta(days=1)
    return first.astimezone(UTC).date(), end_day


def _reprice_lake(conn: psycopg.Connection, since: datetime | None, until: datetime | None) -> RepriceResult:
    """The Spark warehouse: raw calls are Parquet on the lake; each month whose costs change is
    rewritten and swapped in whole (ingestion/lake/maintenance.py), with the same pricing rules."""
    from ingestion.lake.maintenance import reprice_lake

    version = conn.execute("select raw.current_price_version()").fetchone()[0]
    conn.commit()
    start, end, result = reprice_lake(conn, get_settings(), since, until, version)
    return RepriceResult(start, end, version, result.rows_changed, _changed_days(start, end, result.changed_months))


def reprice(
    conn: psycopg.Connection, since: datetime | None = None, until: datetime | None = None
) -> RepriceResult:
    """Re-price [since, until) (default: all history) with the newest price version. Commits
    once per month; returns the days whose costs changed."""
    if get_settings().uses_spark:
        return _reprice_lake(conn, since, until)
    bounds = _bounds(conn, since, until)
    version = conn.execute("select raw.current_price_version()").fetchone()[0]
    conn.commit()
    if bounds is None:
        now = datetime.now(UTC)
        return RepriceResult(since or now, until or now, version, 0, None)
    start, end = bounds
    changed = 0
    changed_months: list[date] = []
    for month in month_starts(start, end):
        month_start = datetime(month.year, month.month, 1, tzinfo=UTC)
        window = (max(start, month_start), min(end, _next_month_start(month)))
        with conn.transaction():
            rows = price_window(conn, *window)
        if rows:
            changed += rows
            changed_months.append(month)
    return RepriceResult(start, end, version, changed, _changed_days(start, end, changed_months))
