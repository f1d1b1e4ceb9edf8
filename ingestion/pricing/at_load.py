"""Price calls as they load: the price table's cost at each call's own time, in the loader.

The same rules as `raw.call_cost` and `raw.cost_source` (ingestion/sql/migrations/0004_pricing.sql,
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
from decimal import Decimal

import psycopg

from ingestion.mapping import COLUMN_INDEX
from ingestion.sql_files import sql

_BEFORE_EVERYTHING = datetime.min.replace(tzinfo=UTC)

# Row positions the pricing reads and writes; cost_usd is followed by cost_source.
_TS, _MODEL, _PROVIDER = (COLUMN_INDEX[name] for name in ("ts", "model", "provider"))
_INPUT, _OUTPUT, _CACHE_READ, _CACHE_WRITE = (
    COLUMN_INDEX[name] for name in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"))
_COST, _REPORTED = COLUMN_INDEX["cost_usd"], COLUMN_INDEX["reported_cost_usd"]
assert COLUMN_INDEX["cost_source"] == _COST + 1

PRICED_COLUMNS = ("computed_cost_usd", "price_version")
PRICED_COLUMN_TYPES = ("numeric", "int4")


def call_cost(input_tokens: int, output_tokens: int, cache_read_tokens: int, cache_write_tokens: int,
              input_per_mtok: Decimal | None, output_per_mtok: Decimal | None,
              cache_read_per_mtok: Decimal | None, cache_write_per_mtok: Decimal | None) -> Decimal | None:
    """raw.call_cost: input_tokens includes the cache reads and writes; each cache price falls back to
    the input price; no input or output price means unpriced (None), never $0."""
    if input_per_mtok is None or output_per_mtok is None:
        return None
    prices = _ScaledPrices(input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok)
    return prices.cost(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)


class _ScaledPrices:
    """One period's prices as integers of 10^-scale dollars per million tokens, so a call's cost is
    integer arithmetic and one rounding: exactly call_cost's result, several times faster (a
    Decimal operation costs about as much as the rest of a call's pricing)."""

    __slots__ = ("input", "output", "cache_read", "cache_write", "divisor", "half")

    def __init__(self, input_p: Decimal, output_p: Decimal, read_p: Decimal | None, write_p: Decimal | None):
        read_p = read_p if read_p is not None else input_p
        write_p = write_p if write_p is not None else input_p
        prices = (input_p, output_p, read_p, write_p)
        # tokens * price / 10^6 rounded to 10 places = (tokens * price * 10^scale) / 10^(scale - 4)
        scale = max(4, *(-p.as_tuple().exponent for p in prices))
        self.input, self.output, self.cache_read, self.cache_write = (int(p.scaleb(scale)) for p in prices)
        self.divisor = 10 ** (scale - 4)
        self.half = self.divisor // 2 if self.divisor > 1 else 1  # divisor 1: no rounding needed

    def cost(self, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int) -> Decimal:
        total = (max(input_tokens - cache_read - cache_write, 0) * self.input + cache_read * self.cache_read
                 + cache_write * self.cache_write + output_tokens * self.output)
        units, remainder = divmod(total, self.divisor)
        if self.divisor > 1 and 2 * remainder >= self.divisor:
            units += 1  # half up, as Postgres rounds numeric
        return Decimal(units).scaleb(-10)


class LoadPrices:
    """The price periods of one load, per (provider, model), shared by its writer threads."""

    def __init__(self, price_version: int | None):
        self.price_version = price_version
        self._periods: dict[tuple[str, str], tuple[list[datetime], list[tuple]]] = {}
        self._lock = threading.Lock()

    def _for_model(self, conn: psycopg.Connection, provider: str, model: str) -> tuple[list[datetime], list[tuple]]:
        """(period starts, [(period_to, price_version, _ScaledPrices or None)]) in time order."""
        key = (provider, model)
        periods = self._periods.get(key)
        if periods is None:
            found = conn.execute(
                sql("model_price_periods.sql"),
                {"price_version": self.price_version, "provider": provider, "model": model},
            ).fetchall()
            # In UTC like the rows' timestamps: comparing datetimes of one tzinfo is the cheap case.
            periods = (
                [period_from.astimezone(UTC) if period_from else _BEFORE_EVERYTHING for period_from, *_ in found],
                [(period_to.astimezone(UTC) if period_to else None, version,
                  _ScaledPrices(input_p, output_p, read_p, write_p)
                  if input_p is not None and output_p is not None else None)
                 for _, period_to, version, input_p, output_p, read_p, write_p in found],
            )
            with self._lock:
                self._periods[key] = periods
        return periods

    def has_any_price(self, conn: psycopg.Connection, provider: str, model: str) -> bool:
        """Does this version price the model at any time? (If not, its unpriced calls stay so.)"""
        if self.price_version is None:
            return False
        return any(prices is not None for _, _, prices in self._for_model(conn, provider, model)[1])

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
                    period_to, version, prices = periods[position]
                    if period_to is not None and row[_TS] >= period_to:
                        version = None
                    elif prices is not None:
                        computed = prices.cost(row[_INPUT], row[_OUTPUT], row[_CACHE_READ], row[_CACHE_WRITE])
            reported = row[_REPORTED]
            if reported is not None:
                effective, source = reported, "langfuse"
            elif computed is not None:
                effective, source = computed, "price_table"
            else:
                effective, source = None, "unpriced"
            priced.append((*row[:_COST], effective, source, *row[_COST + 2:], computed, version))
        return priced
