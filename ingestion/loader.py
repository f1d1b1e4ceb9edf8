"""Load one window of one Langfuse project into raw.llm_calls.

Page by page: map the observations (ingestion/wire.py), price them (ingestion/pricing/at_load.py:
computed_cost_usd from raw.model_prices, the effective cost_usd / cost_source), COPY them straight
into raw.llm_calls or, when the page meets calls already stored, into a temp staging table to upsert
(`sql/merge_llm_calls.sql`), record rejects, commit. Memory stays flat whatever the window's size: only
a few pages are ever held. The watermark moves in the same transaction as the run's final
bookkeeping, after every page is committed, so a crash never advances it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import queue
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from operator import itemgetter

import orjson
import psycopg
from psycopg import postgres
from psycopg.adapt import Dumper
from psycopg.conninfo import make_conninfo
from psycopg.pq import Format, TransactionStatus

from ingestion.langfuse_source import FetchStats, LangfuseSource
from ingestion.mapping import COLUMN_INDEX, COLUMN_TYPES, COLUMNS, LLM_OBSERVATION_TYPES
from ingestion.pricing.at_load import PRICED_COLUMN_TYPES, PRICED_COLUMNS, LoadPrices
from ingestion.pricing.price_table import ensure_prices
from ingestion.schema import ensure_partitions
from ingestion.sql_files import sql
from ingestion.wire import map_page

log = logging.getLogger(__name__)

# A page is written priced (ingestion/pricing/at_load.py): the mapped columns, then the price
# table's figures. The same rows go to raw.llm_calls directly, or to the staging table for the merge.
_COPY_COLUMNS = ", ".join((*COLUMNS, *PRICED_COLUMNS))
_COPY_COLUMN_TYPES = (*COLUMN_TYPES, *PRICED_COLUMN_TYPES)


class PreEncodedJsonb(Dumper):
    """Binary jsonb from JSON the mapping already encoded (bytes): the version byte, then the
    text. psycopg's own jsonb dumper would encode it again, storing a JSON *string* instead of the
    object. Registered by oid on the COPY cursor only, so nothing else on the connection changes."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: bytes) -> bytes:
        return b"\x01" + obj


_ARRAY_HEADER = struct.Struct(">iiiii").pack  # ndim, has-nulls flag, element oid, length, lower bound
_ELEMENT_LENGTH = struct.Struct(">i").pack
_TEXT_OID = postgres.types["text"].oid


class TagsArrayDumper(Dumper):
    """Binary text[] for the tags (a list of str, never NULL elements): psycopg's generic list
    dumper is written in Python and inspects every list for nesting and element types (measured per
    row through write_row: 2.7 us with it, 1.4 with this). Registered by oid on the COPY cursor only,
    like the jsonb one."""

    format = Format.BINARY
    oid = postgres.types["text"].array_oid
    _EMPTY = struct.pack(">iii", 0, 0, _TEXT_OID)  # no dimensions: an empty array

    def dump(self, obj: list[str]) -> bytes:
        if not obj:
            return self._EMPTY
        parts = [_ARRAY_HEADER(1, 0, _TEXT_OID, len(obj), 1)]
        for item in obj:
            encoded = item.encode()
            parts.append(_ELEMENT_LENGTH(len(encoded)))
            parts.append(encoded)
        return b"".join(parts)


