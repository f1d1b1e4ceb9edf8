"""The event -> feature map: parsing, its rules, aggregation, and the shipped map covering the demo."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from ingestion.local_langfuse.workload import ALL_FEATURES
from ingestion.plausible.config import DEFAULT_EVENT_MAP
from ingestion.plausible.demo_usage import UNMAPPED_GOAL, USAGE_PROFILES
from ingestion.plausible.mapping import aggregate_usage, load_event_map, parse_event_map
from llmcosts_core.settings import ConfigError

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def test_several_events_count_for_one_feature_and_unmapped_ones_are_reported():
    event_map = parse_event_map({"events": {"Chat Opened": "chat", "Chat Message": "chat", "Export": "export"}}, "t")
    rows, unmapped = aggregate_usage([
        (D1, "Chat Opened", 3, 3), (D1, "Chat Message", 10, 4), (D2, "Chat Message", 5, 2),
        (D1, "Export", 1, 1), (D1, "Signup", 7, 7), (D2, "Signup", 2, 2),
    ], event_map)
    assert [(r.day, r.feature, r.events, r.visitors) for r in rows] == [
        (D1, "chat", 13, 7), (D1, "export", 1, 1), (D2, "chat", 5, 2)]
    assert unmapped == {"Signup": 9}
    assert event_map.query_filters() == [["is", "event:goal", ["Chat Message", "Chat Opened", "Export"]]]


def test_keep_takes_values_as_features_but_never_the_missing_property():
    event_map = parse_event_map({"dimension": "event:props:feature", "unmapped": "keep",
                                 "events": {"old-name": "new-name"}}, "t")
    assert event_map.feature_for("search") == "search"
    assert event_map.feature_for("old-name") == "new-name"
    assert event_map.feature_for("(none)") is None
    assert event_map.query_filters() == []  # property mode: no goal filter unless goals are listed


@pytest.mark.parametrize("raw, message", [
    ({"events": {"A": "a"}, "dimension": "event:page"}, "dimension"),
    ({"events": {"A": "a"}, "unmapped": "drop"}, "unmapped"),
    ({"events": {"A": ""}}, "non-empty"),
    ({"events": {}}, "count nothing"),
    ({"events": {"A": "a"}, "feature_key": "x"}, "unknown key"),
    ({"events": {"A": "a"}, "goals": "A"}, "goals"),
    (["A"], "mapping"),
])
def test_a_bad_map_is_a_config_error(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_event_map(raw, "map.yml")


def test_a_missing_or_broken_file_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="LLMCOSTS_PLAUSIBLE_EVENT_MAP"):
        load_event_map(tmp_path / "absent.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("events: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_event_map(broken)


def test_the_shipped_map_covers_every_workload_feature():
    event_map = load_event_map(DEFAULT_EVENT_MAP)
    assert set(USAGE_PROFILES) == {spec.name for spec in ALL_FEATURES}
    for feature, profile in USAGE_PROFILES.items():
        assert event_map.feature_for(profile.goal) == feature
    assert event_map.feature_for(UNMAPPED_GOAL) is None
    assert yaml.safe_load(DEFAULT_EVENT_MAP.read_text())["dimension"] == "event:goal"
