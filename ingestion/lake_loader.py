"""Load one window of one Langfuse project into the lake (LLMCOSTS_WAREHOUSE=spark).

The same pull as ingestion/loader.py (pages from LangfuseSource, ingestion.wire.map_page, the
per-page dedupe, pricing at load, the control-Postgres bookkeeping: run lock, abandoned runs,
ingestion_runs, watermark); only the sink differs. raw.llm_calls is Parquet on the lake,
partitioned by `ts_month`, registered in the Spark metastore (ingestion/lake/__init__.py).

Parquet files cannot be updated in place, so a window is applied per month partition:

1. while pulling, priced rows are appended to a local staging Parquet file per month (memory stays
   at a few pages) and the (observation_id, ts) key of each is kept in a set per month;
2. after the pull, each touched partition is rewritten to a new version directory: its current
   rows streamed batch by batch (pyarrow.dataset), minus those whose key was re-pulled, plus the
   staged rows (newest pull wins, as in sql/merge_llm_calls.sql; a re-pulled row whose content is
   unchanged keeps its ingested_at);
3. one metastore statement points the partition at the new version (a reader sees the old or the
   new files, never half), then older versions are removed (orphans of a crashed run included);
4. only then the watermark advances, in the control Postgres.

Dedupe choice: a Python set of the new rows' keys per month (strings `id \\x1f ts-micros`, about
100 bytes each), turned into an Arrow array for `pyarrow.compute.is_in` against each existing
batch. Only the re-pulled existing rows (at most as many as the new ones) are brought into Python,
to compare them with their new version.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from psycopg.pq import TransactionStatus

from ingestion import lake
from ingestion.langfuse_source import FetchStats, LangfuseSource
from ingestion.loader import (
    _ID,
    _PROJECT,
    _ROW_REPORTED_COST,
    _ROW_TS,
    _RUN_LOCK_NAMESPACE,
    _TS,
    WindowResult,
    _one_row_per_key,
    _record_run,
    covered_fraction,
    mark_abandoned_runs,
    read_watermark,
)
from ingestion.pricing.at_load import LoadPrices
from ingestion.pricing.price_table import ensure_prices
from ingestion.sql_files import sql
from ingestion.wire import map_page
from llmcosts_core.settings import Settings
from llmcosts_core.spark import spark_settings as spark_settings_of

log = logging.getLogger(__name__)

_SEQ = "_seq"  # staging only: the order rows were pulled in, so the newest pull of a key wins


def row_key(observation_id: str, ts: datetime) -> str:
    micros = (ts - lake.EPOCH) // lake.ONE_MICROSECOND
    return f"{observation_id}\x1f{micros}"


def _key_column(table: pa.Table | pa.RecordBatch) -> pa.Array:
    micros = pc.cast(pc.cast(table.column("ts"), pa.int64()), pa.string())
    return pc.binary_join_element_wise(table.column("observation_id"), micros, "\x1f")


class _MonthStage:
    """The priced rows of one month partition pulled by this run, staged to a local Parquet file."""

    def __init__(self, path: Path):
        self.path = path
        self.keys: set[str] = set()
        self.newest_seq_of_repeated: dict[str, int] = {}  # keys pulled twice in this run (rare)
        self._writer = pq.ParquetWriter(path, lake.STAGE_SCHEMA)

    def add(self, rows: list[tuple], first_seq: int) -> None:
        keys = [row_key(row[_ID], row[_TS]) for row in rows]
        for offset, key in enumerate(keys):
            if key in self.keys:
                self.newest_seq_of_repeated[key] = first_seq + offset
            else:
                self.keys.add(key)
        batch = lake.rows_to_batch(rows, lake.STAGE_SCHEMA, extra={_SEQ: range(first_seq, first_seq + len(rows))})
        self._writer.write_batch(batch)

    def close(self) -> None:
        self._writer.close()


def _rewrite_partition(lake_: lake.Lake, month: date, stage: _MonthStage, loaded_at: datetime) -> int:
    """Write the partition's new full content to a new version and swap it in; rows changed."""
    version_dir = lake_.new_version_dir(month)
    lake_.fs.create_dir(version_dir, recursive=True)
    new_keys = pa.array(sorted(stage.keys), pa.string())
    previous: dict[str, tuple[tuple, datetime]] = {}  # re-pulled key -> (compared values, ingested_at)
    current = lake_.current_version_dir(month)
    with pq.ParquetWriter(f"{version_dir}/part-00000.parquet", lake.LLM_CALLS_SCHEMA, filesystem=lake_.fs) as out:
        if current is not None:
            for batch in lake_.batches(current):
                repulled = pc.is_in(_key_column(batch), value_set=new_keys)
                out.write_batch(batch.filter(pc.invert(repulled)))
                for row in batch.filter(repulled).to_pylist():
                    previous[row_key(row["observation_id"], row["ts"])] = (lake.compared(row), row["ingested_at"])
        changed = 0
        for batch in pq.ParquetFile(stage.path).iter_batches(batch_size=lake.BATCH_ROWS):
            kept, ingested_at = [], []
            for index, row in enumerate(batch.to_pylist()):
                key = row_key(row["observation_id"], row["ts"])
                newest = stage.newest_seq_of_repeated.get(key)
                if newest is not None and row[_SEQ] != newest:
                    continue  # an older pull of a key pulled twice in this run
                kept.append(index)
                before = previous.get(key)
                if before is not None and before[0] == lake.compared(row):
                    ingested_at.append(before[1])  # unchanged: keeps its first load time
                else:
                    ingested_at.append(loaded_at)
                    changed += 1
            batch = batch.take(pa.array(kept, pa.int64())).drop_columns([_SEQ])
            batch = batch.append_column("ingested_at", pa.array(ingested_at, lake.TIMESTAMP))
            out.write_batch(pa.RecordBatch.from_arrays(
                [batch.column(name) for name in lake.LLM_CALLS_SCHEMA.names], schema=lake.LLM_CALLS_SCHEMA))
    lake_.point_partition_at(month, version_dir, exists=current is not None)
    lake_.remove_superseded_versions(month, keep=version_dir)
    return changed


