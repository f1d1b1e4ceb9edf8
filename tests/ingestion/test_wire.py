"""The typed page decoding (ingestion.wire) must give exactly what the reference mapping gives:
the same rows for well-formed pages, and for anything unusual the reference path's rows, rejects
and reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from ingestion.local_langfuse.server import FIELD_GROUPS as SERVED_FIELDS
from ingestion.local_langfuse.workload import generate_observations
from ingestion.mapping import FIELD_GROUPS, LLM_OBSERVATION_TYPES, Skip, map_observation
from ingestion.wire import Page, map_page

START, END = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
KEYS = [key for group in FIELD_GROUPS.split(",") for key in SERVED_FIELDS[group]]


def _body(items, cursor="next") -> bytes:
    return orjson.dumps({"data": items, "meta": {"cursor": cursor}})


def _expected(items, wanted=LLM_OBSERVATION_TYPES):
    """The reference semantics, spelled out with the public mapping function."""
    rows, rejects, skipped = [], [], 0
    for item in items:
        if not isinstance(item, dict):
            rejects.append((item, "observation is not a JSON object"))
            continue
        if item.get("type") not in wanted:
            skipped += 1
            continue
        try:
            row = map_observation(item)
        except Skip:
            skipped += 1
            continue
        except ValueError as exc:
            rejects.append((item, str(exc)))
            continue
        if START <= row[3] < END:
            rows.append(row)
        else:
            rejects.append((item, f"startTime {row[3].isoformat()} outside the requested window"))
    return rows, rejects, skipped


def _mapped(page):
    result = map_page(page, START, END)
    return result.rows, result.rejects, result.skipped


def _same(mapped, expected):
    """Equal, and exactly: repr tells Decimal('1') from Decimal('1.0') and an int from a float."""
    return mapped == expected and repr(mapped) == repr(expected)


def _served(observation):
    """An observation as the API serves it: the requested field groups, nothing else."""
    return {key: observation.get(key) for key in KEYS}


@pytest.fixture(scope="module")
def workload():
    return [_served(o) for o in generate_observations(END, days=20, calls_per_day=150, seed=3, project_id="p")]


def test_well_formed_pages_take_the_typed_path_and_give_the_reference_rows(workload):
    assert {o["type"] for o in workload} >= {"GENERATION", "EMBEDDING", "SPAN", "EVENT"}
    for offset in range(0, len(workload), 500):
        items = workload[offset:offset + 500]
        page = Page.from_body(_body(items))
        assert page.typed is not None and page.cursor == "next" and len(page) == len(items)
        assert _same(_mapped(page), _expected(items))


GOOD = {
    "id": "ok-1", "traceId": "t", "projectId": "p", "type": "GENERATION", "startTime": "2026-10-20T10:00:00.250Z",
    "userId": "u", "sessionId": "s", "metadata": {"feature": "search", "prompt_id": 7}, "tags": ["feature:x"],
    "model": "gpt-4o", "usageDetails": {"input": 100, "input_cached_tokens": 40, "output": 20},
    "totalCost": 0.0012, "promptName": "answer", "promptVersion": 2, "latency": 1.25, "timeToFirstToken": 0.5,
    "level": "DEFAULT", "environment": "production",
}

ODDITIES = [
    # well-typed JSON the typed path still maps: must equal the reference exactly
    {"totalCost": 1},
    {"totalCost": 0.00001},
    {"totalCost": 2.5e-7},
    {"totalCost": 12.0},
    {"totalCost": "0.3"},
    {"totalCost": True},
    {"totalCost": "NaN"},
    {"totalCost": None, "costDetails": {"input": 0.5, "total": 0.75}},
    {"totalCost": None, "costDetails": None},
    {"usageDetails": {"input": 10.0, "output": 2.7, "total": 13}},
    {"usageDetails": None},
    {"metadata": None, "tags": None},
    {"metadata": {}, "tags": ["a", "feature:from-tag"]},
    {"startTime": "2026-10-20T10:00:00"},  # no offset: read as UTC
    {"startTime": "2026-10-20T12:00:00.5+02:00"},
    {"latency": 2, "timeToFirstToken": None},
    {"type": "SPAN"},
    {"type": "EMBEDDING", "model": "text-embedding-3-small", "promptName": None, "promptVersion": None},
    # what the typed path must hand to the reference path
    {"usageDetails": {"input": -5}},
    {"usageDetails": {"input": True}},
    {"usageDetails": "lots"},
    {"totalCost": "a lot"},
    {"totalCost": -0.01},
    {"totalCost": None, "costDetails": {"total": "0.3"}},
    {"metadata": "just text"},
    {"metadata": {"blob": "x" * 20_000}},
    {"tags": [1, 2]},
    {"tags": "feature:x"},
    {"promptVersion": 1.0},
    {"promptVersion": True},
    {"latency": True},
    {"startTime": "yesterday"},
    {"startTime": None},
    {"startTime": "2026-09-01T00:00:00Z"},  # outside the window
    {"id": ""},
    {"id": None},
    {"projectId": 12},
    {"type": 5},
    {"userId": 42},
]


@pytest.mark.parametrize("overrides", ODDITIES, ids=[orjson.dumps(o).decode()[:50] for o in ODDITIES])
def test_each_oddity_gives_what_the_reference_mapping_gives(overrides):
    odd = {**GOOD, "id": "odd", **overrides}
    items = [dict(GOOD), odd, {**GOOD, "id": "ok-2"}]
    assert _same(_mapped(Page.from_body(_body(items))), _expected(items))


def test_a_malformed_observation_costs_only_itself():
    items = [dict(GOOD), {**GOOD, "id": "bad", "usageDetails": {"input": -1}}, 42, {**GOOD, "id": "ok-2"}]
    rows, rejects, skipped = _mapped(Page.from_body(_body(items)))
    assert [r[0] for r in rows] == ["ok-1", "ok-2"] and skipped == 0
    assert [(raw if not isinstance(raw, dict) else raw["id"], reason) for raw, reason in rejects] == [
        ("bad", "negative tokens in usageDetails.input"), (42, "observation is not a JSON object")]


def test_a_page_keeps_only_the_type_it_asked_for():
    items = [dict(GOOD), {**GOOD, "id": "emb", "type": "EMBEDDING"}, {**GOOD, "id": "span", "type": "SPAN"}]
    bad = {**GOOD, "id": "bad", "type": "EMBEDDING", "totalCost": -1}  # sends the page to the reference path
    for body, rejected in ((_body(items), []), (_body([*items, bad]), ["bad"])):
        page = Page.from_body(body)
        page.observation_type = "EMBEDDING"
        rows, rejects, skipped = _mapped(page)
        assert [r[0] for r in rows] == ["emb"] and skipped == 2
        assert [raw["id"] for raw, _ in rejects] == rejected


def test_pages_that_are_not_pages():
    assert Page.from_body(orjson.dumps({"data": [], "meta": {}})).cursor is None
    page = Page.from_body(orjson.dumps({"data": [GOOD, "x"]}))  # not typed; still read
    assert page.typed is None and len(page) == 2 and page.cursor is None
    with pytest.raises(orjson.JSONDecodeError):
        Page.from_body(b"<html>gateway timeout</html>")
