"""The Stats API v2 contract against the local Plausible-compatible server over real HTTP: the
request body and headers, paging, the inclusive date_range, and the fault handling (429 with
Retry-After, 5xx and timeouts retried and bounded, 401/403 fail fast without leaking the key)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import requests

from ingestion.plausible.client import (
    PlausibleAuthError,
    PlausibleClient,
    PlausibleQueryError,
    PlausibleUnavailableError,
    daily_query,
)
from ingestion.plausible.local_server import Fault
from ingestion.plausible.mapping import parse_event_map

from .conftest import API_KEY, D1, D2, D3, D4, SITE_ID, config_from_env

GOALS = parse_event_map({"events": {"Support Chat Message": "support-chat", "Doc Question Asked": "doc-qa"}}, "t")


def test_request_body_and_headers_match_the_stats_api(plausible_env):
    server = plausible_env
    sleeps: list[float] = []
    with PlausibleClient(config_from_env(), sleep=sleeps.append) as client:
        rows = list(client.daily_counts(D1, D3, GOALS))
    (request,) = server.requests
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert request["body"] == {
        "site_id": SITE_ID,
        "metrics": ["events", "visitors"],
        # [D1, D3) half-open is [D1, D2] in Plausible's inclusive date ranges
        "date_range": ["2026-03-01", "2026-03-02"],
        "dimensions": ["time:day", "event:goal"],
        "order_by": [["time:day", "asc"]],
        "pagination": {"limit": 10000, "offset": 0},
        "filters": [["is", "event:goal", ["Doc Question Asked", "Support Chat Message"]]],
    }
    assert sorted(rows) == [
        (D1, "Support Chat Message", 40, 12),
        (D2, "Doc Question Asked", 7, 3),
        (D2, "Support Chat Message", 30, 10),
    ]
    assert sleeps == []


def test_the_local_server_answers_in_plausibles_shape(plausible_env):
    body = {"site_id": SITE_ID, "metrics": ["visitors", "events"], "date_range": ["2026-03-01", "2026-03-04"],
            "dimensions": ["event:goal"], "include": {"total_rows": True}, "pagination": {"limit": 2, "offset": 0}}
    answer = requests.post(plausible_env.base_url + "/api/v2/query", json=body,
                           headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5).json()
    assert set(answer) == {"results", "meta", "query"}
    assert answer["meta"] == {"total_rows": 5}
    assert len(answer["results"]) == 2
    # metrics in the order asked: visitors, then events
    assert {tuple(r["dimensions"]): r["metrics"] for r in answer["results"]} == {
        ("Doc Question Asked",): [57, 116], ("Legacy Classification Viewed",): [1, 1]}
    assert answer["query"]["date_range"] == ["2026-03-01T00:00:00+00:00", "2026-03-04T23:59:59+00:00"]
    bad = requests.post(plausible_env.base_url + "/api/v2/query", json={**body, "period": "7d"},
                        headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5)
    assert bad.status_code == 400 and "additional properties" in bad.json()["error"]


def test_pages_are_followed_until_a_short_page(plausible_env):
    server = plausible_env
    config = replace(config_from_env(), page_limit=2)
    everything = parse_event_map({"unmapped": "keep"}, "t")
    with PlausibleClient(config) as client:
        rows = list(client.daily_counts(D1, date(2026, 3, 5), everything))
    assert [r["body"]["pagination"] for r in server.requests] == [
        {"limit": 2, "offset": 0}, {"limit": 2, "offset": 2}, {"limit": 2, "offset": 4},
        {"limit": 2, "offset": 6}, {"limit": 2, "offset": 8}]
    assert len(rows) == len(set(rows)) == 8  # every record once, none lost between pages
    assert "filters" not in server.requests[0]["body"]  # unmapped: keep asks for every goal


def test_event_property_dimension(plausible_env):
    props = parse_event_map({"dimension": "event:props:feature", "unmapped": "keep",
                             "goals": ["Support Chat Message", "Support Chat Opened"]}, "t")
    with PlausibleClient(config_from_env()) as client:
        rows = list(client.daily_counts(D1, D2, props))
    assert plausible_env.requests[0]["body"]["dimensions"] == ["time:day", "event:props:feature"]
    assert plausible_env.requests[0]["body"]["filters"] == [
        ["is", "event:goal", ["Support Chat Message", "Support Chat Opened"]]]
    assert rows == [(D1, "support-chat", 50, 21)]


def test_429_honours_retry_after_and_5xx_is_retried(plausible_env):
    server = plausible_env
    server.inject_faults([Fault(429, {"Retry-After": "7"}), Fault(503), Fault(502)])
    sleeps: list[float] = []
    with PlausibleClient(config_from_env(), sleep=sleeps.append) as client:
        rows = list(client.daily_counts(D1, D2, GOALS))
    assert rows == [(D1, "Support Chat Message", 40, 12)]
    assert len(server.requests) == 4
    assert sleeps[0] == 7.0  # Retry-After, not the backoff
    assert all(0 < s <= 0.05 for s in sleeps[1:]) and len(sleeps) == 3


def test_retries_are_bounded(plausible_env):
    plausible_env.inject_faults([Fault(500)] * 10)
    with pytest.raises(PlausibleUnavailableError, match="after 3 retries"), \
            PlausibleClient(config_from_env(), sleep=lambda s: None) as client:
        list(client.daily_counts(D1, D2, GOALS))
    assert len(plausible_env.requests) == 4


def test_a_timeout_is_retried(plausible_env, monkeypatch):
    monkeypatch.setenv("LLMCOSTS_HTTP_TIMEOUT", "0.3")
    plausible_env.inject_faults([Fault(delay_s=1.0)])
    with PlausibleClient(config_from_env(), sleep=lambda s: None) as client:
        assert list(client.daily_counts(D3, D4, GOALS)) == [(D3, "Doc Question Asked", 9, 4)]


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_fail_fast_naming_the_variables(plausible_env, status):
    plausible_env.inject_faults([Fault(status)] * 5)
    with pytest.raises(PlausibleAuthError) as raised, PlausibleClient(config_from_env()) as client:
        list(client.daily_counts(D1, D2, GOALS))
    assert len(plausible_env.requests) == 1
    message = str(raised.value)
    assert "PLAUSIBLE_API_KEY" in message and "PLAUSIBLE_SITE_ID" in message and API_KEY not in message


def test_a_wrong_key_or_site_is_refused_by_the_server(plausible_env):
    config = config_from_env()
    for bad in (replace(config, api_key=type(config.api_key)("wrong-key")), replace(config, site_id="other.site")):
        with pytest.raises(PlausibleAuthError, match="PLAUSIBLE_API_KEY"), PlausibleClient(bad) as client:
            list(client.daily_counts(D1, D2, GOALS))


def test_a_rejected_query_reports_plausibles_message(plausible_env):
    body = daily_query(SITE_ID, D1, D2, GOALS, limit=10)
    body["metrics"] = ["bounce_rate"]
    with pytest.raises(PlausibleQueryError, match="HTTP 400.*bounce_rate"), PlausibleClient(config_from_env()) as c:
        c.query(body)
    with pytest.raises(ValueError, match="empty window"):
        daily_query(SITE_ID, D2, D2, GOALS, limit=10)
