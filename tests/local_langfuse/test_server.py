"""Contract tests: the real Langfuse SDK and plain HTTP clients against the local server."""

from __future__ import annotations

import base64
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from langfuse import Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager
from langfuse.api import Error as LangfuseBadRequest
from langfuse.api import UnauthorizedError
from langfuse.api.commons.types.observation_v2 import ObservationV2

from ingestion.local_langfuse.server import FIELD_GROUPS, OBSERVATIONS_PATH, Delay, LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations

END = datetime(2025, 6, 30, 15, 17, 23, tzinfo=UTC)
PUBLIC_KEY, SECRET_KEY = "pk-lf-test", "sk-lf-test"
ALL_GROUPS = ",".join(FIELD_GROUPS)
SCHEMA_REQUIRED = {"id", "traceId", "startTime", "endTime", "projectId", "parentObservationId", "type",
                   "modelId", "inputPrice", "outputPrice", "totalPrice"}


@pytest.fixture(scope="module")
def observations() -> list[dict]:
    return generate_observations(END, days=10, calls_per_day=60, seed=3)


@pytest.fixture()
def server(observations):
    with LocalLangfuseServer(observations, public_key=PUBLIC_KEY, secret_key=SECRET_KEY,
                             project_id="demo-project") as running:
        yield running


@pytest.fixture()
def http(server) -> requests.Session:
    session = requests.Session()
    session.auth = (PUBLIC_KEY, SECRET_KEY)
    yield session
    session.close()


def _sdk(server: LocalLangfuseServer, secret_key: str = SECRET_KEY) -> Langfuse:
    # The SDK keeps one client (base URL and secret included) per public key for the whole process;
    # forget earlier ones so each test talks to its own server with the credentials it names.
    LangfuseResourceManager.reset()
    return Langfuse(public_key=PUBLIC_KEY, secret_key=secret_key, base_url=server.base_url,
                    tracing_enabled=False, timeout=30)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _expected_ids(observations, start: datetime, end: datetime) -> list[str]:
    inside = [o for o in observations if _iso(start) <= o["startTime"] < _iso(end)]
    return [o["id"] for o in sorted(inside, key=lambda o: (o["startTime"], o["id"]), reverse=True)]


def _pull_all(get_page, cursor: str | None = None, **params) -> list[dict]:
    items = []
    while True:
        page = get_page(cursor=cursor, **params)
        items.extend(page["data"])
        cursor = page["meta"].get("cursor")
        if not cursor:
            return items


