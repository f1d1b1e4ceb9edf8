"""The data the budget marts are compared on across engines: the budget suite's synthetic calls
(tests/budgets/budget_synthetic.py: a trended series for the forecast, a user over its ceiling, a
rolling window, untagged and shared tenants) plus a few calls in another project, environment and
provider tagged with cost centres, and a budgets file that uses every period kind, per-member and
filtered budgets, odd thresholds and hard limits, an unlimited budget and credit pools."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "budgets"))

from budget_synthetic import generate, insert  # noqa: E402

BUDGETS_YAML = """
settings:
  default_tier: free
  throttle_at_percent: 90
  tenant_key: tenant
  cost_centre_key: cost_centre
  shared_values: [shared, platform]
user_ceilings: {period: monthly, tiers: {free: 0.50, pro: 5, enterprise: unlimited}}
budgets:
  - {name: organisation, scope: global, period: monthly, limit_usd: 100000}
  - {name: organisation_daily, scope: global, period: daily, limit_usd: 30}
  - {name: per_tenant, scope: tenant, value: "*", period: monthly, limit_usd: 1000, parent: organisation}
  - {name: per_project, scope: project, value: "*", period: monthly, limit_usd: 2000}
  - {name: per_feature, scope: feature, value: "*", period: monthly, limit_usd: 100000}
  - {name: per_feature_weekly, scope: feature, value: "*", period: weekly, limit_usd: 50,
     thresholds: [33.3, 66.6], hard_limit: 92.5}
  - {name: per_model_rolling, scope: model, value: "*", period: "rolling: 7 days", limit_usd: 40}
  - {name: openai, scope: provider, value: openai, period: monthly, limit_usd: 12.345678}
  - {name: production, scope: environment, value: production, period: weekly, limit_usd: unlimited}
  - {name: free_tier, scope: tier, value: free, period: monthly, limit_usd: 2}
  - {name: roll, scope: feature, value: roll_feature, period: "rolling: 7 days", limit_usd: 0.65}
  - {name: acme_chat, scope: tenant, value: acme, filters: {feature: chat}, period: monthly, limit_usd: 100}
credit_pools:
  - {scope: tenant, member: acme, topups: [{at: 2026-03-01, amount_usd: 20},
                                           {at: "2026-03-10T12:00:00+00:00", amount_usd: 5.5}]}
  - {scope: user, member: u_pro, topups: [{at: 2026-03-05, amount_usd: 3}]}
"""

# (observation_id, ts, user, feature, model, provider, cost, metadata): another project and
# environment, cost centres (one shared), costs with 10 decimals.
_EXTRA_CALLS = [
    (f"extra-{i:03d}", datetime(2026, month, day, 9, 30, tzinfo=UTC), user, feature, "claude-sonnet-4", "anthropic",
     Decimal(cost), metadata)
    for i, (month, day, user, feature, cost, metadata) in enumerate([
        (1, 20, "u_pro", "summarise", "0.1234567891", {"tenant": "globex", "cost_centre": "research"}),
        (2, 3, "u_pro", "summarise", "0.3333333333", {"tenant": "globex", "cost_centre": "research"}),
        (2, 17, None, "summarise", "0.0000000007", {"cost_centre": "platform"}),
        (3, 2, "u_new", "summarise", "1.1111111111", {"tenant": "initech", "cost_centre": "sales"}),
        (3, 9, "u_new", "summarise", "0.7777777777", {"tenant": "initech", "cost_centre": "platform"}),
        (3, 14, "u_pro", "summarise", "2.0000000001", {"tenant": "globex", "cost_centre": "research"}),
    ])
]


def load_budget_data(url: str, budgets_file: Path) -> dict[str, int]:
    """Calls, app users and the budgets file into the (migrated) control Postgres at `url`."""
    from alerts.budgets.config import load_budgets
    from alerts.budgets.loader import load_budgets_into_warehouse

    calls = generate()
    insert(url, calls)
    with psycopg.connect(url) as conn:
        conn.cursor().executemany(
            "insert into raw.llm_calls (observation_id, trace_id, project_id, ts, user_id, feature, model, provider,"
            " observation_type, input_tokens, output_tokens, total_tokens, cost_usd, cost_source, environment, metadata)"
            " values (%s, %s, 'proj-b', %s, %s, %s, %s, %s, 'GENERATION', 100, 20, 120, %s, 'langfuse', 'staging', %s)",
            [(oid, oid, ts, user, feature, model, provider, cost, Jsonb(metadata))
             for oid, ts, user, feature, model, provider, cost, metadata in _EXTRA_CALLS],
        )
        budgets_file.write_text(BUDGETS_YAML)
        loaded = load_budgets_into_warehouse(conn, budgets_file)
    pools = {(topup.scope, topup.member) for topup in load_budgets(budgets_file).topups}
    return {"calls": len(calls) + len(_EXTRA_CALLS), "budgets": loaded.budgets_loaded, "topups": loaded.topups_loaded,
            "pools": len(pools)}
