"""Partition retention for raw.llm_calls: `llmcosts prune --keep-months N`.

Keeps the N most recent calendar months (the current month counts as one); older month partitions
are detached without blocking readers or writers (DETACH PARTITION ... CONCURRENTLY), then moved to
the `archive` schema, or dropped when asked. Partitions of future months are never touched.
On the Spark warehouse the months are partitions of the lake table (ingestion/lake/maintenance.py):
archived ones move to archive.llm_calls on the lake, dropped ones are deleted.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import psycopg
from psycopg import sql as pgsql

from ingestion.schema import migrate
from ingestion.sql_files import sql
from llmcosts_core.settings import get_settings

log = logging.getLogger(__name__)

_PARTITION_NAME = re.compile(r"^llm_calls_y\d{4}m\d{2}$")


@dataclass
class PruneResult:
    kept: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def retention_cutoff(today: date, keep_months: int) -> datetime:
    """First instant that is kept: the first day of the oldest of the N most recent months."""
    if keep_months < 1:
        raise ValueError("--keep-months must be at least 1 (the current month is always kept)")
    months = today.year * 12 + (today.month - 1) - (keep_months - 1)
    return datetime(months // 12, months % 12 + 1, 1, tzinfo=UTC)


def _statement(name: str, partition: str) -> pgsql.Composed:
    if not _PARTITION_NAME.match(partition):
        raise ValueError(f"refusing to touch unexpected table raw.{partition}")
    return pgsql.SQL(sql(name)).format(partition=pgsql.Identifier(partition))


def _prune_lake(url: str, cutoff: datetime, *, drop: bool, dry_run: bool) -> PruneResult:
    """The Spark warehouse: raw.llm_calls' months are partitions on the lake (ingestion/lake/
    maintenance.py); archived months move to archive.llm_calls there. Names read as on Postgres."""
    from ingestion.lake.maintenance import prune_lake

    with psycopg.connect(url) as conn:
        with conn.transaction():
            migrate(conn)  # the rewrite locks live in the control Postgres
        lake_result = prune_lake(conn, get_settings(), cutoff, drop=drop, dry_run=dry_run)

    def name(month: date) -> str:
        return f"llm_calls ts_month={month.isoformat()}"

    result = PruneResult(kept=[name(month) for month in lake_result.kept])
    (result.dropped if drop else result.archived).extend(name(month) for month in lake_result.pruned)
    return result


def prune(url: str, keep_months: int, *, drop: bool = False, dry_run: bool = False,
          today: date | None = None) -> PruneResult:
    cutoff = retention_cutoff(today or datetime.now(UTC).date(), keep_months)
    if get_settings().uses_spark:
        return _prune_lake(url, cutoff, drop=drop, dry_run=dry_run)
    result = PruneResult()
    # autocommit: DETACH ... CONCURRENTLY refuses to run inside a transaction block.
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            migrate(conn)
        for name, _lower, upper in conn.execute(sql("retention/list_llm_calls_partitions.sql")).fetchall():
            if upper > cutoff:
                result.kept.append(name)
                continue
            if dry_run:
                (result.dropped if drop else result.archived).append(name)
                continue
            log.info("detaching raw.%s (data before %s)", name, cutoff.date())
            conn.execute(_statement("retention/detach_partition.sql", name))
            if drop:
                conn.execute(_statement("retention/drop_partition.sql", name))
                result.dropped.append(name)
            else:
                for statement in sql("retention/archive_partition.sql").split(";"):
                    if statement.strip():
                        conn.execute(pgsql.SQL(statement).format(partition=pgsql.Identifier(name)))
                result.archived.append(name)
    return result