def test_sdk_pages_through_the_window_exactly_once_in_start_time_descending_order(server, observations):
    start, end = END - timedelta(days=6, hours=5), END - timedelta(days=2, minutes=7)
    client = _sdk(server)
    received: list[ObservationV2] = []
    cursor, pages = None, 0
    while True:
        page = client.api.observations.get_many(
            fields="core,basic,usage,model,prompt,metrics,metadata,time,trace_context", limit=97,
            cursor=cursor, from_start_time=start, to_start_time=end, request_options={"max_retries": 0})
        received.extend(page.data)
        pages += 1
        cursor = page.meta.cursor
        if not cursor:
            break
    expected = _expected_ids(observations, start, end)
    assert len(expected) > 300
    assert [o.id for o in received] == expected
    assert pages == -(-len(expected) // 97)  # no empty trailing page
    assert all(isinstance(o, ObservationV2) and o.start_time.tzinfo is not None for o in received)
    generations = [o for o in received if o.type == "GENERATION" and o.total_cost is not None]
    assert generations and all(o.usage_details and o.model and o.cost_details for o in generations)
    first = server.requests[0][1]
    assert datetime.fromisoformat(first["fromStartTime"]) == start
    assert datetime.fromisoformat(first["toStartTime"]) == end and first["limit"] == "97"
    assert server.observations_served == len(expected)


def test_window_bounds_are_half_open(server, http):
    boundary = "2025-06-28T00:00:00.000Z"
    planted = [{"id": f"edge-{i}", "traceId": "t", "startTime": boundary, "endTime": boundary,
                "projectId": "demo-project", "parentObservationId": None, "type": "GENERATION"}
               for i in range(3)]
    server.add_observations(planted)

    def get(**params):
        return http.get(server.base_url + OBSERVATIONS_PATH, params={"limit": 1000, **params}).json()

    inside = _pull_all(get, fromStartTime=boundary, toStartTime="2025-06-28T00:00:01Z")
    assert [o["id"] for o in inside if o["id"].startswith("edge-")] == ["edge-2", "edge-1", "edge-0"]
    before = _pull_all(get, fromStartTime="2025-06-27T23:00:00Z", toStartTime=boundary)
    assert not [o for o in before if o["id"].startswith("edge-")]


def test_only_requested_field_groups_are_returned(server, http):
    def keys(fields: str | None) -> set[str]:
        params = {"limit": 5} | ({"fields": fields} if fields is not None else {})
        data = http.get(server.base_url + OBSERVATIONS_PATH, params=params).json()["data"]
        assert len(data) == 5
        return set().union(*(item.keys() for item in data))

    default = keys(None)
    assert default == set(FIELD_GROUPS["core"]) | set(FIELD_GROUPS["basic"]) | SCHEMA_REQUIRED
    assert "input" not in default and "usageDetails" not in default
    usage_only = keys("usage")
    assert usage_only == set(FIELD_GROUPS["core"]) | set(FIELD_GROUPS["usage"]) | SCHEMA_REQUIRED
    with_io = keys("core,io")
    assert {"input", "output"} <= with_io and "name" not in with_io
    everything = keys(ALL_GROUPS)
    server.prewarm(ALL_GROUPS)  # cached bodies must equal freshly serialised ones
    assert keys(ALL_GROUPS) == everything and keys("usage") == usage_only
    assert everything == set().union(*FIELD_GROUPS.values())

    data = http.get(server.base_url + OBSERVATIONS_PATH, params={"fields": "basic", "limit": 50}).json()["data"]
    assert all(item["modelId"] is None and item["inputPrice"] is None for item in data)
    data = http.get(server.base_url + OBSERVATIONS_PATH,
                    params={"fields": "model", "type": "GENERATION", "limit": 50}).json()["data"]
    priced = [item for item in data if item["modelId"]]
    assert priced and all(item["providedModelName"] == item["model"] and item["inputPrice"] for item in priced)


def test_filters_by_type_environment_and_user(server, http, observations):
    def pull(**params):
        return _pull_all(lambda **p: http.get(server.base_url + OBSERVATIONS_PATH, params=p).json(),
                         limit=1000, fields="core,basic", **params)

    spans = pull(type="SPAN")
    assert spans and len(spans) == sum(o["type"] == "SPAN" for o in observations)
    staging = pull(environment=["staging", "nowhere"])
    assert staging and {o["environment"] for o in staging} == {"staging"}
    user = next(o["userId"] for o in observations if o["userId"])
    assert {o["userId"] for o in pull(userId=user)} == {user}
    trace = observations[10]["traceId"]
    assert [o["id"] for o in pull(traceId=trace)] == [
        o["id"] for o in sorted(observations, key=lambda o: (o["startTime"], o["id"]), reverse=True)
        if o["traceId"] == trace]


def test_wrong_or_missing_credentials_are_rejected_with_401(server):
    with pytest.raises(UnauthorizedError):
        _sdk(server, secret_key="sk-wrong").api.observations.get_many(limit=1, request_options={"max_retries": 0})
    response = requests.get(server.base_url + OBSERVATIONS_PATH)
    assert response.status_code == 401 and "message" in response.json()
    basic = base64.b64encode(f"{PUBLIC_KEY}:{SECRET_KEY}x".encode()).decode()
    assert requests.get(server.base_url + OBSERVATIONS_PATH,
                        headers={"Authorization": f"Basic {basic}"}).status_code == 401


def test_bad_requests_are_rejected_with_400(server, http):
    with pytest.raises(LangfuseBadRequest):
        _sdk(server).api.observations.get_many(limit=1001, request_options={"max_retries": 0})
    for params in ({"limit": 0}, {"limit": "ten"}, {"parseIoAsJson": "true"}, {"cursor": "not-a-cursor"},
                   {"fields": "core,everything"}, {"fromStartTime": "yesterday"}):
        response = http.get(server.base_url + OBSERVATIONS_PATH, params=params)
        assert response.status_code == 400, params
        assert response.json()["message"]
    assert http.get(server.base_url + OBSERVATIONS_PATH, params={"parseIoAsJson": "false"}).status_code == 200


def test_health_and_unknown_paths(server):
    health = _sdk(server).api.health.health()
    assert health.status == "OK" and health.version
    response = requests.get(server.base_url + "/api/public/traces")
    assert response.status_code == 404 and response.json()["message"]


def test_injected_faults_answer_the_next_requests_in_order(server, http):
    server.inject_faults([(429, {"Retry-After": "1"}), (503, {}), 500])
    url = server.base_url + OBSERVATIONS_PATH
    first = http.get(url, params={"limit": 10})
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert http.get(url, params={"limit": 10}).status_code == 503
    assert http.get(url, params={"limit": 10}).status_code == 500
    after = http.get(url, params={"limit": 10})
    assert after.status_code == 200 and len(after.json()["data"]) == 10
    assert len(server.requests) == 4
    assert server.observations_served == 10


def test_sdk_retries_through_a_503(server):
    server.inject_faults([(503, {})])
    page = _sdk(server).api.observations.get_many(limit=7, request_options={"max_retries": 2})
    assert len(page.data) == 7
    assert len(server.requests) == 2


def test_a_delay_fault_provokes_a_client_timeout(server, http):
    server.inject_faults([Delay(1.0)])
    with pytest.raises(requests.Timeout):
        http.get(server.base_url + OBSERVATIONS_PATH, params={"limit": 3}, timeout=0.2)
    response = http.get(server.base_url + OBSERVATIONS_PATH, params={"limit": 3}, timeout=5)
    assert response.status_code == 200


def test_type_filtered_pages_combine_with_other_filters_and_see_rows_added_later(server, http, observations):
    """`type` is served from a per-type index: it must agree with a plain scan."""
    def pull(**params):
        return [o["id"] for o in _pull_all(lambda **p: http.get(server.base_url + OBSERVATIONS_PATH, params=p).json(),
                                           limit=37, fields="core,basic", **params)]

    newest_first = sorted(observations, key=lambda o: (o["startTime"], o["id"]), reverse=True)
    user = next(o["userId"] for o in observations if o["userId"] and o["type"] == "GENERATION")
    assert pull(type="GENERATION", userId=user) == [
        o["id"] for o in newest_first if o["type"] == "GENERATION" and o["userId"] == user]
    embeddings = pull(type="EMBEDDING")
    assert embeddings == [o["id"] for o in newest_first if o["type"] == "EMBEDDING"]
    late = {**next(o for o in observations if o["type"] == "EMBEDDING"), "id": "late-embedding",
            "startTime": "2020-01-01T00:00:00.000Z"}
    assert server.add_observations([late]) == 1
    assert pull(type="EMBEDDING") == [*embeddings, "late-embedding"]
    assert pull(type="NO-SUCH-TYPE") == []


def test_cursor_stays_exact_when_late_rows_arrive_between_pages(server, http, observations):
    url = server.base_url + OBSERVATIONS_PATH
    first = http.get(url, params={"limit": 100, "fields": "core"}).json()
    last_seen = first["data"][-1]["startTime"]
    newest = first["data"][0]["startTime"]
    late = [
        # Older than the cursor: must appear on a later page of this pass.
        {"id": "late-old", "traceId": "t1", "startTime": "2025-06-25T00:00:00.000Z", "endTime": None,
         "projectId": "demo-project", "parentObservationId": None, "type": "GENERATION"},
        # Newer than the first page: belongs to the next pass, must not shift this one.
        {"id": "late-new", "traceId": "t2", "startTime": newest, "endTime": None,
         "projectId": "demo-project", "parentObservationId": None, "type": "GENERATION"},
        # Another project's row is never served to this project's keys.
        {"id": "other-project", "traceId": "t3", "startTime": "2025-06-25T00:00:00.000Z",
         "projectId": "someone-else", "parentObservationId": None, "type": "GENERATION"},
    ]
    assert server.add_observations(late) == 2
    rest = _pull_all(lambda **p: http.get(url, params=p).json(), limit=1000, fields="core",
                     cursor=first["meta"]["cursor"])
    ids = [o["id"] for o in first["data"]] + [o["id"] for o in rest]
    assert len(ids) == len(set(ids)) == len(observations) + 1
    assert "late-old" in ids and "late-new" not in ids and "other-project" not in ids
    assert all(o["startTime"] <= last_seen for o in rest)


def test_malformed_rows_are_served_as_given(server, http):
    broken = [
        # No startTime: placed by createdAt, served without the key.
        {"id": "no-start", "traceId": "t", "createdAt": "2025-06-29T12:00:00.000Z", "projectId": "demo-project",
         "parentObservationId": None, "type": "GENERATION", "usageDetails": {"input": -5, "output": 3}},
        # No time at all: cannot be tested against a window, so it is in every window.
        {"id": "no-time", "traceId": "t", "projectId": "demo-project", "parentObservationId": None,
         "type": "GENERATION"},
    ]
    server.add_observations(broken)
    url = server.base_url + OBSERVATIONS_PATH
    window = {"fromStartTime": "2025-06-29T11:00:00Z", "toStartTime": "2025-06-29T13:00:00Z"}
    items = _pull_all(lambda **p: http.get(url, params=p).json(), limit=1000, fields="core,usage", **window)
    by_id = {item["id"]: item for item in items}
    assert "startTime" not in by_id["no-start"] and by_id["no-start"]["usageDetails"]["input"] == -5
    assert items[0]["id"] == "no-time"
    elsewhere = _pull_all(lambda **p: http.get(url, params=p).json(), limit=1000,
                          fromStartTime="2025-06-21T00:00:00Z", toStartTime="2025-06-22T00:00:00Z")
    assert "no-time" in {o["id"] for o in elsewhere} and "no-start" not in {o["id"] for o in elsewhere}


def test_stop_also_ends_keep_alive_connections(observations):
    server = LocalLangfuseServer(observations[:10], public_key=PUBLIC_KEY, secret_key=SECRET_KEY).start()
    session = requests.Session()
    session.auth = (PUBLIC_KEY, SECRET_KEY)
    url = server.base_url + OBSERVATIONS_PATH
    assert session.get(url, params={"limit": 1}).status_code == 200
    server.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(url, params={"limit": 1}, timeout=5)


def test_command_line_serves_the_workload_until_stopped():
    process = subprocess.Popen(
        [sys.executable, "-m", "ingestion.local_langfuse", "--port", "0", "--days", "2", "--calls-per-day", "20",
         "--public-key", "pk-cli", "--secret-key", "sk-cli"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        banner = process.stdout.readline()
        base_url = process.stdout.readline().strip()
        assert "observations" in banner and base_url.startswith("http://127.0.0.1:")
        page = requests.get(base_url + OBSERVATIONS_PATH, auth=("pk-cli", "sk-cli"), params={"limit": 5}, timeout=10)
        assert page.status_code == 200 and len(page.json()["data"]) == 5
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
