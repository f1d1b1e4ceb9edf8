"""The once-and-only-once ledger (alerts.alert_log): record, find what is owed, mark outcomes."""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from alerts.engine import FiredAlert
from alerts.sql_files import sql

_SCHEMA_LOCK = 7_342_101  # arbitrary constant: serialises concurrent first-time DDL


def ensure_schema(conn: psycopg.Connection) -> None:
    with conn.transaction():
        # `create ... if not exists` still races on the catalog when two runs start together.
        conn.execute("select pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        conn.execute(sql("alert_log_schema.sql"))


def _lock_channel(conn: psycopg.Connection, channel: str) -> None:
    """Serialise every writer of one channel's rows until the caller's transaction ends.

    Row locks alone deadlock: one run's upsert (in firing order) and another's `for update` scan
    (in index order) can each hold a row the other wants. Recording and delivering for a channel
    both take this lock first, so the second run waits, then finds nothing owed."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"llmcosts.alerts:{channel}",))


def record(conn: psycopg.Connection, alerts: list[FiredAlert], channel: str) -> None:
    if not alerts:
        return
    _lock_channel(conn, channel)
    with conn.cursor() as cur:
        cur.executemany(
            sql("alert_log_record.sql"),
            [
                {
                    "rule": a.rule,
                    "subject": a.subject,
                    "as_of": a.as_of,
                    "channel": channel,
                    "position": a.position,
                    "message": a.message,
                    "details": Jsonb(list(a.details)),
                    "covered_by": a.covered_by,
                }
                for a in alerts
            ],
        )


def unsent(conn: psycopg.Connection, channel: str) -> list[FiredAlert]:
    """Rows the channel still owes, locked (with the channel, see `_lock_channel`) until the
    caller's transaction ends."""
    _lock_channel(conn, channel)
    rows = conn.execute(sql("alert_log_unsent.sql"), {"channel": channel}).fetchall()
    return [
        FiredAlert(
            rule=rule,
            subject=subject,
            as_of=as_of,
            message=message,
            details=tuple(details or ()),
            position=position,
            covered_by=covered_by,
        )
        for rule, subject, as_of, position, message, details, _attempts, covered_by in rows
    ]


def mark(
    conn: psycopg.Connection,
    alerts: list[FiredAlert],
    channel: str,
    *,
    status: str,
    attempts: int,
    error: str | None,
) -> None:
    conn.execute(
        sql("alert_log_mark.sql"),
        {
            "status": status,
            "attempts": attempts,
            "last_error": error,
            "channel": channel,
            "rules": [a.rule for a in alerts],
            "subjects": [a.subject for a in alerts],
            "as_ofs": [a.as_of for a in alerts],
        },
    )


def count_unsent(conn: psycopg.Connection, channels: list[str]) -> int:
    return int(conn.execute(sql("alert_log_count_unsent.sql"), {"channels": channels}).fetchone()[0])
