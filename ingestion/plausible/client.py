"""Plausible Stats API v2 client: daily custom-event counts per goal (or event property).

One endpoint, `POST /api/v2/query`, bearer API key, JSON body:

    {"site_id": "...", "metrics": ["events", "visitors"],
     "date_range": ["2026-03-01", "2026-03-14"],          # dates, both ends INCLUDED
     "dimensions": ["time:day", "event:goal"],             # or "event:props:<name>"
     "filters": [["is", "event:goal", ["Goal A", ...]]],
     "pagination": {"limit": 10000, "offset": 0}}

and the answer `{"results": [{"dimensions": ["2026-03-01", "Goal A"], "metrics": [12, 5]}], "meta": {...},
"query": {...}}`, metrics in the order asked. Groups without events are not returned. Our windows are
half-open `[start, end)` like everywhere else here, so `date_range` is `[start, end - 1 day]`.

Faults, as for Langfuse: 429 honours Retry-After; 5xx, timeouts and connection errors are retried
with bounded, jittered exponential backoff; 401/403 fail at once with a message naming
PLAUSIBLE_API_KEY / PLAUSIBLE_SITE_ID (never the key); any other 4xx fails with Plausible's own
error message, which describes the query, not the credentials.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import requests

from ingestion.plausible.config import PlausibleConfig
from ingestion.plausible.mapping import EventFeatureMap
from llmcosts_core.errors import ServiceUnavailable
from llmcosts_core.retry import backoff_seconds, retry_after_seconds
from llmcosts_core.settings import ConfigError

log = logging.getLogger(__name__)

QUERY_PATH = "/api/v2/query"
METRICS = ("events", "visitors")


class PlausibleAuthError(ConfigError, RuntimeError):
    """Plausible refused the key or the site. Never retried."""


class PlausibleUnavailableError(ServiceUnavailable, RuntimeError):
    """The Stats API kept failing after every retry."""


class PlausibleQueryError(RuntimeError):
    """Plausible rejected the query itself (HTTP 400/404/422...)."""


@dataclass
class QueryStats:
    requests: int = 0
    pages: int = 0
    retries: int = 0
    retry_reasons: list[str] = field(default_factory=list)


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error") if isinstance(body, dict) else body)[:500]


def daily_query(site_id: str, start: date, end: date, event_map: EventFeatureMap, limit: int,
                offset: int = 0) -> dict[str, Any]:
    """The Stats API body for the days [start, end) (half-open), one page."""
    if end <= start:
        raise ValueError(f"empty window [{start}, {end})")
    body: dict[str, Any] = {
        "site_id": site_id,
        "metrics": list(METRICS),
        # Plausible's date ranges include their last day.
        "date_range": [start.isoformat(), (end - timedelta(days=1)).isoformat()],
        "dimensions": ["time:day", event_map.dimension],
        "order_by": [["time:day", "asc"]],
        "pagination": {"limit": limit, "offset": offset},
    }
    filters = event_map.query_filters()
    if filters:
        body["filters"] = filters
    return body


class PlausibleClient:
    def __init__(self, config: PlausibleConfig, *, sleep: Callable[[float], None] = time.sleep,
                 session: requests.Session | None = None):
        self.config = config
        self._sleep = sleep
        self._session = session or requests.Session()

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PlausibleClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def query(self, body: dict[str, Any], stats: QueryStats | None = None) -> dict[str, Any]:
        """POST one query; retries as described in the module docstring."""
        stats = stats if stats is not None else QueryStats()
        http = self.config.http
        url = self.config.base_url + QUERY_PATH
        attempt = 0
        while True:
            stats.requests += 1
            wait: float | None = None
            try:
                response = self._session.post(
                    url,
                    json=body,
                    headers={"Authorization": f"Bearer {self.config.api_key.get()}",
                             "Accept": "application/json"},
                    timeout=http.http_timeout_s,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                reason = type(exc).__name__
            else:
                status = response.status_code
                if status == 200:
                    payload = response.json()
                    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
                        raise PlausibleQueryError(f"unexpected answer from {url}: no `results` list")
                    return payload
                if status in (401, 403):
                    raise PlausibleAuthError(
                        f"Plausible refused the request (HTTP {status}) for site {self.config.site_id!r} at "
                        f"{self.config.base_url}: check PLAUSIBLE_API_KEY (a Stats API key with access to the "
                        "site) and PLAUSIBLE_SITE_ID"
                    )
                if status != 429 and status < 500:
                    raise PlausibleQueryError(
                        f"Plausible answered HTTP {status} to POST {QUERY_PATH}: {_error_message(response)}"
                    )
                reason = f"HTTP {status}"
                if status == 429:
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
            attempt += 1
            if attempt > http.max_retries:
                raise PlausibleUnavailableError(
                    f"Plausible at {self.config.base_url} still failing after {http.max_retries} retries "
                    f"(last: {reason})"
                )
            if wait is None:
                wait = backoff_seconds(attempt, http.backoff_base_s, http.backoff_max_s)
            else:
                wait = min(wait, max(http.backoff_max_s, 60.0))  # a broken header must not stall a run
            stats.retries += 1
            stats.retry_reasons.append(reason)
            log.warning("Plausible %s; retry %d/%d in %.1fs", reason, attempt, http.max_retries, wait)
            self._sleep(wait)

    def daily_counts(self, start: date, end: date, event_map: EventFeatureMap,
                     stats: QueryStats | None = None) -> Iterator[tuple[date, str, int, int]]:
        """(day, goal or property value, events, visitors) for every day in [start, end), paged."""
        stats = stats if stats is not None else QueryStats()
        limit = self.config.page_limit
        offset = 0
        while True:
            payload = self.query(daily_query(self.config.site_id, start, end, event_map, limit, offset), stats)
            results = payload["results"]
            stats.pages += 1
            for row in results:
                dimensions, metrics = row.get("dimensions") or [], row.get("metrics") or []
                if len(dimensions) != 2 or len(metrics) != len(METRICS):
                    raise PlausibleQueryError(f"unexpected result row from Plausible: {row!r}")
                day = date.fromisoformat(str(dimensions[0])[:10])
                if not start <= day < end:
                    raise PlausibleQueryError(f"Plausible returned day {day} outside [{start}, {end})")
                values = dict(zip(METRICS, metrics, strict=True))
                yield day, str(dimensions[1]), int(values["events"] or 0), int(values["visitors"] or 0)
            if len(results) < limit:
                return
            offset += limit
