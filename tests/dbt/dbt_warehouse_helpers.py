"""Helpers for the dbt tests: scratch databases, queries, timing."""

from __future__ import annotations

import time
from contextlib import contextmanager

from tests.warehouse_helpers import query, scratch_database  # noqa: F401  (shared; re-exported)


class Stopwatch:
    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def measure(self, name: str):
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
