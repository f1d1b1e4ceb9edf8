"""dbt test fixtures: a database of its own per test module, built once and shared."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dbt_warehouse_helpers import scratch_database


@pytest.fixture(scope="module")
def module_database(pg_admin_url) -> Iterator[str]:
    with scratch_database(pg_admin_url) as url, pytest.MonkeyPatch.context() as patch:
        # DATABASE_URL is how every component (dbt included) finds the warehouse.
        patch.setenv("DATABASE_URL", url)
        yield url
