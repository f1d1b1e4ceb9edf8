"""A Plausible-compatible Stats API v2 server for the demo and contract tests (127.0.0.1 only).

It implements the part of `POST /api/v2/query` the loader uses, with Plausible's request schema
checks (`priv/json-schemas/query-api-schema.json` upstream): required `site_id`, `metrics`,
`date_range`; no unknown keys; bearer auth (401 on a missing or wrong key or a site the key cannot
read); metrics `events` and `visitors`; `date_range` as two ISO dates, both days included;
dimensions `time:day`, `event:goal`, `event:props:<name>`; filters `["is", dimension, [values]]`;
`order_by` on dimensions; `pagination` `{limit, offset}` (limit <= 10000); `include.total_rows`.
The answer is `{"results": [{"dimensions": [...], "metrics": [...]}], "meta": {...}, "query": {...}}`
with metrics in the order asked and no rows for empty groups, as Plausible returns it.

Data are pre-aggregated records `{"day", "goal", "events", "visitors", "props"}`. Visitors of
several records in one group are summed (Plausible counts distinct visitors; the demo does not
model visitor identity). A record without the grouped property falls under `(none)`, as in Plausible.

Test hooks: `inject_faults` (status + headers, or a delay longer than the client's timeout),
`requests` (each request's body and headers), `set_records`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

QUERY_PATH = "/api/v2/query"
SUPPORTED_METRICS = ("visitors", "events")
MAX_LIMIT = 10_000
_QUERY_KEYS = {"site_id", "metrics", "date_range", "dimensions", "filters", "order_by", "include", "pagination"}


@dataclass(frozen=True)
class Fault:
    """One canned answer before the real one: an HTTP status (with headers), or a delay."""

    status: int = 503
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class _BadQuery(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _date(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _BadQuery(400, f"Invalid {what}: {value!r}") from None


class LocalPlausibleServer:
    def __init__(self, records: Iterable[Mapping[str, Any]] = (), *, api_key: str = "plausible-local-key",
                 site_id: str = "demo.llmcosts.local", port: int = 0):
        self.api_key = api_key
        self.site_id = site_id
        self._port = port
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []
        self._faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.set_records(records)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> LocalPlausibleServer:
        handler = type("_BoundHandler", (_Handler,), {"app": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-plausible", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalPlausibleServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- test hooks --------------------------------------------------------------------------
    def set_records(self, records: Iterable[Mapping[str, Any]]) -> None:
        parsed = []
        for record in records:
            parsed.append({
                "day": _date(record["day"], "day") if not isinstance(record["day"], date) else record["day"],
                "goal": str(record["goal"]),
                "events": int(record["events"]),
                "visitors": int(record.get("visitors") or 0),
                "props": dict(record.get("props") or {}),
            })
        with self._lock:
            self._records = parsed

    def inject_faults(self, faults: Sequence[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    # -- the query ---------------------------------------------------------------------------
    def _authorize(self, header: str | None, site_id: Any) -> None:
        if not header or not header.startswith("Bearer "):
            raise _BadQuery(401, "Missing API key. Please use a valid Plausible API key as a Bearer Token.")
        if header[len("Bearer "):] != self.api_key or site_id != self.site_id:
            raise _BadQuery(401, "Invalid API key or site ID. Please make sure you're using a valid API key "
                                 "with access to the site you've requested.")

    def answer(self, body: Any, authorization: str | None) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _BadQuery(400, "Invalid request body: expected a JSON object")
        self._authorize(authorization, body.get("site_id"))
        unknown = set(body) - _QUERY_KEYS
        if unknown:
            raise _BadQuery(400, f"#: Schema does not allow additional properties: {sorted(unknown)}")
        for required in ("site_id", "metrics", "date_range"):
            if required not in body:
                raise _BadQuery(400, f"#: Required property {required} was not present.")
        metrics = body["metrics"]
        if not isinstance(metrics, list) or not metrics or len(set(metrics)) != len(metrics):
            raise _BadQuery(400, "#/metrics: expected a non-empty list of unique metrics")
        for metric in metrics:
            if metric not in SUPPORTED_METRICS:
                raise _BadQuery(400, f"#/metrics: {metric!r} is not supported by the local server")
        date_range = body["date_range"]
        if not isinstance(date_range, list) or len(date_range) != 2:
            raise _BadQuery(400, "#/date_range: the local server accepts [first_day, last_day] only")
        first, last = _date(date_range[0], "date_range"), _date(date_range[1], "date_range")
        if last < first:
            raise _BadQuery(400, "Invalid date_range: the end is before the start")
        dimensions = body.get("dimensions") or []
        if not isinstance(dimensions, list) or len(set(dimensions)) != len(dimensions):
            raise _BadQuery(400, "#/dimensions: expected a list of unique dimensions")
        for dimension in dimensions:
            if dimension not in ("time:day", "event:goal") and not (
                    isinstance(dimension, str) and dimension.startswith("event:props:") and len(dimension) > 12):
                raise _BadQuery(400, f"#/dimensions: {dimension!r} is not supported by the local server")
        filters = body.get("filters") or []
        for entry in filters:
            if (not isinstance(entry, list) or len(entry) != 3 or entry[0] != "is"
                    or not (entry[1] == "event:goal" or str(entry[1]).startswith("event:props:"))
                    or not isinstance(entry[2], list)):
                raise _BadQuery(400, f"#/filters: {entry!r} is not supported by the local server")
        order_by = body.get("order_by") or []
        for entry in order_by:
            if (not isinstance(entry, list) or len(entry) != 2 or entry[1] not in ("asc", "desc")
                    or (entry[0] not in dimensions and entry[0] not in metrics)):
                raise _BadQuery(400, f"Invalid order_by entry {entry!r}: must be a listed metric or dimension")
        pagination = body.get("pagination") or {}
        limit, offset = pagination.get("limit", MAX_LIMIT), pagination.get("offset", 0)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT or not isinstance(offset, int) or offset < 0:
            raise _BadQuery(400, f"#/pagination: limit must be 1..{MAX_LIMIT} and offset >= 0")
        include = body.get("include") or {}

        with self._lock:
            records = list(self._records)
        groups: dict[tuple, list[int]] = {}
        for record in records:
            if not first <= record["day"] <= last:
                continue
            if not all(self._value(record, entry[1]) in entry[2] for entry in filters):
                continue
            key = tuple(self._value(record, dimension) for dimension in dimensions)
            totals = groups.setdefault(key, [0, 0])
            totals[0] += record["events"]
            totals[1] += record["visitors"]
        rows = [(key, {"events": ev, "visitors": vis}) for key, (ev, vis) in groups.items() if ev > 0]
        rows.sort(key=lambda row: row[0])
        for name, direction in reversed(order_by):  # stable sorts: the first entry wins
            if name in dimensions:
                index = dimensions.index(name)
                rows.sort(key=lambda row, i=index: row[0][i], reverse=direction == "desc")
            else:
                rows.sort(key=lambda row, m=name: row[1][m], reverse=direction == "desc")
        page = rows[offset:offset + limit]
        meta: dict[str, Any] = {}
        if include.get("total_rows"):
            meta["total_rows"] = len(rows)
        return {
            "results": [{"dimensions": list(key), "metrics": [values[m] for m in metrics]} for key, values in page],
            "meta": meta,
            "query": {
                "site_id": body["site_id"],
                "metrics": metrics,
                "date_range": [f"{first.isoformat()}T00:00:00+00:00", f"{last.isoformat()}T23:59:59+00:00"],
                "dimensions": dimensions,
                "filters": filters,
                "order_by": order_by or [[metrics[0], "desc"]],
                "include": include,
                "pagination": {"limit": limit, "offset": offset},
            },
        }

    @staticmethod
    def _value(record: Mapping[str, Any], dimension: str) -> str:
        if dimension == "time:day":
            return record["day"].isoformat()
        if dimension == "event:goal":
            return record["goal"]
        return str(record["props"].get(dimension[len("event:props:"):], "(none)"))


class _Handler(BaseHTTPRequestHandler):
    app: LocalPlausibleServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and the demo print their own
        pass

    def _send(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        body = orjson.dumps(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.split("?")[0] != QUERY_PATH:
            self._send(404, {"error": "Not found"})
            return
        try:
            body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = None
        self.app.requests.append({"body": body, "headers": dict(self.headers.items())})
        fault = self.app._next_fault()
        if fault is not None:
            if fault.delay_s:
                time.sleep(fault.delay_s)
            else:
                self._send(fault.status, {"error": f"injected HTTP {fault.status}"}, fault.headers)
                return
        try:
            self._send(200, self.app.answer(body, self.headers.get("Authorization")))
        except _BadQuery as exc:
            self._send(exc.status, {"error": exc.message})

    def do_GET(self) -> None:
        self._send(405, {"error": "Method not allowed: the Stats API v2 takes POST"})