@dataclass
class WindowResult:
    source_key: str
    window_start: datetime
    window_end: datetime
    rows_upserted: int = 0
    rows_changed: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    pages: int = 0
    pages_merged: int = 0  # pages upserted through the staging table; the others were COPYed straight in
    retries: int = 0
    cost_usd: Decimal = Decimal(0)
    duration_s: float = 0.0
    watermark_before: datetime | None = None
    watermark_after: datetime | None = None
    # What the freshness card and check read (raw.ingestion_runs), so they never scan the calls.
    project_id: str | None = None
    newest_call_at: datetime | None = None
    # Share of the window's time already pulled, over every per-type pass (pages come newest first):
    # what a progress bar can show for a window whose number of calls nobody knows in advance.
    covered_fraction: float = 0.0

    def as_metadata(self) -> dict:
        data = asdict(self)
        data["cost_usd"] = float(self.cost_usd)
        for key in ("window_start", "window_end", "watermark_before", "watermark_after", "newest_call_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def read_watermark(conn: psycopg.Connection, source_key: str) -> datetime | None:
    row = conn.execute(sql("read_watermark.sql"), {"source_key": source_key}).fetchone()
    return row[0] if row else None


# First key of the two-key advisory locks that mark a live ingestion run ('llmc').
_RUN_LOCK_NAMESPACE = 0x6C6C6D63


def mark_abandoned_runs(conn: psycopg.Connection, run_id: str) -> list[str]:
    """Mark 'abandoned' every run still 'running' whose session lock nobody holds (its process
    died), and return their ids. A live run holds its lock, so it is never touched."""
    abandoned = []
    for (other,) in conn.execute(sql("running_ingestion_runs.sql"), {"run_id": run_id}).fetchall():
        params = {"namespace": _RUN_LOCK_NAMESPACE, "run_id": other}
        if conn.execute(sql("claim_ingestion_run_lock.sql"), params).fetchone()[0]:
            conn.execute(sql("mark_ingestion_run_abandoned.sql"), {**params, "noticed_by": run_id})
            conn.execute(sql("unlock_ingestion_run.sql"), params)
            abandoned.append(other)
    if abandoned:
        log.warning("marked %d ingestion run(s) abandoned (their process died): %s", len(abandoned),
                    ", ".join(abandoned))
    return abandoned


def _record_run(conn, result: WindowResult, run_id: str, started_at: datetime, status: str, error=None):
    conn.execute(
        sql("record_ingestion_run.sql"),
        {
            "run_id": run_id,
            "source_key": result.source_key,
            "window_start": result.window_start,
            "window_end": result.window_end,
            "started_at": started_at,
            "finished_at": None if status == "running" else datetime.now(UTC),
            "status": status,
            "rows_upserted": result.rows_upserted,
            "rows_rejected": result.rows_rejected,
            "rows_skipped": result.rows_skipped,
            "pages": result.pages,
            "retries": result.retries,
            "error": error,
            "project_id": result.project_id,
            "newest_call_at": result.newest_call_at,
        },
    )


_ID, _TS, _PROJECT = (COLUMN_INDEX[name] for name in ("observation_id", "ts", "project_id"))
_ROW_ID, _ROW_TS = itemgetter(_ID), itemgetter(_TS)
_ROW_KEY = itemgetter(_ID, _TS)
_ROW_REPORTED_COST = itemgetter(COLUMN_INDEX["cost_usd"])  # before pricing: what Langfuse reported
_PASSES = sorted(LLM_OBSERVATION_TYPES)  # the order LangfuseSource.llm_call_pages pulls them in


def covered_fraction(page_type: str | None, oldest: datetime | None, start: datetime, end: datetime,
                     previous: float) -> float:
    """How much of the window's pulling is done after a page reaching back to `oldest`. Pure."""
    index = _PASSES.index(page_type) if page_type in _PASSES else 0
    span = (end - start).total_seconds()
    within = 0.0 if oldest is None or span <= 0 else min(max((end - oldest).total_seconds() / span, 0.0), 1.0)
    return max(previous, (index + within) / len(_PASSES))


def _one_row_per_key(rows: list[tuple]) -> list[tuple]:
    """The last row of each (observation_id, ts) in a page. Langfuse can serve an observation twice
    (its ClickHouse tables deduplicate lazily), and the merge's upsert may touch a row only once."""
    if len(set(map(_ROW_ID, rows))) == len(rows):
        return rows  # the usual page: no id twice (a set of the ids is cheaper than one of key pairs)
    return list({_ROW_KEY(row): row for row in rows}.values())


class _PageWriter:
    """Writes mapped pages (price, COPY, merge, rejects, commit) on writer threads, one per
    connection, so Postgres works on earlier pages while this process decodes the next one. Pages
    are disjoint slices of the window, so two connections can write two pages at once: a writer's
    turn is mostly waiting (on Postgres, then on the GIL to issue its next statement), and with one
    writer that wait was the load's critical path. The queue is short: memory stays at a few pages.
    Each connection belongs to its thread until `close()` or `abort()` returns.

    A page of calls the table does not hold yet (a first load, a backfill, the new end of a window)
    is COPYed straight into raw.llm_calls, already priced: half of Postgres's work per call compared
    with staging it and merging it (measured: the staging COPY, the join and the conflict checks).
    The first page that meets a call already there (a re-pull of the trailing window, a run after a
    crash) rolls back to its savepoint and is merged instead (sql/merge_llm_calls.sql), and so is
    every later page of the load: pages come newest first, so once one overlaps the table the older
    ones will too."""

    def __init__(self, conns: list[psycopg.Connection], source_key: str, run_id: str, prices: LoadPrices,
                 after_page: Callable[[int], None] | None):
        self.source_key, self.run_id, self.after_page = source_key, run_id, after_page
        self.prices = prices
        self.rows_changed = 0
        self.pages_merged = 0
        self._rows_may_exist = False
        self._queue: queue.Queue = queue.Queue(maxsize=2 * len(conns))
        self._lock = threading.Lock()
        self._pages_written = 0
        self._error: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._run, args=(conn,), name=f"llm-calls-writer-{i}", daemon=True)
            for i, conn in enumerate(conns)
        ]
        for thread in self._threads:
            thread.start()

    def put(self, rows: list[tuple], rejects: list[tuple]) -> None:
        self._hand_over((rows, rejects))

    def close(self) -> None:
        for _ in self._threads:
            self._hand_over(None)
        for thread in self._threads:
            thread.join()
        if self._error is not None:
            raise self._error

    def _hand_over(self, item) -> None:
        # Never block on a full queue once a writer has died: its error is raised instead (the
        # end-of-window markers included, or a failed merge on the last pages would hang the load).
        while True:
            if self._error is not None:
                raise self._error
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def abort(self) -> None:
        # Stop markers for every writer still running; drain first so they fit in the queue.
        alive = [thread for thread in self._threads if thread.is_alive()]
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        for _ in alive:
            self._queue.put(None)
        for thread in alive:
            thread.join()

    def _run(self, conn: psycopg.Connection) -> None:
        try:
            while (item := self._queue.get()) is not None:
                if self._error is not None:
                    continue  # another writer failed: the load is over, drain to the stop marker
                changed = self._write(conn, *item)
                with self._lock:
                    self.rows_changed += changed
                    self._pages_written += 1
                    page_number = self._pages_written
                if self.after_page is not None:
                    self.after_page(page_number)
        except BaseException as exc:  # handed to the producer, which re-raises it
            self._error = exc

    def _write(self, conn: psycopg.Connection, rows: list[tuple], rejects: list[tuple]) -> int:
        changed = 0
        with conn.transaction():
            if rows:
                priced = self.prices.price(conn, rows)
                with conn.cursor() as cur:
                    cur.adapters.register_dumper(None, PreEncodedJsonb)
                    cur.adapters.register_dumper(None, TagsArrayDumper)
                    inserted = None if self._rows_may_exist else self._insert_new(conn, cur, priced)
                    if inserted is None:
                        _copy_rows(cur, "llm_calls_stage", priced)
                        cur.execute(sql("merge_llm_calls.sql"))
                        changed = max(cur.rowcount, 0)
                        with self._lock:
                            self.pages_merged += 1
                    else:
                        changed = inserted
            for item, reason in rejects:
                raw = item if isinstance(item, dict) else {"value": item}
                conn.execute(
                    sql("insert_reject.sql"),
                    {
                        "observation_id": raw.get("id") if isinstance(raw.get("id"), str) else None,
                        "project_id": raw.get("projectId") if isinstance(raw.get("projectId"), str) else None,
                        "source_key": self.source_key,
                        "reason": reason,
                        "raw": orjson.dumps(raw, default=str).decode(),
                        "run_id": self.run_id,
                    },
                )
        return changed

    def _insert_new(self, conn: psycopg.Connection, cur: psycopg.Cursor, priced: list[tuple]) -> int | None:
        """COPY the page into raw.llm_calls; None (and nothing written) if a call is already there."""
        try:
            with conn.transaction():  # a savepoint: a conflict undoes this page only
                _copy_rows(cur, "raw.llm_calls", priced)
        except psycopg.errors.UniqueViolation:
            self._rows_may_exist = True
            return None
        return len(priced)


