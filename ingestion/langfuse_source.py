"""Read LLM calls from Langfuse's public API (v2 observations, cursor-paged) with the official SDK.

The SDK (`langfuse.api.LangfuseAPI`) carries the auth, base URL, headers and HTTP client. Its typed
`observations.get_many` decodes a page into pydantic models at roughly 2,000 observations/s on this
hardware, and one malformed observation fails the whole page, which would lose the good ones. So the
default `decode="fast"` sends the same request through the SDK's own HTTP client and decodes the JSON
itself (`ingestion.wire`: typed msgspec decoding, orjson for a page it cannot type; a bad
observation becomes a reject, not a crash). `decode="typed"`
uses `get_many` itself; tests check both paths yield the same rows.

Faults: 429 honours Retry-After; 5xx and timeouts are retried with bounded exponential backoff;
401/403 fail fast with a message naming the variables to fix.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from ingestion.mapping import FIELD_GROUPS, LLM_OBSERVATION_TYPES
from ingestion.wire import Page
from llmcosts_core.errors import ServiceUnavailable
from llmcosts_core.retry import backoff_seconds, retry_after_seconds
from llmcosts_core.settings import ConfigError, IngestSettings, LangfuseProject

log = logging.getLogger(__name__)

OBSERVATIONS_PATH = "api/public/v2/observations"


class LangfuseAuthError(ConfigError):
    """Credentials were refused. Never retried: retrying a bad key only delays the fix. A
    configuration error: the fix is a key, not a retry."""


class LangfuseUnavailableError(ServiceUnavailable):
    """The API kept failing after every retry."""


@dataclass
class FetchStats:
    pages: int = 0
    retries: int = 0
    observations: int = 0
    retry_reasons: list[str] = field(default_factory=list)


def _transport_reason(exc: Exception) -> str:
    """What a person reads: 'connection refused', 'timed out', not the httpx class name."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "unknown host"
    return type(exc).__name__


