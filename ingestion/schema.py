"""Versioned, idempotent migrations for the raw schema that ingestion owns.

dbt cannot create declarative partitions, so `raw.llm_calls` and its partitions are created here;
dbt owns everything downstream. Each file in `sql/migrations/` is applied once, in name order,
under an advisory lock so that concurrent runs (a schedule and a CLI run) never race.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime

import psycopg

from ingestion.sql_files import SQL_DIR, sql

log = logging.getLogger(__name__)

MIGRATIONS_DIR = SQL_DIR / "migrations"
_MIGRATION_LOCK = 7_342_001  # arbitrary, constant: the advisory lock id for migrations


class MigrationError(RuntimeError):
    pass


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply pending migrations; return the versions applied now (empty when up to date)."""
    applied_now: list[str] = []
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(sql("schema_migrations.sql"))
        done = {
            version: checksum
            for version, checksum in conn.execute("select version, checksum from raw.schema_migrations")
        }
        for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
            text = path.read_text()
            checksum = hashlib.sha256(text.encode()).hexdigest()
            version = path.stem
            if version in done:
                if done[version] != checksum:
                    # An applied migration edited in place would silently diverge between
                    # warehouses: refuse, and ask for a new migration instead.
                    raise MigrationError(
                        f"migration {path.name} changed after it was applied; add a new migration instead"
                    )
                continue
            log.info("applying migration %s", path.name)
            conn.execute(text)
            conn.execute(
                "insert into raw.schema_migrations (version, checksum) values (%s, %s)", (version, checksum)
            )
            applied_now.append(version)
    return applied_now


def month_starts(start: datetime, end: datetime) -> list[date]:
    """First days of every month touched by the half-open window [start, end), UTC."""
    if end <= start:
        return []
    months = []
    current = date(start.year, start.month, 1)
    while True:
        months.append(current)
        current = date(current.year + (current.month // 12), current.month % 12 + 1, 1)
        if datetime(current.year, current.month, 1, tzinfo=end.tzinfo) >= end:
            break
    return months


def ensure_partitions(conn: psycopg.Connection, start: datetime, end: datetime) -> list[str]:
    """Create the monthly partitions for [start, end) and for the month after `end`'s month, so
    the next month's first rows never find their partition missing."""
    months = month_starts(start, end)
    if months:
        last = months[-1]
        months.append(date(last.year + (last.month // 12), last.month % 12 + 1, 1))
    names = []
    for month in months:
        row = conn.execute(sql("ensure_month_partition.sql"), {"month_start": month}).fetchone()
        names.append(row[0])
    return names
