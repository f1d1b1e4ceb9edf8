"""Rewrites of raw.llm_calls' month partitions on the lake that are not loads: re-pricing
(`llmcosts reprice`), retention (`llmcosts prune`) and removing one project's calls (the demo's
reset). Each month is rewritten to a new version directory swapped in by the same one-statement
pointer move as a load (ingestion/lake_loader.py), under the month's rewrite lock
(lake.month_lock), so a reader never sees a partition half rewritten and two rewrites of one month
never drop each other's rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingestion import lake
from ingestion.mapping import COLUMNS
from ingestion.pricing.at_load import PRICED_COLUMNS, LoadPrices
from llmcosts_core.settings import Settings
from llmcosts_core.spark import utc_text

log = logging.getLogger(__name__)

# The four columns a re-price may change (as ingestion/sql/price_calls.sql updates them).
_COST_COLUMNS = ("cost_usd", "cost_source", "computed_cost_usd", "price_version")


def _partitions(lake_: lake.Lake) -> list[date]:
    return sorted(date.fromisoformat(spec.split("=", 1)[1])
                  for (spec,) in lake_.run("list_llm_calls_partitions.sql"))


def _as_date(value) -> date:
    # PyHive hands DATE values over as their ISO text
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _rewrite_month(lake_: lake.Lake, month: date,
                   transform: Callable[[pa.RecordBatch], tuple[pa.RecordBatch, int]]) -> int:
    """Rewrite one month through `transform` (batch -> new batch, rows changed); the new version
    is swapped in only when something changed. Returns the rows changed. Hold month_lock."""
    current = lake_.current_version_dir(month)
    if current is None:
        return 0
    version_dir = lake_.new_version_dir(month)
    lake_.fs.create_dir(version_dir, recursive=True)
    changed = 0
    try:
        with pq.ParquetWriter(f"{version_dir}/part-00000.parquet", lake.LLM_CALLS_SCHEMA,
                              filesystem=lake_.fs) as out:
            for batch in lake_.batches(current):
                new_batch, batch_changed = transform(batch)
                out.write_batch(new_batch)
                changed += batch_changed
    except BaseException:
        lake_.fs.delete_dir(version_dir)
        raise
    if not changed:  # nothing to swap: the month stays exactly as it was
        lake_.fs.delete_dir(version_dir)
        return 0
    lake_.point_partition_at(month, version_dir, exists=True)
    lake_.remove_superseded_versions(month, keep=version_dir)
    return changed


def delete_project_calls(conn: psycopg.Connection, settings: Settings, project_id: str) -> int:
    """Rewrite every partition holding `project_id`'s calls without them; rows removed. `conn`:
    the control Postgres (the months' rewrite locks)."""

    def without_project(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, int]:
        matches = pc.fill_null(pc.equal(batch.column("project_id"), project_id), False)
        return batch.filter(pc.invert(matches)), pc.sum(matches).as_py() or 0

    removed = 0
    with lake.open_lake(settings.spark, settings) as lake_:
        lake_.ensure_tables()
        for month in _partitions(lake_):
            with lake.month_lock(conn, month):
                removed += _rewrite_month(lake_, month, without_project)
    return removed


# -- re-pricing -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LakeRepriceResult:
    rows_changed: int
    changed_months: list[date]


def _months_to_reprice(lake_: lake.Lake, prices: LoadPrices, conn: psycopg.Connection,
                       start: datetime, end: datetime) -> list[date]:
    """Months of [start, end) holding a call whose cost the current price version could change: one
    priced with another version, or unpriced while the current version has a price for its model."""
    candidates: set[date] = set()
    for month_value, provider, model, version in lake_.run(
            "llm_calls_price_versions.sql", since=utc_text(start), until=utc_text(end)):
        month = _as_date(month_value)
        if month in candidates:
            continue
        stale = version != prices.price_version if version is not None \
            else prices.has_any_price(conn, provider, model)
        if stale:
            candidates.add(month)
    return sorted(candidates)


def _repricer(prices: LoadPrices, conn: psycopg.Connection, start: datetime,
              end: datetime) -> Callable[[pa.RecordBatch], tuple[pa.RecordBatch, int]]:
    names = (*COLUMNS, *PRICED_COLUMNS)
    cost_positions = [names.index(column) for column in _COST_COLUMNS]

    def reprice_batch(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, int]:
        rows = batch.to_pylist()
        window = [row for row in rows if row["provider"] is not None and row["model"] is not None
                  and start <= row["ts"] < end]
        if not window:
            return batch, 0
        changed = 0
        for row, priced in zip(window, prices.price(conn, [tuple(row[name] for name in COLUMNS) for row in window]),
                               strict=True):
            new = [priced[position] for position in cost_positions]
            if new != [row[column] for column in _COST_COLUMNS]:
                row.update(zip(_COST_COLUMNS, new, strict=True))
                changed += 1
        conn.commit()  # the price look-ups' read transaction
        if not changed:
            return batch, 0
        return pa.RecordBatch.from_pylist(rows, schema=lake.LLM_CALLS_SCHEMA), changed

    return reprice_batch


def reprice_lake(conn: psycopg.Connection, settings: Settings, since: datetime | None, until: datetime | None,
                 price_version: int | None) -> tuple[datetime, datetime, LakeRepriceResult]:
    """Re-price the calls of [since, until) on the lake with `price_version` (the newest), the same
    rules as ingestion/sql/price_calls.sql: a month is rewritten only when a cost in it changes, so
    a second run reads the months' price versions and writes nothing. Returns the window used."""
    with lake.open_lake(settings.spark, settings) as lake_:
        lake_.ensure_tables()
        if since is None or until is None:
            first, last = lake_.run("llm_calls_time_range.sql")[0]
            if first is None:
                now = datetime.now(UTC)
                return since or now, until or now, LakeRepriceResult(0, [])
            since = since or first.replace(tzinfo=UTC)
            until = until or last.replace(tzinfo=UTC) + timedelta(microseconds=1)
        prices = LoadPrices(price_version)
        months = _months_to_reprice(lake_, prices, conn, since, until)
        conn.commit()
        changed_months, total = [], 0
        for month in months:
            with lake.month_lock(conn, month):
                changed = _rewrite_month(lake_, month, _repricer(prices, conn, since, until))
            log.info("re-priced %s on the lake: %s calls changed", month.isoformat(), changed)
            if changed:
                changed_months.append(month)
                total += changed
    return since, until, LakeRepriceResult(total, changed_months)


# -- retention ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LakePruneResult:
    kept: list[date]
    pruned: list[date]


def prune_lake(conn: psycopg.Connection, settings: Settings, cutoff: datetime, *, drop: bool,
               dry_run: bool) -> LakePruneResult:
    """Take the months ending at or before `cutoff` out of raw.llm_calls: dropped (files deleted),
    or archived (their directory moved under `<lake root>/archive/llm_calls/` and registered as a
    partition of archive.llm_calls). Months after the cutoff are never touched."""
    kept, pruned = [], []
    with lake.open_lake(settings.spark, settings) as lake_:
        lake_.ensure_tables()
        for month in _partitions(lake_):
            if datetime(*_next_month(month).timetuple()[:3], tzinfo=UTC) > cutoff:
                kept.append(month)
                continue
            pruned.append(month)
            if dry_run:
                continue
            with lake.month_lock(conn, month):
                _prune_month(lake_, month, drop=drop)
    return LakePruneResult(kept, pruned)


def _prune_month(lake_: lake.Lake, month: date, *, drop: bool) -> None:
    current = lake_.current_version_dir(month)
    # Out of raw.llm_calls first: from here on no reader lists the month's files.
    lake_.run("drop_llm_calls_partition.sql", month=month.isoformat())
    lake_.refresh("raw.llm_calls")
    if drop or current is None:
        lake_.fs.delete_dir(lake_.partition_dir(month))
        log.info("dropped %s from the lake", month.isoformat())
        return
    archived_month_dir = f"{lake_.archive_dir}/ts_month={month.isoformat()}"
    lake_.fs.create_dir(archived_month_dir, recursive=True)
    archived = f"{archived_month_dir}/{current.rsplit('/', 1)[-1]}"
    lake_.fs.move(current, archived)
    lake_.fs.delete_dir(lake_.partition_dir(month))  # with any orphan version of a crashed run
    lake_.run("create_database_archive.sql")
    lake_.run("create_archive_llm_calls_table.sql", location=lake_.location_uri(lake_.archive_dir))
    lake_.run("add_archive_llm_calls_partition.sql", month=month.isoformat(), location=lake_.location_uri(archived))
    log.info("archived %s to archive.llm_calls (%s)", month.isoformat(), archived)


__all__ = ["LakePruneResult", "LakeRepriceResult", "delete_project_calls", "prune_lake", "reprice_lake"]
