"""Decode and map a page of v2 observations: typed decoding for the common case, the reference
mapping for anything unusual.

Decoding each page into dicts (orjson) and checking every field in Python was half of the
loader's CPU. msgspec decodes a page straight into the few fields a row needs, checking their
JSON types in C and never building the ~30 fields the row does not use (model parameters, cost
details, prices, names...). It cannot say *why* one observation is malformed without failing its
page, so the typed path is all or nothing per page: the first observation it cannot map (a wrong
JSON type, a value rule such as negative tokens, a timestamp outside the window) sends the whole
page to the reference path (`orjson` + `mapping.map_observation`), which maps the good ones and
writes the bad ones to the rejects table with their reason. Both paths end in `mapping.build_row`,
and tests check they give the same rows and rejects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import orjson

from ingestion.mapping import COLUMN_INDEX, LLM_OBSERVATION_TYPES, Skip, build_row, map_observation

# JSON numbers stay int or float as sent (not float only), so Decimal(str(cost)) and the tokens
# are the same values the reference path computes.
_Number = int | float


class _CostDetails(msgspec.Struct):
    total: Decimal | None = None


class WireObservation(msgspec.Struct):
    """The fields of a v2 observation a row is built from. Unknown fields are skipped unparsed."""

    id: str
    projectId: str  # noqa: N815 - the wire name
    type: str
    startTime: datetime  # noqa: N815
    traceId: str | None = None  # noqa: N815
    userId: str | None = None  # noqa: N815
    sessionId: str | None = None  # noqa: N815
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    usageDetails: dict[str, _Number] | None = None  # noqa: N815
    # Straight from the JSON text: what Decimal(str(float)) gives for any number a float holds
    # exactly, without the float (the column keeps ten places either way).
    totalCost: Decimal | None = None  # noqa: N815
    costDetails: _CostDetails | None = None  # noqa: N815
    model: str | None = None
    providedModelName: str | None = None  # noqa: N815
    promptName: str | None = None  # noqa: N815
    promptVersion: int | None = None  # noqa: N815
    latency: _Number | None = None
    timeToFirstToken: _Number | None = None  # noqa: N815
    level: str | None = None
    environment: str | None = None


class _PageMeta(msgspec.Struct):
    cursor: str | None = None


class _WirePage(msgspec.Struct):
    data: list[WireObservation] = msgspec.field(default_factory=list)
    meta: _PageMeta = msgspec.field(default_factory=_PageMeta)


_PAGE_DECODER = msgspec.json.Decoder(_WirePage)


@dataclass
class Page:
    """One page of the API's answer. `typed` holds the observations when the whole page decoded
    into WireObservation; `items` (dicts, the reference decoding) is built from `body` on first
    use, so a well-formed page is never decoded twice."""

    cursor: str | None
    typed: list[WireObservation] | None = None
    body: bytes | None = None
    retries: int = 0
    observation_type: str | None = None  # the `type` the request filtered on, if any
    _items: list[dict[str, Any]] | None = field(default=None, repr=False)

    @classmethod
    def from_items(cls, items: list[dict[str, Any]], cursor: str | None) -> Page:
        return cls(cursor=cursor, _items=items)

    @classmethod
    def from_body(cls, body: bytes) -> Page:
        """Decode one response body. A body that is not a page at all (not JSON, no object) raises
        orjson's error, as the reference decoding always did."""
        try:
            decoded = _PAGE_DECODER.decode(body)
        except msgspec.MsgspecError:
            parsed = orjson.loads(body)
            items = parsed.get("data") or []
            return cls(cursor=(parsed.get("meta") or {}).get("cursor"), body=body, _items=items)
        return cls(cursor=decoded.meta.cursor, typed=decoded.data, body=body)

    @property
    def items(self) -> list[dict[str, Any]]:
        if self._items is None:
            self._items = orjson.loads(self.body).get("data") or []
        return self._items

    def __len__(self) -> int:
        return len(self.typed) if self.typed is not None else len(self.items)


@dataclass
class MappedPage:
    rows: list[tuple] = field(default_factory=list)
    rejects: list[tuple[Any, str]] = field(default_factory=list)  # (observation as sent, reason)
    skipped: int = 0


class _Irregular(Exception):
    """The typed path cannot map this page on its own: the reference path takes it."""


def map_page(
    page: Page,
    start: datetime,
    end: datetime,
    *,
    feature_keys: tuple[str, ...] = ("feature",),
    max_metadata_bytes: int = 16_384,
) -> MappedPage:
    """Rows for every LLM call of the page in [start, end), rejects with reasons, and the count of
    observations that are not LLM calls (or not of the type the page asked for)."""
    wanted = LLM_OBSERVATION_TYPES if page.observation_type is None else frozenset({page.observation_type})
    if page.typed is not None:
        try:
            return _map_typed(page.typed, wanted, start, end, feature_keys, max_metadata_bytes)
        except _Irregular:
            pass
    return _map_reference(page.items, wanted, start, end, feature_keys, max_metadata_bytes)


def _map_typed(observations: list[WireObservation], wanted: frozenset[str], start: datetime, end: datetime,
               feature_keys: tuple[str, ...], max_metadata_bytes: int) -> MappedPage:
    mapped = MappedPage()
    rows = mapped.rows
    for o in observations:
        obs_type = o.type
        if obs_type not in wanted:
            mapped.skipped += 1
            continue
        ts = o.startTime
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)  # as parse_ts reads a timestamp without an offset
        if not o.id or not o.projectId or not (start <= ts < end):
            raise _Irregular
        cost_value = o.totalCost
        if cost_value is None and o.costDetails is not None:
            cost_value = o.costDetails.total
        try:
            rows.append(build_row(
                obs_type, o.id, o.traceId, o.projectId, ts, o.userId, o.sessionId,
                o.metadata if o.metadata is not None else {}, o.tags or [], o.usageDetails, cost_value,
                o.model or o.providedModelName, o.promptName, o.promptVersion, o.latency, o.timeToFirstToken,
                o.level, o.environment, feature_keys, max_metadata_bytes,
            ))
        except ValueError:
            raise _Irregular from None
    return mapped


def _map_reference(items: list[Any], wanted: frozenset[str], start: datetime, end: datetime,
                   feature_keys: tuple[str, ...], max_metadata_bytes: int) -> MappedPage:
    mapped = MappedPage()
    for item in items:
        if not isinstance(item, dict):
            mapped.rejects.append((item, "observation is not a JSON object"))
            continue
        if item.get("type") not in wanted:
            mapped.skipped += 1
            continue
        try:
            row = map_observation(item, feature_keys=feature_keys, max_metadata_bytes=max_metadata_bytes)
        except Skip:
            mapped.skipped += 1
            continue
        except ValueError as exc:
            mapped.rejects.append((item, str(exc)))
            continue
        ts = row[COLUMN_INDEX["ts"]]
        if not (start <= ts < end):
            # The API must honour the window; a row outside it would land in a partition this run
            # did not prepare and skew the window's totals.
            mapped.rejects.append((item, f"startTime {ts.isoformat()} outside the requested window"))
            continue
        mapped.rows.append(row)
    return mapped
