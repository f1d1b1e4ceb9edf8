"""The rule engine: a rule is a small declared thing that returns firing rows.

A `Rule` names a query (a file in `alerts/sql/`, or a function when a rule needs more than one
query), a formatter that turns a row into a message, and a key function that names the row's
subject. Rules are registered once in `REGISTRY`; the run (`alerts.run`) evaluates every enabled
rule, records what fired in the once-only log and delivers it. Later rules (budgets, data quality,
price changes) are one `register(Rule(...))` away, with no new pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

from alerts.config import AlertSettings
from alerts.spark_queries import runs_on_spark, spark_query
from alerts.sql_files import sql

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleContext:
    conn: psycopg.Connection
    as_of: date
    settings: AlertSettings

    def params(self, **extra: Any) -> dict[str, Any]:
        """The parameters every rule query may use; a query ignores the ones it does not name."""
        s = self.settings
        return {
            "as_of": self.as_of,
            "floor_usd": s.floor_usd,
            "growth_pct": s.wow_growth_pct,
            "factor": s.overnight_factor,
            "share_pct": s.share_pct,
            "threshold_usd": s.expensive_call_usd,
            "top_n": 3,
            "forecast_min_days": s.forecast_min_days,
            "forecast_max_error": s.forecast_max_error_pct / 100,
            **extra,
        }

    def query(self, sql_file: str, **extra: Any) -> list[dict[str, Any]]:
        if runs_on_spark(sql_file):
            return spark_query(sql_file, self.params(**extra))
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql(sql_file), self.params(**extra))
            return cur.fetchall()


@dataclass(frozen=True)
class Message:
    """What a row says: one headline, and optional indented lines (root cause, links)."""

    text: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class FiredAlert:
    rule: str
    subject: str
    as_of: date
    message: str
    details: tuple[str, ...] = ()
    position: int = 0
    # `rule/subject` of the summary line that tells about this row (alerts.alert_log.covered_by):
    # recorded and delivered with it, never rendered on its own. None: a line of the post.
    covered_by: str | None = None
    # the row the rule returned, for callers (GitHub issue body, tests); not posted
    row: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


QueryFn = Callable[[RuleContext], list[dict[str, Any]]]
Formatter = Callable[[dict[str, Any], RuleContext], "Message | str"]


def _always(_: AlertSettings) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    name: str
    query: str | QueryFn  # a file name in alerts/sql/, or a function of the context
    formatter: Formatter
    key_fn: Callable[[dict[str, Any]], str]
    title: str = ""
    enabled: Callable[[AlertSettings], bool] = _always
    # Also open one GitHub issue per fired row, when a repository is configured.
    opens_github_issue: bool = False

    def evaluate(self, ctx: RuleContext) -> list[FiredAlert]:
        rows = ctx.query(self.query) if isinstance(self.query, str) else self.query(ctx)
        fired = []
        for position, row in enumerate(rows):
            message = self.formatter(row, ctx)
            if isinstance(message, str):
                message = Message(message)
            fired.append(
                FiredAlert(
                    rule=self.name,
                    subject=str(self.key_fn(row)),
                    as_of=ctx.as_of,
                    message=message.text,
                    details=tuple(message.details),
                    position=position,
                    row=dict(row),
                )
            )
        return fired


REGISTRY: dict[str, Rule] = {}

# Run after every rule is evaluated, on everything that fired: a consolidator may replace rows
# that share a cause by one summary line, marking the rows `covered_by` it (nothing is dropped).
Consolidator = Callable[[dict[str, list[FiredAlert]], RuleContext], dict[str, list[FiredAlert]]]
CONSOLIDATORS: list[Consolidator] = []


def register_consolidator(fn: Consolidator) -> Consolidator:
    if fn not in CONSOLIDATORS:
        CONSOLIDATORS.append(fn)
    return fn


def register(rule: Rule) -> Rule:
    """Add a rule to the registry. Names are the key of the once-only log: they must be unique."""
    if rule.name in REGISTRY and REGISTRY[rule.name] is not rule:
        raise ValueError(f"an alert rule named {rule.name!r} is already registered")
    REGISTRY[rule.name] = rule
    return rule


def registered_rules() -> list[Rule]:
    return list(REGISTRY.values())


def rule_title(name: str) -> str:
    rule = REGISTRY.get(name)
    return (rule.title if rule and rule.title else name.replace("_", " ").capitalize())


def rule_order(names: Iterable[str]) -> list[str]:
    """Registry order first (it is the reading order of a post), unknown names after."""
    names = set(names)
    known = [name for name in REGISTRY if name in names]
    return known + sorted(names - set(known))
