"""A Langfuse-compatible HTTP server for the demo, contract tests and benchmarks (127.0.0.1 only).

It implements the slice of the public API the warehouse reads, per `langfuse-openapi.yml`:

- `GET /api/public/health` -> `HealthResponse`
- `GET /api/public/v2/observations` -> `ObservationsV2Response`, with HTTP Basic auth (public key /
  secret key), `fields` groups, `limit` (1..1000), an opaque `cursor`, `fromStartTime` (inclusive),
  `toStartTime` (exclusive) and equality filters (`type`, repeatable `environment`, `userId`,
  `traceId`, `name`, `sessionId`, `level`, `version`).

Observations are dicts in the v2 wire shape (see `workload.py`) and are served as given, so tests can
plant malformed rows. They are kept sorted by (start time, id); a page is found with `bisect` and built
by joining pre-serialised (orjson) rows, cached lazily per observation for the field groups last asked,
which keeps a million-row pull fast. The cursor encodes the (start time, id) of the last row returned, so paging stays
exact when rows are added between pages (late-arriving data lands before or after the cursor, never
shifts it).

Test hooks: `inject_faults`, `add_observations`, `requests`, `observations_served`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hmac
import socket
import threading
import time
from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

SERVER_VERSION = "3.0.0-llmcosts-local"

HEALTH_PATH = "/api/public/health"
OBSERVATIONS_PATH = "/api/public/v2/observations"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 50

# The field groups, in the order the spec lists them, with the keys each one returns.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "core": ("id", "traceId", "startTime", "endTime", "projectId", "parentObservationId", "type"),
    "basic": ("name", "level", "statusMessage", "version", "environment", "bookmarked", "public",
              "userId", "sessionId", "isRootObservation"),
    "time": ("completionStartTime", "createdAt", "updatedAt"),
    "io": ("input", "output"),
    "metadata": ("metadata",),
    # The spec names the model `providedModelName`; the SDK's model class and real servers use `model`.
    # Both are returned. The price keys are required by the schema and only filled for this group.
    "model": ("providedModelName", "model", "internalModelId", "modelParameters",
              "modelId", "inputPrice", "outputPrice", "totalPrice"),
    "usage": ("usageDetails", "costDetails", "totalCost", "usagePricingTierName"),
    "prompt": ("promptId", "promptName", "promptVersion"),
    "metrics": ("latency", "timeToFirstToken"),
    "trace_context": ("tags", "release", "traceName"),
}
_GROUP_NAMES = tuple(FIELD_GROUPS)
_GROUP_INDEX = {name: i for i, name in enumerate(_GROUP_NAMES)}
_MODEL_GROUP = _GROUP_INDEX["model"]
_DEFAULT_GROUPS = (_GROUP_INDEX["core"], _GROUP_INDEX["basic"])
# Required by the ObservationV2 schema even when the model group is not requested.
_REQUIRED_PRICE_KEYS = ("modelId", "inputPrice", "outputPrice", "totalPrice")

# Equality filters: query parameter -> observation key.
_EQUALITY_FILTERS = {
    "type": "type", "userId": "userId", "traceId": "traceId", "name": "name",
    "sessionId": "sessionId", "level": "level", "version": "version",
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Rows whose time cannot be read sort above every real time: served first, in every window.
_UNTIMED = 2**62
_ORJSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
_TIME_FALLBACK_KEYS = ("startTime", "createdAt", "updatedAt", "endTime")


class _BadRequest(Exception):
    pass


@dataclass(frozen=True)
class HttpFault:
    """Answer the next observations request with this status (and headers) instead of data."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delay:
    """Hold the next observations request this long before answering it normally (client timeouts)."""

    seconds: float


Fault = HttpFault | Delay | tuple | int | float


def _as_fault(fault: Fault) -> HttpFault | Delay:
    """Accept `(429, {"Retry-After": "1"})`, `503`, `HttpFault(...)`, `Delay(2.5)` or `2.5` (seconds)."""
    if isinstance(fault, HttpFault | Delay):
        return fault
    if isinstance(fault, tuple):
        status, *rest = fault
        return HttpFault(int(status), dict(rest[0]) if rest else {})
    if isinstance(fault, int) and fault >= 100:
        return HttpFault(fault)
    if isinstance(fault, int | float):
        return Delay(float(fault))
    raise TypeError(f"unsupported fault: {fault!r}")