def _iso(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class LangfuseSource:
    def __init__(
        self,
        project: LangfuseProject,
        settings: IngestSettings,
        *,
        decode: str = "fast",
        sleep: Callable[[float], None] = time.sleep,
    ):
        from langfuse.api import LangfuseAPI

        if decode not in ("fast", "typed"):
            raise ValueError("decode must be 'fast' or 'typed'")
        self.project = project
        self.settings = settings
        self.decode = decode
        self._sleep = sleep
        # The SDK's default timeout (5 s) is too short for 1,000-observation pages on a busy
        # Langfuse; the configured one (30 s by default) applies to every request.
        self.api = LangfuseAPI(
            base_url=project.base_url,
            username=project.public_key,
            password=project.secret_key.get(),
            x_langfuse_sdk_name="python",
            x_langfuse_public_key=project.public_key,
            timeout=settings.http_timeout_s,
        )

    # -- one request ---------------------------------------------------------------------------
    def _params(self, start: datetime, end: datetime, cursor: str | None, observation_type: str | None) -> dict:
        params = {
            "fields": FIELD_GROUPS,
            "limit": self.settings.page_limit,
            "cursor": cursor,
            "fromStartTime": _iso(start),
            "toStartTime": _iso(end),
        }
        if observation_type is not None:
            params["type"] = observation_type
        return params

    def _request_fast(self, start: datetime, end: datetime, cursor: str | None, observation_type: str | None) -> Page:
        http = self.api._client_wrapper.httpx_client  # the SDK's HTTP client: auth, base URL, headers
        response = http.request(
            OBSERVATIONS_PATH,
            method="GET",
            params=self._params(start, end, cursor, observation_type),
            request_options={"max_retries": 0},  # retries are ours: counted and bounded
        )
        if response.status_code != 200:
            raise httpx.HTTPStatusError("non-200", request=response.request, response=response)
        return Page.from_body(response.content)

    def _request_typed(self, start: datetime, end: datetime, cursor: str | None, observation_type: str | None) -> Page:
        from langfuse.api.core.api_error import ApiError

        try:
            result = self.api.observations.get_many(
                fields=FIELD_GROUPS,
                limit=self.settings.page_limit,
                cursor=cursor,
                from_start_time=start,
                to_start_time=end,
                type=observation_type,
                request_options={"max_retries": 0},
            )
        except ApiError as exc:
            response = httpx.Response(exc.status_code or 500, headers=exc.headers or {})
            raise httpx.HTTPStatusError("non-200", request=httpx.Request("GET", OBSERVATIONS_PATH),
                                        response=response) from None
        # By alias, then through JSON: the same camelCase keys and ISO strings as the wire.
        items = [orjson.loads(orjson.dumps(item.dict())) for item in result.data]
        return Page.from_items(items, cursor=result.meta.cursor)

    def _with_retries(self, start: datetime, end: datetime, cursor: str | None, observation_type: str | None,
                      stats: FetchStats) -> Page:
        request = self._request_fast if self.decode == "fast" else self._request_typed
        attempt = 0
        while True:
            try:
                page = request(start, end, cursor, observation_type)
                page.retries = attempt
                page.observation_type = observation_type
                return page
            except httpx.HTTPStatusError as exc:
                status = exc.response.status_code
                if status in (401, 403):
                    raise LangfuseAuthError(
                        f"Langfuse refused the credentials (HTTP {status}) for public key "
                        f"{self.project.public_key} at {self.project.base_url}: check LANGFUSE_PUBLIC_KEY, "
                        "LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL"
                    ) from None
                if status != 429 and status < 500:
                    raise RuntimeError(
                        f"Langfuse answered HTTP {status} to GET /{OBSERVATIONS_PATH}; this is not retried"
                    ) from None
                wait = retry_after_seconds(exc.response.headers.get("retry-after")) if status == 429 else None
                reason = f"HTTP {status}"
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                wait, reason = None, _transport_reason(exc)
            attempt += 1
            if attempt > self.settings.max_retries:
                unreachable = not reason.startswith("HTTP")
                raise LangfuseUnavailableError(
                    f"Langfuse at {self.project.base_url} is "
                    + (f"not reachable ({reason})" if unreachable else f"failing ({reason})")
                    + f" after {self.settings.max_retries} retries; "
                    + ("check LANGFUSE_BASE_URL" if unreachable else "retry later or check Langfuse's status")
                ) from None
            if wait is None:
                wait = backoff_seconds(attempt, self.settings.backoff_base_s, self.settings.backoff_max_s)
            stats.retries += 1
            stats.retry_reasons.append(reason)
            log.warning("Langfuse %s; retry %d/%d in %.1fs", reason, attempt, self.settings.max_retries, wait)
            self._sleep(wait)

    # -- the window --------------------------------------------------------------------------
    def pages(self, start: datetime, end: datetime, stats: FetchStats | None = None,
              observation_type: str | None = None) -> Iterator[Page]:
        """Every page of observations with start <= startTime < end (of one type when asked), newest
        first.

        The next page is requested as soon as its cursor is known, on a background thread, so the
        network round trip overlaps the caller's work on the current page."""
        stats = stats if stats is not None else FetchStats()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="langfuse-prefetch") as prefetch:
            pending = prefetch.submit(self._with_retries, start, end, None, observation_type, stats)
            while True:
                page = pending.result()
                stats.pages += 1
                stats.observations += len(page)
                more = bool(page.cursor and len(page))
                if more:
                    pending = prefetch.submit(self._with_retries, start, end, page.cursor, observation_type, stats)
                try:
                    yield page
                except GeneratorExit:
                    if more:
                        pending.cancel()
                    raise
                if not more:
                    return

    def llm_call_pages(self, start: datetime, end: datetime, stats: FetchStats | None = None) -> Iterator[Page]:
        """The window's LLM calls: one pass per LLM observation type, filtered by the API (its `type`
        parameter), so the spans and events that make up most of an agent's trace are neither sent
        nor decoded. Each page remembers the type it asked for: a server that ignored the filter
        would send every type in every pass, and the mapping skips the others (nothing is loaded
        twice)."""
        stats = stats if stats is not None else FetchStats()
        for observation_type in sorted(LLM_OBSERVATION_TYPES):
            yield from self.pages(start, end, stats, observation_type)

    def health(self) -> dict[str, Any]:
        return self.api.health.health().dict()
