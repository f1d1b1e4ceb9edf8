"""Temporarily set environment variables for one block."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block, then restore them.

    dagster-dbt hands `os.environ` to the dbt subprocess (and reads the profile in-process), with no
    per-call env argument, so this is how the connection reaches dbt without being computed at
    import time or written anywhere."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