def _parse_time(value: Any) -> int | None:
    """ISO-8601 string or datetime -> integer microseconds since the epoch (None when unreadable)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _MICROSECOND


def _sort_time(observation: Mapping[str, Any]) -> int:
    # Malformed rows (no or bad startTime) still need a stable place in the order: use the first
    # readable timestamp the row has, else treat the row as untimed.
    for key in _TIME_FALLBACK_KEYS:
        micros = _parse_time(observation.get(key))
        if micros is not None:
            return micros
    return _UNTIMED


def _encode_cursor(key: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode()


def _decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        micros, obs_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(micros, int) or not isinstance(obs_id, str):
            raise ValueError
        return micros, obs_id
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise _BadRequest("Invalid cursor") from exc


@functools.lru_cache(maxsize=64)
def _group_keys(groups: tuple[int, ...]) -> tuple[tuple[str, ...], frozenset[str], itemgetter, bool]:
    """The keys a combination of groups returns (spec order), as a set, a getter, and whether `model` is in."""
    keys = tuple(key for group in groups for key in FIELD_GROUPS[_GROUP_NAMES[group]])
    return keys, frozenset(keys), itemgetter(*keys), _MODEL_GROUP in groups


class _Row:
    """One observation: the dict as given plus its serialised form for the last group combination asked.

    One cached combination per row is enough for paging (a client asks for the same `fields` on every
    page) and keeps a million rows small; another combination just re-serialises.
    """

    __slots__ = ("observation", "cached_groups", "cached_body")

    def __init__(self, observation: Mapping[str, Any]) -> None:
        self.observation = observation
        self.cached_groups: tuple[int, ...] | None = None
        self.cached_body = b""

    def body(self, groups: tuple[int, ...]) -> bytes:
        if self.cached_groups != groups:
            self.cached_body = self._serialise(groups)
            self.cached_groups = groups
        return self.cached_body

    def _serialise(self, groups: tuple[int, ...]) -> bytes:
        obs = self.observation
        keys, key_set, getter, with_model = _group_keys(groups)
        if key_set <= obs.keys():  # the common, well-formed case: one C-level pass
            selected = dict(zip(keys, getter(obs), strict=True))
        else:
            # Served as given: keys the row lacks stay absent (tests plant malformed rows on purpose).
            selected = {key: obs[key] for key in keys if key in obs}
        if with_model:
            model = obs.get("model", obs.get("providedModelName"))
            selected["providedModelName"] = obs.get("providedModelName", model)
            selected["model"] = model
            for key in ("internalModelId", "modelParameters", *_REQUIRED_PRICE_KEYS):
                selected.setdefault(key, None)
        else:
            # Required by the schema, and null unless the model group is requested.
            for key in _REQUIRED_PRICE_KEYS:
                selected[key] = None
        return orjson.dumps(selected, option=_ORJSON_OPTIONS)


class _ObservationStore:
    """Rows sorted ascending by (time, id); pages walk it backwards (newest first)."""

    def __init__(self, project_id: str | None) -> None:
        self._project_id = project_id
        self._keys: list[tuple[int, str]] = []
        self._rows: list[_Row] = []
        # Per observation type, the same order: a `type`-filtered page is then a bisect, like a
        # database index, instead of a scan past every other type (an ingest asks for generations
        # and embeddings, which agent traces bury among spans). Built on first use, dropped by add().
        self._by_type: dict[Any, tuple[list[tuple[int, str]], list[_Row]]] = {}
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def rows(self) -> list[_Row]:
        return self._rows

    def add(self, observations: Iterable[Mapping[str, Any]]) -> int:
        fresh = [
            ((_sort_time(obs), str(obs.get("id", ""))), _Row(obs))
            for obs in observations
            if self._project_id is None or obs.get("projectId", self._project_id) == self._project_id
        ]
        with self.lock:
            if len(fresh) > 64 or not self._keys:
                pairs = list(zip(self._keys, self._rows, strict=True)) + fresh
                pairs.sort(key=lambda pair: pair[0])
                self._keys = [key for key, _ in pairs]
                self._rows = [row for _, row in pairs]
            else:
                for key, row in fresh:
                    position = bisect_left(self._keys, key)
                    insort(self._keys, key)
                    self._rows.insert(position, row)
            self._by_type = {}
        return len(fresh)

    def _of_type(self, observation_type: Any) -> tuple[list[tuple[int, str]], list[_Row]]:
        if observation_type not in self._by_type:
            # Appends only, no new containers per row: a million fresh tuples would set off the
            # cyclic collector over the whole store many times (10x slower, measured).
            keys: list[tuple[int, str]] = []
            rows: list[_Row] = []
            for key, row in zip(self._keys, self._rows, strict=True):
                if row.observation.get("type") == observation_type:
                    keys.append(key)
                    rows.append(row)
            self._by_type[observation_type] = (keys, rows)
        return self._by_type[observation_type]

    def page(self, *, limit: int, cursor: tuple[int, str] | None, from_micros: int | None,
             to_micros: int | None, filters: dict[str, Any], environments: list[str] | None,
             ) -> tuple[list[_Row], tuple[int, str] | None]:
        keys, rows = self._keys, self._rows
        if "type" in filters:
            keys, rows = self._of_type(filters["type"])
            filters = {key: value for key, value in filters.items() if key != "type"}
        n = len(keys)
        untimed_start = bisect_left(keys, (_UNTIMED,))
        low = bisect_left(keys, (from_micros,)) if from_micros is not None else 0
        high = min(bisect_left(keys, (to_micros,)), untimed_start) if to_micros is not None else untimed_start
        upper = bisect_left(keys, cursor) if cursor is not None else n
        # Untimed rows cannot be tested against the window, so they are always candidates.
        ranges = ((untimed_start, n), (low, high))
        selected: list[_Row] = []
        selected_keys: list[tuple[int, str]] = []
        wanted = limit + 1  # one extra tells whether a next page exists
        for start, stop in ranges:
            i = min(stop, upper) - 1
            while i >= start and len(selected) < wanted:
                row = rows[i]
                if _matches(row.observation, filters, environments):
                    selected.append(row)
                    selected_keys.append(keys[i])
                i -= 1
        if len(selected) > limit:
            return selected[:limit], selected_keys[limit - 1]
        return selected, None


def _matches(observation: Mapping[str, Any], filters: dict[str, Any], environments: list[str] | None) -> bool:
    for key, value in filters.items():
        if observation.get(key) != value:
            return False
    return environments is None or observation.get("environment") in environments


def _json(payload: Any) -> bytes:
    return orjson.dumps(payload)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "llmcosts-local-langfuse"
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        # Pages are written in one call, but keep small responses from waiting on Nagle either way.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.request)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.request)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and benchmarks would drown in access logs

    def _send(self, status: int, body: bytes | Sequence[bytes], headers: Mapping[str, str] | None = None) -> None:
        # A page is sent as its chunks (no 1 MB concatenation); TCP_NODELAY keeps the writes prompt.
        chunks = [body] if isinstance(body, bytes) else list(body)
        reason = self.responses.get(status, ("Unknown",))[0]
        head = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json",
                f"Content-Length: {sum(len(chunk) for chunk in chunks)}"]
        for name, value in (headers or {}).items():
            head.append(f"{name}: {value}")
        if self.close_connection:
            head.append("Connection: close")
        try:
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            for chunk in chunks:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. a provoked timeout)

    def _error(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, _json({"message": message}), headers)

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/")
        if path == HEALTH_PATH:
            self._send(200, _json({"status": "OK", "version": SERVER_VERSION}))
        elif path == OBSERVATIONS_PATH:
            self.server.app._handle_observations(self, parse_qs(split.query, keep_blank_values=True))
        else:
            self._error(404, f"Not found: {path}")

    def _method_not_allowed(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = urlsplit(self.path).path.rstrip("/")
        if path in (HEALTH_PATH, OBSERVATIONS_PATH):
            self._error(405, "Method not allowed")
        else:
            self._error(404, f"Not found: {path}")

    do_POST = do_PUT = do_PATCH = do_DELETE = _method_not_allowed


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64
    app: LocalLangfuseServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        # Keep-alive clients would otherwise go on talking to a "stopped" server's handler threads.
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class LocalLangfuseServer:
    """Serve observations over the Langfuse public API on 127.0.0.1 (a free port unless `port` is set).

    Use as a context manager (`with LocalLangfuseServer(obs) as server: server.base_url`) or call
    `start()` / `stop()`.
    """

    def __init__(self, observations: Iterable[Mapping[str, Any]] = (), *, public_key: str = "pk-lf-local",
                 secret_key: str = "sk-lf-local", project_id: str | None = None, port: int = 0) -> None:
        self.public_key = public_key
        self._secret_key = secret_key
        self.project_id = project_id
        self._port = port
        self._store = _ObservationStore(project_id)
        self._store.add(observations)
        self._faults: list[HttpFault | Delay] = []
        self._state_lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, str | list[str]]]] = []
        self.observations_served = 0
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle
    def start(self) -> LocalLangfuseServer:
        if self._httpd is not None:
            return self
        httpd = _HttpServer(("127.0.0.1", self._port), _Handler)
        httpd.app = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="local-langfuse", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> LocalLangfuseServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server is not running")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- test hooks
    def inject_faults(self, faults: Sequence[Fault]) -> None:
        """Each fault answers one of the next observations requests, in order."""
        converted = [_as_fault(fault) for fault in faults]
        with self._state_lock:
            self._faults.extend(converted)

    def add_observations(self, observations: Iterable[Mapping[str, Any]]) -> int:
        """Add rows (e.g. late-arriving data) while the server runs; returns how many were kept."""
        return self._store.add(observations)

    def prewarm(self, fields: str | None = None) -> None:
        """Serialise every row for `fields` now (e.g. before a benchmark's clock starts)."""
        try:
            groups = _parse_fields(fields)
        except _BadRequest as exc:
            raise ValueError(str(exc)) from None
        with self._store.lock:
            for row in self._store.rows():
                row.body(groups)

    def observation_count(self) -> int:
        return len(self._store)

    # ---- request handling
    def _record(self, query: dict[str, list[str]]) -> HttpFault | Delay | None:
        flat: dict[str, str | list[str]] = {k: v[0] if len(v) == 1 else list(v) for k, v in query.items()}
        with self._state_lock:
            self.requests.append((OBSERVATIONS_PATH, flat))
            return self._faults.pop(0) if self._faults else None

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        username, _, password = decoded.partition(":")
        # Constant-time comparisons for both halves.
        return hmac.compare_digest(username.encode(), self.public_key.encode()) & hmac.compare_digest(
            password.encode(), self._secret_key.encode()
        )

    def _handle_observations(self, handler: _Handler, query: dict[str, list[str]]) -> None:
        fault = self._record(query)
        if isinstance(fault, HttpFault):
            handler._error(fault.status, f"Injected fault: HTTP {fault.status}", fault.headers)
            return
        if isinstance(fault, Delay):
            time.sleep(fault.seconds)
        if not self._authorized(handler.headers.get("Authorization")):
            handler._error(401, "Invalid credentials. Confirm that you've configured the correct host.",
                           {"WWW-Authenticate": 'Basic realm="langfuse"'})
            return
        try:
            body, served = self._observations_page(query)
        except _BadRequest as exc:
            handler._error(400, str(exc))
            return
        with self._state_lock:
            self.observations_served += served
        handler._send(200, body)

    def _observations_page(self, query: dict[str, list[str]]) -> tuple[list[bytes], int]:
        def single(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        if (single("parseIoAsJson") or "").lower() == "true":
            raise _BadRequest("parseIoAsJson=true is no longer supported; input/output are raw strings")
        if single("filter"):
            raise _BadRequest("The structured `filter` parameter is not supported by the local server")

        groups = _parse_fields(single("fields"))
        limit_text = single("limit")
        try:
            limit = int(limit_text) if limit_text not in (None, "") else DEFAULT_LIMIT
        except ValueError as exc:
            raise _BadRequest("limit must be an integer") from exc
        if not 1 <= limit <= MAX_LIMIT:
            raise _BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
        cursor_text = single("cursor")
        cursor = _decode_cursor(cursor_text) if cursor_text else None
        from_micros = _query_time(single("fromStartTime"), "fromStartTime")
        to_micros = _query_time(single("toStartTime"), "toStartTime")
        filters = {key: value for param, key in _EQUALITY_FILTERS.items() if (value := single(param))}
        environments = [env for env in query.get("environment", []) if env] or None

        with self._store.lock:
            rows, next_key = self._store.page(limit=limit, cursor=cursor, from_micros=from_micros,
                                              to_micros=to_micros, filters=filters,
                                              environments=environments)
            data = b",".join([row.body(groups) for row in rows])
        meta = b'{"cursor":"%s"}' % _encode_cursor(next_key).encode() if next_key else b"{}"
        return [b'{"data":[', data, b'],"meta":' + meta + b"}"], len(rows)


def _parse_fields(fields: str | None) -> tuple[int, ...]:
    if not fields or not fields.strip():
        return _DEFAULT_GROUPS
    requested = {name.strip() for name in fields.split(",") if name.strip()}
    unknown = requested - set(_GROUP_NAMES)
    if unknown:
        raise _BadRequest(f"Unknown field group(s): {', '.join(sorted(unknown))}")
    requested.add("core")
    return tuple(sorted(_GROUP_INDEX[name] for name in requested))


def _query_time(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    micros = _parse_time(value)
    if micros is None:
        raise _BadRequest(f"{name} must be an ISO-8601 datetime")
    return micros
