"""Daily LLM-cost alerts: rules over the marts, delivered to Slack (or a webhook, or email) once.

Plain Python, usable without Dagster: `run_alerts(conn, as_of)`. Importing the package registers
the built-in rules (alerts.rules); add a rule with `alerts.engine.register(Rule(...))`.
"""

from alerts import rules as _builtin_rules  # noqa: F401  (registers the built-in rules)
from alerts import rules_budgets as _budget_rules  # noqa: F401  (registers the budget rules)
from alerts import rules_pricing as _pricing_rules  # noqa: F401  (list-price changes)
from alerts import rules_quality as _quality_rules  # noqa: F401  (data-quality and billing-gap rules)
from alerts.config import AlertSettings, get_alert_settings
from alerts.engine import REGISTRY, FiredAlert, Message, Rule, RuleContext, register
from alerts.run import AlertRunResult, run_alerts

__all__ = [
    "REGISTRY",
    "AlertRunResult",
    "AlertSettings",
    "FiredAlert",
    "Message",
    "Rule",
    "RuleContext",
    "get_alert_settings",
    "register",
    "run_alerts",
]
