"""Seeded product usage matching the synthetic Langfuse workload (`ingestion/local_langfuse/workload.py`).

Every feature of `ALL_FEATURES` gets a Plausible goal (custom event) whose daily count follows the
feature's call volume times a per-feature "uses per call" ratio, with the same weekday shape, the
same growth and the same windows (`NEW_FEATURE` only in the last 7 days, `SPIKE_FEATURE`'s extra
traffic in the last 7 days). The planted kill candidate is `legacy-classifier`: costly calls
(12k-token gpt-4o prompts) that users almost never look at, so a handful of events a month and by
far the highest cost per use. `Signup` is a goal that maps to no feature (the loader reports it).

Same `end`, `days`, `calls_per_day`, `seed`: same numbers. For the demo:

    rows = generate_feature_usage(end, days=60, calls_per_day=1500, seed=7)
    with demo_plausible_server(rows) as server:          # a LocalPlausibleServer, started
        os.environ.update(demo_plausible_env(server))    # PLAUSIBLE_URL / _API_KEY / _SITE_ID
        ...materialize the `feature_usage` asset...
    # or, without a server: write_feature_usage_csv(path, rows) and LLMCOSTS_FEATURE_USAGE_CSV=path
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from ingestion.local_langfuse.workload import ALL_FEATURES, NEW_FEATURE, SPIKE_CALL_SCALE, SPIKE_FEATURE
from ingestion.plausible.local_server import LocalPlausibleServer
from ingestion.plausible.mapping import UsageRow

KILL_CANDIDATE = "legacy-classifier"
UNMAPPED_GOAL = "Signup"
DEMO_API_KEY = "plausible-demo-key"
DEMO_SITE_ID = "demo.llmcosts.local"


@dataclass(frozen=True)
class UsageProfile:
    goal: str  # the Plausible custom event name (what ingestion/plausible/event_feature_map.yml maps)
    uses_per_call: float
    events_per_visitor: float


USAGE_PROFILES: dict[str, UsageProfile] = {
    "support-chat": UsageProfile("Support Chat Message", 0.9, 3.0),
    SPIKE_FEATURE: UsageProfile("Search Summary Viewed", 1.3, 2.5),
    "code-review": UsageProfile("Code Review Requested", 0.8, 2.0),
    "email-draft": UsageProfile("Email Draft Generated", 1.0, 1.8),
    "doc-qa": UsageProfile("Doc Question Asked", 0.9, 2.2),
    "onboarding-coach": UsageProfile("Onboarding Tip Shown", 1.5, 1.2),
    "sql-assistant": UsageProfile("SQL Query Generated", 0.95, 2.5),
    "translation": UsageProfile("Translation Requested", 0.7, 2.0),
    "tagging-embeddings": UsageProfile("Document Tagged", 0.4, 3.0),
    # Runs on every upload, read by almost nobody: the feature to kill.
    KILL_CANDIDATE: UsageProfile("Legacy Classification Viewed", 0.04, 1.0),
    NEW_FEATURE: UsageProfile("Meeting Notes Generated", 1.0, 1.5),
}

# Weekday shape of product traffic (Monday first), like the workload's.
_WEEKDAY_FACTOR = (1.08, 1.12, 1.10, 1.06, 0.98, 0.80, 0.72)


def _as_end(end: date | datetime) -> datetime:
    if isinstance(end, datetime):
        if end.tzinfo is None:
            raise ValueError("`end` must be timezone-aware (UTC)")
        return end.astimezone(UTC)
    return datetime.combine(end, time(0), UTC)


def _overlap_days(day: date, start: datetime, end: datetime) -> float:
    """The fraction of the UTC day inside [start, end)."""
    day_start = datetime.combine(day, time(0), UTC)
    day_end = day_start + timedelta(days=1)
    seconds = (min(day_end, end) - max(day_start, start)).total_seconds()
    return max(0.0, seconds) / 86_400


def generate_feature_usage(end: date | datetime, days: int = 60, calls_per_day: int = 1500,
                           seed: int = 7) -> list[UsageRow]:
    """Daily (UTC) usage per feature for the workload window [end - days, end); a partial first or
    last day gets its share. `end` as a date means its midnight (UTC)."""
    if days < 1 or calls_per_day < 1:
        raise ValueError("days and calls_per_day must be >= 1")
    end_at = _as_end(end)
    start_at = end_at - timedelta(days=days)
    rng = random.Random(f"feature-usage:{seed}")
    rows: list[UsageRow] = []
    day = start_at.date()
    block = 0
    while datetime.combine(day, time(0), UTC) < end_at:
        weekday_factor = _WEEKDAY_FACTOR[day.weekday()] * (1 + 0.002 * block)
        for spec in ALL_FEATURES:
            profile = USAGE_PROFILES[spec.name]
            active_from = end_at - timedelta(days=7) if spec.name == NEW_FEATURE else start_at
            fraction = _overlap_days(day, active_from, end_at)
            if fraction <= 0:
                continue
            calls = max(spec.min_calls_per_day, calls_per_day * spec.share * weekday_factor)
            if spec.name == SPIKE_FEATURE and day >= (end_at - timedelta(days=7)).date():
                calls *= SPIKE_CALL_SCALE
            expected = calls * profile.uses_per_call * fraction * (1 + 0.08 * (rng.random() * 2 - 1))
            events = math.floor(expected + rng.random())  # unbiased rounding: small counts stay honest
            if events <= 0:
                continue
            visitors = min(events, max(1, round(events / profile.events_per_visitor)))
            rows.append(UsageRow(day, spec.name, events, visitors))
        day += timedelta(days=1)
        block += 1
    return rows


def plausible_records(rows: list[UsageRow], seed: int = 7) -> list[dict]:
    """The same usage as Plausible holds it: one record per (day, goal), the feature also as an
    event property (`props.feature`), plus an unmapped `Signup` goal."""
    rng = random.Random(f"plausible-records:{seed}")
    records = [
        {"day": row.day, "goal": USAGE_PROFILES[row.feature].goal, "events": row.events,
         "visitors": row.visitors, "props": {"feature": row.feature}}
        for row in rows
    ]
    for day in sorted({row.day for row in rows}):
        signups = rng.randint(3, 12)
        records.append({"day": day, "goal": UNMAPPED_GOAL, "events": signups, "visitors": signups, "props": {}})
    return records


def demo_plausible_server(rows: list[UsageRow], *, seed: int = 7, port: int = 0,
                          api_key: str = DEMO_API_KEY, site_id: str = DEMO_SITE_ID) -> LocalPlausibleServer:
    """A started local Plausible serving `rows` (use it as a context manager to stop it)."""
    return LocalPlausibleServer(plausible_records(rows, seed), api_key=api_key, site_id=site_id, port=port).start()


def demo_plausible_env(server: LocalPlausibleServer) -> dict[str, str]:
    """The environment that points the `feature_usage` asset at a local server."""
    return {"PLAUSIBLE_URL": server.base_url, "PLAUSIBLE_API_KEY": server.api_key,
            "PLAUSIBLE_SITE_ID": server.site_id}


def write_feature_usage_csv(path: str | Path, rows: list[UsageRow]) -> Path:
    """`day,feature,events,visitors`, the LLMCOSTS_FEATURE_USAGE_CSV format."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["day", "feature", "events", "visitors"])
        for row in rows:
            writer.writerow([row.day.isoformat(), row.feature, row.events, row.visitors])
    return path
