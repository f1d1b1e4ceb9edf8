"""Run a card's SQL against the warehouse, the way Metabase would, outside Metabase."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from metabase.catalog import Card
from metabase.native_query import render


class CardQueryError(RuntimeError):
    """A card's query failed or returned other columns than the card declares."""


@dataclass(frozen=True)
class CardResult:
    card: Card
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def run_card(conn: psycopg.Connection, card: Card, values: Mapping[str, Any] | None = None) -> CardResult:
    """Execute the card with the given filter values (unset filters drop their optional clauses).

    Runs in a read-only transaction that is rolled back, so a card can never change the warehouse,
    and a failed card does not poison the connection for the next one."""
    query, params = render(card.sql, {tag: value for tag, value in (values or {}).items() if tag in card.tags})
    try:
        with conn.transaction(force_rollback=True):
            conn.execute("set transaction read only")
            cursor = conn.execute(query, params)
            columns = tuple(column.name for column in cursor.description or ())
            rows = cursor.fetchall()
    except psycopg.Error as exc:
        raise CardQueryError(f"card {card.key!r} failed: {exc}".strip()) from exc
    if columns != card.columns:
        raise CardQueryError(
            f"card {card.key!r} returned columns {list(columns)}, but its dashboard file declares "
            f"{list(card.columns)}"
        )
    return CardResult(card=card, columns=columns, rows=rows)
