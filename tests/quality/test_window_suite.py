"""The Great Expectations suite on a window of raw.llm_calls: each expectation passes on good
data and fails on a window crafted to break exactly it; the thresholds are configurable.

One database for the module; every scenario lives in its own month, so each validation sees
exactly one defect (or none)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from quality_helpers import call, good_calls, insert_calls, insert_reject

from ingestion.pipeline import month_window
from ingestion.quality.checks import ERROR, WARN
from ingestion.quality.config import get_quality_settings
from ingestion.quality.expectations import CHECKS_BY_NAME, WINDOW_CHECKS, validate_window


@dataclass
class Scenario:
    month: datetime
    defect: str | None  # the one check expected to fail; None = every check passes
    rows: list = field(default_factory=list)
    rejects: list = field(default_factory=list)  # (observation_id, rejected_at, run_id)
    now: datetime | None = None


def _m(month: int) -> datetime:
    return datetime(2025, month, 1, tzinfo=UTC)


def _scenarios() -> dict[str, Scenario]:
    s: dict[str, Scenario] = {}

    def base(key: str, month: int, defect: str | None) -> Scenario:
        scenario = Scenario(_m(month), defect, rows=good_calls(_m(month), prefix=key))
        s[key] = scenario
        return scenario

    base("good", 1, None)
    # the same observation stored at two timestamps (the primary key is (observation_id, ts))
    dup = base("duplicate", 2, "no_duplicate_observation_id")
    dup.rows.append(call("duplicate-3", _m(2) + timedelta(days=5)))
    # a call dated after "now": the window's upper edge
    future = base("future", 3, "ts_inside_partition")
    future.now = _m(3) + timedelta(days=20)
    future.rows.append(call("future-x", future.now + timedelta(hours=2)))
    base("negative_tokens", 4, "non_negative_tokens_and_cost").rows.append(
        call("neg-tokens", _m(4) + timedelta(days=2), output_tokens=-3))
    base("negative_cost", 5, "non_negative_tokens_and_cost").rows.append(
        call("neg-cost", _m(5) + timedelta(days=2), cost_usd=Decimal("-0.5")))
    base("cost_source", 6, "cost_source_accepted").rows.append(
        call("bad-source", _m(6) + timedelta(days=2), cost_source="free"))
    base("model", 7, "model_present").rows.append(call("no-model", _m(7) + timedelta(days=2), model=None))
    # 200 tagged + 20 untagged (null user, blank feature, null prompt) = 90.9% coverage < 95%
    tags = base("tags", 8, "tag_coverage")
    tags.rows += [call(f"untagged-{i}", _m(8) + timedelta(days=3, minutes=i),
                       **({"user_id": None} if i % 3 == 0 else {"feature": "  "} if i % 3 == 1 else {"prompt_id": None}))
                  for i in range(20)]
    # 20 unpriced of 220 = 9.1% > 5%
    unpriced = base("unpriced", 9, "unpriced_share")
    unpriced.rows += [call(f"no-price-{i}", _m(9) + timedelta(days=3, minutes=i), cost_usd=None,
                           cost_source="unpriced") for i in range(20)]
    # 4 distinct rejects (one rejected twice by two runs) of 204 = 2% > 1%
    rejects = base("rejects", 10, "rejects_share")
    rejects.rejects = [(f"rej-{i}", _m(10) + timedelta(days=1, hours=i), None) for i in range(4)]
    rejects.rejects.append(("rej-0", _m(10) + timedelta(days=2), None))
    return s


SCENARIOS = _scenarios()


@pytest.fixture(scope="module")
def crafted_warehouse(pg_admin_url):
    import uuid
    from urllib.parse import urlparse, urlunparse

    from ingestion.schema import migrate

    name = "quality_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlunparse(urlparse(pg_admin_url)._replace(path="/" + name))
    try:
        with psycopg.connect(url) as conn:
            migrate(conn)
            # The table's own constraint already refuses unknown cost sources; drop it here so the
            # expectation can be shown to catch one (a warehouse migrated by hand may lack it).
            conn.execute("alter table raw.llm_calls drop constraint llm_calls_cost_source_check")
        for scenario in SCENARIOS.values():
            insert_calls(url, scenario.rows)
            for observation_id, rejected_at, run_id in scenario.rejects:
                insert_reject(url, observation_id, rejected_at, run_id)
        yield url
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def _validate(url: str, scenario: Scenario, **kwargs):
    window = month_window(scenario.month.date())
    now = scenario.now or window.end + timedelta(days=1)
    return {o.name: o for o in validate_window(window.start, window.end, now=now, url=url, **kwargs)}


def test_good_window_passes_every_check(crafted_warehouse):
    outcomes = _validate(crafted_warehouse, SCENARIOS["good"])
    assert set(outcomes) == {spec.name for spec in WINDOW_CHECKS}
    assert [name for name, o in outcomes.items() if not o.passed] == []
    assert outcomes["no_duplicate_observation_id"].element_count == 200
    assert outcomes["tag_coverage"].observed_value == 1.0


@pytest.mark.parametrize("key", [k for k, s in SCENARIOS.items() if s.defect])
def test_each_expectation_fails_on_its_crafted_window(crafted_warehouse, key):
    scenario = SCENARIOS[key]
    outcomes = _validate(crafted_warehouse, scenario)
    failed = sorted(name for name, o in outcomes.items() if not o.passed)
    assert failed == [scenario.defect]
    outcome = outcomes[scenario.defect]
    assert outcome.severity == CHECKS_BY_NAME[scenario.defect].severity
    if outcome.severity == ERROR:
        assert outcome.unexpected_count >= 1 and outcome.details["unexpected_samples"]


def test_duplicate_is_reported_with_the_offending_id(crafted_warehouse):
    outcome = _validate(crafted_warehouse, SCENARIOS["duplicate"])["no_duplicate_observation_id"]
    assert outcome.unexpected_count == 2
    assert set(outcome.details["unexpected_samples"]["observation_id"]) == {"duplicate-3"}


def test_severities_split_wrong_from_incomplete():
    assert {s.name for s in WINDOW_CHECKS if s.severity == ERROR} == {
        "no_duplicate_observation_id", "ts_inside_partition", "non_negative_tokens_and_cost", "cost_source_accepted"}
    assert all(s.blocking == (s.severity == ERROR) for s in WINDOW_CHECKS)
    assert {s.severity for s in WINDOW_CHECKS} == {ERROR, WARN}


def test_tag_coverage_threshold_is_configurable(crafted_warehouse, monkeypatch):
    scenario = SCENARIOS["tags"]
    outcome = _validate(crafted_warehouse, scenario)["tag_coverage"]
    assert outcome.observed_value == pytest.approx(200 / 220)
    assert outcome.threshold == 0.95 and not outcome.passed
    monkeypatch.setenv("LLMCOSTS_TAG_COVERAGE_MIN", "0.90")
    relaxed = _validate(crafted_warehouse, scenario)["tag_coverage"]
    assert relaxed.passed and relaxed.threshold == 0.90
    # and it fires on otherwise perfect data once the bar is above it
    monkeypatch.setenv("LLMCOSTS_TAG_COVERAGE_MIN", "1")
    assert _validate(crafted_warehouse, SCENARIOS["unpriced"])["tag_coverage"].passed
    monkeypatch.setenv("LLMCOSTS_UNPRICED_SHARE_MAX", "0.10")
    assert _validate(crafted_warehouse, SCENARIOS["unpriced"])["unpriced_share"].passed


def test_rejects_counted_once_per_observation(crafted_warehouse):
    outcome = _validate(crafted_warehouse, SCENARIOS["rejects"])["rejects_share"]
    assert outcome.observed_value == pytest.approx(4 / 204)


def test_empty_window_passes(crafted_warehouse):
    window = month_window(datetime(2024, 6, 1).date())
    outcomes = validate_window(window.start, window.end, now=window.end, url=crafted_warehouse)
    assert all(o.passed for o in outcomes)


def test_invalid_threshold_names_the_variable(monkeypatch):
    from llmcosts_core.settings import ConfigError

    monkeypatch.setenv("LLMCOSTS_TAG_COVERAGE_MIN", "95")
    with pytest.raises(ConfigError, match="LLMCOSTS_TAG_COVERAGE_MIN"):
        get_quality_settings()
