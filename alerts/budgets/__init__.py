"""Budgets, per-user ceilings and forecasts, declared as code (alerts/budgets.yml).

- `config`: parse and validate the budgets file (`load_budgets`), expand per-tier user ceilings,
  report child budgets whose limit exceeds their parent's.
- `loader`: replace the warehouse's budgets (raw.budgets, raw.budget_settings) atomically.
- `check`: `check_user(user_id, estimated_cost_usd)` -> allow / warn / throttle / block.
- `exports`: the throttle list as JSON, chargeback and FOCUS tables as CSV.

Status and forecasts are dbt marts (marts.budget_status, ...); alerts are alerts/rules_budgets.py.
Environment variables: see alerts/budgets/config.py, alerts/budgets/exports.py and docs/budgets.md.
"""

from alerts.budgets.check import CheckResult, check_user, decide
from alerts.budgets.config import Budget, BudgetFile, BudgetFileError, Period, load_budgets, parse_budgets
from alerts.budgets.loader import BudgetLoadResult, load_budgets_into_warehouse, replace_budgets

__all__ = [
    "Budget",
    "BudgetFile",
    "BudgetFileError",
    "BudgetLoadResult",
    "CheckResult",
    "Period",
    "check_user",
    "decide",
    "load_budgets",
    "load_budgets_into_warehouse",
    "parse_budgets",
    "replace_budgets",
]
