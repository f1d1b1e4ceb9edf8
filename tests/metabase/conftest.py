"""Fixtures for the Metabase tests.

`marts_warehouse` is the one place that builds the warehouse the card queries run against. Today it
loads contract-shaped marts from `fixtures/marts.sql`; to test the cards against the real dbt-built
marts, replace its body (e.g. ingest demo data and run `dbt build`) and every card test follows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"



@pytest.fixture
def marts_warehouse(migrated_warehouse) -> str:
    """URL of a warehouse whose marts (and alert log, raw freshness tables) hold a few rows."""
    with psycopg.connect(migrated_warehouse) as conn:
        conn.execute((FIXTURES / "marts.sql").read_text())
    return migrated_warehouse


@pytest.fixture
def marts_conn(marts_warehouse):
    with psycopg.connect(marts_warehouse) as conn:
        yield conn


@pytest.fixture
def fixture_as_of() -> date:
    """The as_of date of the rows in fixtures/marts.sql."""
    return date(2026, 5, 20)
