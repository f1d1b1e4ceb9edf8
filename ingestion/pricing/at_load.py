"""Price calls as they load: the price table's cost at each call's own time, in the loader.

The same rule as `raw.call_cost` and `raw.cost_source` (ingestion/sql/migrations/0004_pricing.sql,
0012_cost_source_function.sql), which `llmcosts reprice` applies in SQL; tests hold the two to the
same figures on every price in the table. It lives here too because a page priced before it is
written can be COPYed straight into raw.llm_calls: a SQL join to the prices needs the rows in a
staging table first, which was a third of Postgres's work per call (see loader._PageWriter).

The periods come from `raw.model_price_periods` (one query per model and load: a window holds a
handful of models), for the price version current when the load started.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Context, Decimal

import psycopg

from ingestion.sql_files import sql

_PER_MTOK = Decimal(1_000_000)
_BEFORE_EVERYTHING = datetime.min.replace(tzinfo=UTC)
_TEN_PLACES = Decimal("1E-10")
# Wide enough that no token count times price is ever rounded before the final ten places.
_EXACT = Context(prec=60)

# Row positions (ingestion.mapping.COLUMNS) the pricing reads and writes.
_TS, _MODEL, _PROVIDER = 3, 10, 11
_INPUT, _OUTPUT, _CACHE_READ, _CACHE_WRITE = 13, 14, 15, 16
_COST, _REPORTED = 18, 27

PRICED_COLUMNS = ("computed_cost_usd", "price_version")
PRICED_COLUMN_TYPES = ("numeric", "int4")


def call_cost(input_tokens: int, output_tokens: int, cache_read_tokens: int, cache_write_tokens: int,
              input_per_mtok: Decimal | None, output_per_mtok: Decimal | None,
              cache_read_per_mtok: Decimal | None, cache_write_per_mtok: Decimal | None) -> Decimal | None:
    """raw.call_cost: input_tokens includes the cache reads and writes; each cache price falls back to
    the input price; no input or output price means unpriced (None), never $0."""
    if input_per_mtok is None or output_per_mtok is None:
        return None
    uncached = max(input_tokens - cache_read_tokens - cache_write_tokens, 0)
    read_price = cache_read_per_mtok if cache_read_per_mtok is not None else input_per_mtok
    write_price = cache_write_per_mtok if cache_write_per_mtok is not None else input_per_mtok
    total = _EXACT.add(
        _EXACT.add(_EXACT.multiply(uncached, input_per_mtok), _EXACT.multiply(cache_read_tokens, read_price)),
        _EXACT.add(_EXACT.multiply(cache_write_tokens, write_price), _EXACT.multiply(output_tokens, output_per_mtok)),
    )
    return _EXACT.divide(total, _PER_MTOK).quantize(_TEN_PLACES, rounding=ROUND_HALF_UP, context=_EXACT)


def cost_source(reported: Decimal | None, computed: Decimal | None) -> str:
    """raw.cost_source: what Langfuse reported wins, else the price table, else unpriced."""
    if reported is not None:
        return "langfuse"
    return "price_table" if computed is not None else "unpriced"


class LoadPrices:
    """The price periods of one load, per (provider, model), shared by its writer threads."""

    def __init__(self, price_version: int | None):
        self.price_version = price_version
        self._periods: dict[tuple[str, str], tuple[list[datetime], list[tuple]]] = {}
        self._lock = threading.Lock()

    def _for_model(self, conn: psycopg.Connection, provider: str, model: str) -> tuple[list[datetime], list[tuple]]:
        key = (provider, model)
        periods = self._periods.get(key)
        if periods is None:
            found = conn.execute(
                sql("model_price_periods.sql"),
                {"price_version": self.price_version, "provider": provider, "model": model},
            ).fetchall()
            periods = ([row[0] or _BEFORE_EVERYTHING for row in found], found)
            with self._lock:
                self._periods[key] = periods
        return periods

    def price(self, conn: psycopg.Connection, rows: list[tuple]) -> list[tuple]:
        """Each row (mapping.COLUMNS) with its effective cost_usd and cost_source, then
        computed_cost_usd and price_version (PRICED_COLUMNS) appended."""
        priced = []
        for row in rows:
            computed = version = None
            provider, model = row[_PROVIDER], row[_MODEL]
            if provider is not None and model is not None and self.price_version is not None:
                starts, periods = self._for_model(conn, provider, model)
                position = bisect_right(starts, row[_TS]) - 1
                if position >= 0:
                    _, period_to, version, input_p, output_p, read_p, write_p = periods[position]
                    if period_to is None or row[_TS] < period_to:
                        computed = call_cost(row[_INPUT], row[_OUTPUT], row[_CACHE_READ], row[_CACHE_WRITE],
                                             input_p, output_p, read_p, write_p)
                    else:
                        version = None
            reported = row[_REPORTED]
            effective = reported if reported is not None else computed
            priced.append((*row[:_COST], effective, cost_source(reported, computed), *row[_COST + 2:],
                           computed, version))
        return priced
