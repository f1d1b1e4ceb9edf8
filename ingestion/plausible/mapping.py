"""Which Plausible events count as a use of which feature: a small YAML file, checked on load.

    dimension: event:goal          # or event:props:<name>, e.g. event:props:feature
    goals: []                      # optional: count only these goals (an `is event:goal` filter)
    unmapped: ignore               # a value not under `events`: ignore it, or keep it as a feature
    events:
      "Support Chat Message": support-chat
      "Support Chat Opened": support-chat

With `event:goal`, each custom event (goal) name maps to a feature; several may map to one. With
`event:props:<name>`, one custom event carries the feature in a property; `unmapped: keep` then
takes property values as feature names unless `events` renames them. Plausible reports a missing
property as `(none)`, which is never a feature.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from llmcosts_core.settings import ConfigError

GOAL_DIMENSION = "event:goal"
PROPS_PREFIX = "event:props:"
MISSING_PROPERTY = "(none)"
_KEYS = {"dimension", "goals", "unmapped", "events"}


@dataclass(frozen=True)
class EventFeatureMap:
    dimension: str = GOAL_DIMENSION
    events: Mapping[str, str] = field(default_factory=dict)
    unmapped: str = "ignore"
    goals: tuple[str, ...] = ()

    def feature_for(self, value: str) -> str | None:
        """The feature an event name (or property value) counts for; None when it counts for none."""
        if value in self.events:
            return self.events[value]
        if self.unmapped == "keep" and value and value != MISSING_PROPERTY:
            return value
        return None

    def query_filters(self) -> list[list[Any]]:
        """Stats API v2 filters: the listed goals, else (goal mode) the mapped event names, so the
        query does not return pageview goals nobody asked for."""
        if self.goals:
            return [["is", GOAL_DIMENSION, list(self.goals)]]
        if self.dimension == GOAL_DIMENSION and self.unmapped == "ignore" and self.events:
            return [["is", GOAL_DIMENSION, sorted(self.events)]]
        return []


def parse_event_map(raw: Any, where: str) -> EventFeatureMap:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with `events`")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    dimension = str(raw.get("dimension") or GOAL_DIMENSION)
    if dimension != GOAL_DIMENSION and not (dimension.startswith(PROPS_PREFIX) and len(dimension) > len(PROPS_PREFIX)):
        raise ConfigError(f"{where}: dimension must be {GOAL_DIMENSION!r} or 'event:props:<name>', got {dimension!r}")
    unmapped = str(raw.get("unmapped") or "ignore")
    if unmapped not in ("ignore", "keep"):
        raise ConfigError(f"{where}: unmapped must be 'ignore' or 'keep', got {unmapped!r}")
    events = raw.get("events") or {}
    if not isinstance(events, dict):
        raise ConfigError(f"{where}: events must map event names to feature names")
    bad = [str(k) for k, v in events.items() if not isinstance(v, str) or not v.strip() or not str(k).strip()]
    if bad:
        raise ConfigError(f"{where}: events {bad} need a non-empty event name and feature name")
    goals = raw.get("goals") or []
    if not isinstance(goals, list) or not all(isinstance(g, str) and g.strip() for g in goals):
        raise ConfigError(f"{where}: goals must be a list of goal names")
    if not events and unmapped == "ignore":
        raise ConfigError(f"{where}: no events mapped and unmapped: ignore would count nothing")
    return EventFeatureMap(
        dimension=dimension,
        events={str(k).strip(): v.strip() for k, v in events.items()},
        unmapped=unmapped,
        goals=tuple(g.strip() for g in goals),
    )


def load_event_map(path: Path) -> EventFeatureMap:
    if not path.is_file():
        raise ConfigError(f"event map {path} not found (LLMCOSTS_PLAUSIBLE_EVENT_MAP)")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"event map {path} is not valid YAML: {exc}") from None
    return parse_event_map(raw, str(path))


@dataclass(frozen=True)
class UsageRow:
    day: date
    feature: str
    events: int
    visitors: int


def aggregate_usage(
    counts: Iterable[tuple[date, str, int, int]], event_map: EventFeatureMap
) -> tuple[list[UsageRow], Counter]:
    """Sum (day, event value, events, visitors) rows into (day, feature) rows.

    Returns the rows, sorted, and the events of values that map to no feature (by value), so a
    load can say what it left out. Visitors of several events mapped to one feature are summed:
    Plausible counts unique visitors per event, so the sum is an upper bound of the feature's."""
    totals: dict[tuple[date, str], list[int]] = {}
    unmapped: Counter = Counter()
    for day, value, events, visitors in counts:
        feature = event_map.feature_for(value)
        if feature is None:
            unmapped[value] += events
            continue
        total = totals.setdefault((day, feature), [0, 0])
        total[0] += events
        total[1] += visitors
    rows = [UsageRow(day, feature, ev, vis) for (day, feature), (ev, vis) in sorted(totals.items())]
    return rows, unmapped
