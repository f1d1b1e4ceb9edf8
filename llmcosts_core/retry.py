"""The retry policy every HTTP client here shares (Langfuse, Plausible, alert delivery): how long a
429's Retry-After asks us to wait, and bounded exponential backoff for 5xx and timeouts."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for: delta-seconds or an HTTP date; None when absent or
    unreadable (the caller then backs off on its own)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_seconds(attempt: int, base: float, cap: float, *, jitter: bool = True) -> float:
    """Wait before retry number `attempt` (1-based): base * 2^(attempt-1), at most `cap`. With
    jitter, a random 50-100% of it, so many workers do not retry in step."""
    wait = min(cap, base * 2 ** (attempt - 1))
    return wait * (0.5 + random.random() / 2) if jitter else wait