def _reject_rows(rejects: list[tuple], source_key: str, run_id: str, first_id: int, rejected_at: datetime) -> list:
    out = []
    for offset, (item, reason) in enumerate(rejects):
        raw = item if isinstance(item, dict) else {"value": item}
        out.append({
            "reject_id": first_id + offset,
            "observation_id": raw.get("id") if isinstance(raw.get("id"), str) else None,
            "project_id": raw.get("projectId") if isinstance(raw.get("projectId"), str) else None,
            "source_key": source_key,
            "reason": reason,
            "raw": lake.json_text(raw),
            "run_id": run_id,
            "rejected_at": rejected_at,
        })
    return out


def load_window_to_lake(
    conn: psycopg.Connection,
    source: LangfuseSource,
    start: datetime,
    end: datetime,
    *,
    settings: Settings,
    run_id: str,
    progress: Callable[[WindowResult], None] | None = None,
    after_page: Callable[[int], None] | None = None,
) -> WindowResult:
    """Pull [start, end) for one project into the lake. `conn` is the control Postgres (prices,
    watermarks, runs). `after_page` is a test hook called after each staged page."""
    ingest = source.settings
    spark_settings = spark_settings_of(settings)
    source_key = source.project.source_key
    result = WindowResult(source_key=source_key, window_start=start, window_end=end)
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise ValueError("load_window_to_lake needs a connection with no open transaction")
    ensure_prices(conn)
    with conn.transaction():
        prices = LoadPrices(conn.execute("select raw.current_price_version()").fetchone()[0])
        result.watermark_before = read_watermark(conn, source_key)
        conn.execute(sql("lock_ingestion_run.sql"), {"namespace": _RUN_LOCK_NAMESPACE, "run_id": run_id})
        mark_abandoned_runs(conn, run_id)
        _record_run(conn, result, run_id, started_at, "running")

    stats = FetchStats()
    stages: dict[date, _MonthStage] = {}
    rejects: list[dict] = []
    seq = 0
    reject_base = int(started_at.timestamp()) * 1_000_000  # unique per run second; see lake.REJECTS
    with tempfile.TemporaryDirectory(prefix="llmcosts-lake-stage-") as staging:
        try:
            for page in source.llm_call_pages(start, end, stats):
                mapped = map_page(page, start, end, feature_keys=ingest.feature_metadata_keys,
                                  max_metadata_bytes=ingest.max_metadata_bytes)
                rows = _one_row_per_key(mapped.rows)
                result.rows_skipped += mapped.skipped
                if rows:
                    newest = max(rows, key=_ROW_TS)
                    if result.newest_call_at is None or newest[_TS] > result.newest_call_at:
                        result.newest_call_at, result.project_id = newest[_TS], newest[_PROJECT]
                    result.cost_usd += sum(filter(None, map(_ROW_REPORTED_COST, rows)), Decimal(0))
                    by_month: dict[date, list[tuple]] = {}
                    for row in prices.price(conn, rows):
                        by_month.setdefault(lake.ts_month(row[_TS]), []).append(row)
                    for month, month_rows in by_month.items():
                        if month not in stages:
                            stages[month] = _MonthStage(Path(staging) / f"{month.isoformat()}.parquet")
                        stages[month].add(month_rows, seq)
                        seq += len(month_rows)
                conn.commit()  # the price look-ups' read transaction: no lock held while pulling
                rejects += _reject_rows(mapped.rejects, source_key, run_id, reject_base + len(rejects),
                                        datetime.now(UTC))
                result.covered_fraction = covered_fraction(
                    getattr(page, "observation_type", None), min(map(_ROW_TS, rows)) if rows else None,
                    start, end, result.covered_fraction)
                result.rows_upserted += len(rows)
                result.rows_rejected += len(mapped.rejects)
                result.pages = stats.pages
                result.retries = stats.retries
                if after_page is not None:
                    after_page(result.pages)
                if progress is not None:
                    progress(result)
            for stage in stages.values():
                stage.close()
            with lake.open_lake(spark_settings, settings) as lake_:
                lake_.ensure_tables()
                if rejects:
                    lake_.append_rejects(rejects, run_id)
                loaded_at = datetime.now(UTC)
                for month in sorted(stages):
                    with lake.month_lock(conn, month):
                        result.rows_changed += _rewrite_partition(lake_, month, stages[month], loaded_at)
                    result.pages_merged = result.pages  # every page lands through a partition rewrite
        except BaseException as exc:
            result.pages, result.retries = stats.pages, stats.retries
            result.duration_s = time.perf_counter() - clock
            if not conn.closed:
                conn.rollback()
                with conn.transaction():
                    _record_run(conn, result, run_id, started_at, "failed", error=f"{type(exc).__name__}: {exc}"[:500])
                    conn.execute(sql("unlock_ingestion_run.sql"), {"namespace": _RUN_LOCK_NAMESPACE, "run_id": run_id})
            raise

    result.pages, result.retries = stats.pages, stats.retries
    with conn.transaction():
        conn.execute(sql("advance_watermark.sql"), {"source_key": source_key, "window_start": start, "window_end": end})
        _record_run(conn, result, run_id, started_at, "succeeded")
        conn.execute(sql("unlock_ingestion_run.sql"), {"namespace": _RUN_LOCK_NAMESPACE, "run_id": run_id})
        result.watermark_after = read_watermark(conn, source_key)
    result.duration_s = time.perf_counter() - clock
    return result
