"""The synthetic workload: deterministic, and it plants exactly what the marts and alerts must find."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from ingestion.local_langfuse.workload import (
    FEATURES,
    MODEL_PRICES,
    NEW_FEATURE,
    SPIKE_FEATURE,
    UNPRICED_MODEL,
    generate_observations,
    iter_observations,
    write_app_users_csv,
)

END = datetime(2025, 6, 30, 15, 17, 23, tzinfo=UTC)
LLM_TYPES = {"GENERATION", "EMBEDDING"}


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@pytest.fixture(scope="module")
def observations() -> list[dict]:
    return generate_observations(END, days=21, calls_per_day=120, seed=11)


def _feature(observation: dict) -> str | None:
    """The attribution rule the warehouse documents: metadata first, then a `feature:` trace tag."""
    feature = (observation.get("metadata") or {}).get("feature")
    if feature:
        return feature
    for tag in observation.get("tags") or []:
        if tag.startswith("feature:"):
            return tag.removeprefix("feature:")
    return None


def _weekly_cost(observations: list[dict]) -> dict[str | None, list[float]]:
    last_week, previous_week = _iso(END - timedelta(days=7)), _iso(END - timedelta(days=14))
    costs: dict[str | None, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for obs in observations:
        if obs["type"] not in LLM_TYPES or obs["totalCost"] is None:
            continue
        if obs["startTime"] >= last_week:
            costs[_feature(obs)][1] += obs["totalCost"]
        elif obs["startTime"] >= previous_week:
            costs[_feature(obs)][0] += obs["totalCost"]
    return costs


def test_same_seed_same_workload_and_other_seed_differs():
    first = generate_observations(END, days=3, calls_per_day=40, seed=3)
    assert first == generate_observations(END, days=3, calls_per_day=40, seed=3)
    assert first == list(iter_observations(END, days=3, calls_per_day=40, seed=3))
    assert [o["id"] for o in first] != [o["id"] for o in generate_observations(END, days=3, calls_per_day=40, seed=4)]


def test_every_observation_is_inside_the_half_open_period_and_carries_the_project(observations):
    start, end = _iso(END - timedelta(days=21)), _iso(END)
    assert all(start <= obs["startTime"] < end for obs in observations)
    assert {obs["projectId"] for obs in observations} == {"demo-project"}
    assert len({obs["id"] for obs in observations}) == len(observations)
    custom = generate_observations(END, days=1, calls_per_day=5, project_id="other")
    assert {obs["projectId"] for obs in custom} == {"other"}


def test_spike_feature_doubles_week_over_week_and_the_others_stay_flat(observations):
    costs = _weekly_cost(observations)
    previous, last = costs[SPIKE_FEATURE]
    assert last / previous - 1 > 0.6
    for feature in [spec.name for spec in FEATURES if spec.name != SPIKE_FEATURE]:
        previous, last = costs[feature]
        assert previous > 0, feature
        assert abs(last / previous - 1) < 0.20, (feature, previous, last)


def test_new_feature_only_spends_in_the_last_seven_days(observations):
    cutoff = _iso(END - timedelta(days=7))
    new = [o for o in observations if _feature(o) == NEW_FEATURE and o["type"] in LLM_TYPES]
    assert new
    assert all(o["startTime"] >= cutoff for o in new)
    assert sum(o["totalCost"] for o in new) > 5


def test_cost_matches_usage_times_price(observations):
    checked = 0
    for obs in observations:
        if obs["type"] not in LLM_TYPES or obs["totalCost"] is None:
            continue
        price = MODEL_PRICES[obs["model"]]
        usage = obs["usageDetails"]
        cached = usage.get("input_cached_tokens", 0) + usage.get("cache_read_input_tokens", 0)
        expected = (usage["input"] * price.input + usage.get("output", 0) * price.output
                    + cached * (price.cached_input or 0)
                    + usage.get("cache_creation_input_tokens", 0) * (price.cache_write or 0)) / 1e6
        assert obs["totalCost"] == pytest.approx(expected, rel=1e-6, abs=1e-9)
        assert obs["costDetails"]["total"] == obs["totalCost"]
        assert usage["total"] == sum(v for k, v in usage.items() if k != "total")
        checked += 1
    assert checked > 1000


def test_planted_edge_cases_are_all_present(observations):
    llm = [o for o in observations if o["type"] in LLM_TYPES]
    untagged = [o for o in llm if not (o["metadata"] or {}).get("feature")]
    tag_fallback = [o for o in untagged if _feature(o)]
    unpriced = [o for o in llm if o["totalCost"] is None]
    errors = [o for o in llm if o["level"] == "ERROR"]
    non_llm = [o for o in observations if o["type"] in {"SPAN", "EVENT"}]
    for share in (len(untagged), len(tag_fallback), len(unpriced), len(errors)):
        assert 0 < share / len(llm) < 0.2
    assert 0.10 < len(non_llm) / len(observations) < 0.20
    assert {o["model"] for o in unpriced} == {UNPRICED_MODEL}
    assert all(o["costDetails"] == {} for o in unpriced)
    assert any(o["userId"] is None for o in llm)
    assert {o["environment"] for o in observations} == {"production", "staging"}
    assert {o["type"] for o in llm} == {"GENERATION", "EMBEDDING"}
    openai_cached = [o for o in llm if o["usageDetails"].get("input_cached_tokens")]
    anthropic_cached = [o for o in llm if o["usageDetails"].get("cache_read_input_tokens")]
    assert openai_cached and anthropic_cached
    assert any((o["metadata"] or {}).get("prompt_id") and o["promptName"] is None for o in llm)
    assert all(o["latency"] > 0 for o in llm)


def test_prompt_versions_roll_out_over_the_period():
    observations = generate_observations(END, days=60, calls_per_day=30, seed=5)
    versions = defaultdict(set)
    for obs in observations:
        if obs.get("promptName"):
            versions[obs["promptName"]].add(obs["promptVersion"])
    assert sum(len(v) > 1 for v in versions.values()) >= 4
    spike_versions = [o for o in observations if o.get("promptName") == f"{SPIKE_FEATURE}-system"]
    newest = max(o["promptVersion"] for o in spike_versions)
    cutoff = _iso(END - timedelta(days=7))
    assert all(o["startTime"] >= cutoff for o in spike_versions if o["promptVersion"] == newest)


def test_user_activity_is_skewed_and_users_match_the_app_users_csv(observations, tmp_path):
    calls_per_user: dict[str, int] = defaultdict(int)
    for obs in observations:
        if obs["type"] in LLM_TYPES and obs["userId"]:
            calls_per_user[obs["userId"]] += 1
    ranked = sorted(calls_per_user.values(), reverse=True)
    assert sum(ranked[:10]) > 0.25 * sum(ranked)

    path = write_app_users_csv(tmp_path / "app_users.csv", seed=11, n_users=400, end=END)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["user_id", "signup_at", "tier", "last_active_at"]
    users = {row["user_id"]: row for row in rows}
    assert len(users) == 400
    assert set(calls_per_user) <= set(users)
    assert {row["tier"] for row in rows} == {"free", "pro", "enterprise"}
    first_call: dict[str, str] = {}
    for obs in observations:
        if obs["userId"]:
            first_call[obs["userId"]] = min(first_call.get(obs["userId"], obs["startTime"]), obs["startTime"])
    # Nobody calls an LLM feature before signing up.
    assert all(users[user]["signup_at"] <= started for user, started in first_call.items())
    assert all(row["signup_at"] < row["last_active_at"] <= _iso(END) for row in rows)