def _copy_rows(cur: psycopg.Cursor, table: str, priced: list[tuple]) -> None:
    with cur.copy(f"copy {table} ({_COPY_COLUMNS}) from stdin (format binary)") as copy:
        copy.set_types(_COPY_COLUMN_TYPES)
        for row in priced:
            copy.write_row(row)


_FULL_GC_EVERY_PAGES = 8


@contextlib.contextmanager
def _bulk_allocation_gc():
    """Fewer cyclic-GC passes while pages stream through, and bounded garbage. Each page decodes
    into ~10,000 short-lived dicts and lists that reference counting frees; at the default threshold
    (700 allocations) the collector runs a dozen times per page and its older-generation passes scan
    every object the process holds (a Dagster worker holds millions). So: freeze what exists before
    the load (never scanned again), collect young objects every 50,000 allocations, and run a full
    pass every few pages: the HTTP client leaves each page's response (body included, ~1.3 MB) in a
    reference cycle, which only a full pass frees, and the interpreter's own full-pass heuristic
    would wait for hundreds of them (measured peak RSS: 800-990 MB at 1M observations without the
    full passes; at 200k, 382 MB without and 140 MB with them). The loader's CPU is ~15% lower than
    with the defaults. Yields the per-page hook; the process's settings are restored afterwards."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, previous[1], previous[2])
    pages = 0

    def after_page() -> None:
        nonlocal pages
        pages += 1
        if pages % _FULL_GC_EVERY_PAGES == 0:
            gc.collect()  # cheap: the frozen heap is not scanned, only the pages in flight

    try:
        yield after_page
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _extra_writer_connection(conn: psycopg.Connection) -> psycopg.Connection:
    """Another session on the caller's database, set up like the caller's for page writes."""
    conninfo = make_conninfo(conn.info.dsn, password=conn.info.password) if conn.info.password else conn.info.dsn
    extra = psycopg.connect(conninfo)
    extra.execute("set synchronous_commit = off")
    extra.execute(sql("create_llm_calls_stage.sql"))
    extra.commit()
    return extra


@contextlib.contextmanager
def _closing_all(conns: list[psycopg.Connection]):
    try:
        yield
    finally:
        for extra in conns:
            extra.close()


def load_window(
    conn: psycopg.Connection,
    source: LangfuseSource,
    start: datetime,
    end: datetime,
    *,
    run_id: str,
    progress: Callable[[WindowResult], None] | None = None,
    after_page: Callable[[int], None] | None = None,
) -> WindowResult:
    """Pull [start, end) for one project and upsert it. `after_page` is a test hook called after
    each committed page (a crash injected there must leave the watermark where it was)."""
    settings = source.settings
    source_key = source.project.source_key
    result = WindowResult(source_key=source_key, window_start=start, window_end=end)
    started_at = datetime.now(UTC)
    clock = time.perf_counter()

    if conn.info.transaction_status != TransactionStatus.IDLE:
        # Pages commit one by one (and on other sessions too): inside a caller's transaction they
        # would only be savepoints, and the other sessions would wait on its locks.
        raise ValueError("load_window needs a connection with no open transaction (commit or roll back first)")
    ensure_prices(conn)  # a no-op once a price version exists
    with conn.transaction():
        # Page commits need not wait for their WAL flush: Postgres never reorders commits in the
        # WAL, and the watermark commits last (synchronously, below), so a crash can only lose a tail
        # of pages together with the watermark that would have covered them; the next run re-pulls
        # them. (SET, not SET LOCAL: it lasts for the session once this transaction commits.)
        conn.execute("set synchronous_commit = off")
        ensure_partitions(conn, start, end)
        conn.execute(sql("create_llm_calls_stage.sql"))
        # Prices are fixed for one window: a new price version applies from the next.
        prices = LoadPrices(conn.execute("select raw.current_price_version()").fetchone()[0])
        result.watermark_before = read_watermark(conn, source_key)
        # Session-level: it outlives this transaction and dies with the session (see the .sql).
        conn.execute(sql("lock_ingestion_run.sql"), {"namespace": _RUN_LOCK_NAMESPACE, "run_id": run_id})
        mark_abandoned_runs(conn, run_id)
        _record_run(conn, result, run_id, started_at, "running")

    stats = FetchStats()
    extra_conns: list[psycopg.Connection] = []
    writer: _PageWriter | None = None
    with _bulk_allocation_gc() as collect_garbage, _closing_all(extra_conns):
        try:
            # inside the try: a session that cannot be opened fails the run like any other error
            extra_conns.extend(_extra_writer_connection(conn) for _ in range(settings.writer_connections - 1))
            writer = _PageWriter([conn, *extra_conns], source_key, run_id, prices, after_page)
            for page in source.llm_call_pages(start, end, stats):
                mapped = map_page(page, start, end, feature_keys=settings.feature_metadata_keys,
                                  max_metadata_bytes=settings.max_metadata_bytes)
                rows, rejects = _one_row_per_key(mapped.rows), mapped.rejects
                result.rows_skipped += mapped.skipped
                if rows:
                    newest = max(rows, key=_ROW_TS)
                    if result.newest_call_at is None or newest[_TS] > result.newest_call_at:
                        result.newest_call_at, result.project_id = newest[_TS], newest[_PROJECT]
                    result.cost_usd += sum(filter(None, map(_ROW_REPORTED_COST, rows)), Decimal(0))
                result.covered_fraction = covered_fraction(
                    getattr(page, "observation_type", None), min(map(_ROW_TS, rows)) if rows else None,
                    start, end, result.covered_fraction)
                writer.put(rows, rejects)
                collect_garbage()
                result.rows_upserted += len(rows)
                result.rows_rejected += len(rejects)
                result.pages = stats.pages
                result.retries = stats.retries
                if progress is not None:
                    progress(result)
            writer.close()
            result.rows_changed = writer.rows_changed
            result.pages_merged = writer.pages_merged
        except BaseException as exc:
            if writer is not None:
                writer.abort()
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
        conn.execute("set local synchronous_commit = on")  # the watermark is durable when we return
        conn.execute(
            sql("advance_watermark.sql"),
            {"source_key": source_key, "window_start": start, "window_end": end},
        )
        _record_run(conn, result, run_id, started_at, "succeeded")
        conn.execute(sql("unlock_ingestion_run.sql"), {"namespace": _RUN_LOCK_NAMESPACE, "run_id": run_id})
        result.watermark_after = read_watermark(conn, source_key)
    result.duration_s = time.perf_counter() - clock
    return result
