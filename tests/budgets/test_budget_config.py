"""The budgets file: validation errors name file, budget and field; periods; hierarchy; defaults."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import yaml

from alerts.budgets.check import decide
from alerts.budgets.config import BudgetFileError, Period, load_budgets, parse_budgets


def write(tmp_path, text: str):
    path = tmp_path / "budgets.yml"
    path.write_text(text)
    return path


def problems_of(tmp_path, text: str) -> tuple[str, list[str]]:
    path = write(tmp_path, text)
    with pytest.raises(BudgetFileError) as info:
        load_budgets(path)
    return str(info.value), info.value.problems


def test_the_shipped_file_is_valid_and_has_the_tier_ceilings():
    budgets = load_budgets()
    by_name = budgets.by_name()
    assert by_name["user_ceiling:free"].limit_usd == Decimal("0.50")
    assert by_name["user_ceiling:pro"].limit_usd == Decimal("5")
    assert by_name["user_ceiling:enterprise"].limit_usd is None  # unlimited
    for tier in ("free", "pro", "enterprise"):
        ceiling = by_name[f"user_ceiling:{tier}"]
        assert (ceiling.scope, ceiling.value, ceiling.filters) == ("user", "*", {"tier": tier})
        assert ceiling.period == Period("monthly")
    assert budgets.settings.default_tier == "free"
    assert budgets.settings.tenant_key == "tenant"
    assert budgets.warnings == ()


def test_env_var_chooses_another_file(tmp_path, monkeypatch):
    path = write(tmp_path, "budgets:\n  - {name: only, scope: global, period: daily, limit_usd: 3}\n")
    monkeypatch.setenv("LLMCOSTS_BUDGETS_FILE", str(path))
    assert [b.name for b in load_budgets().budgets] == ["only"]


def test_every_error_names_file_budget_and_field(tmp_path):
    message, problems = problems_of(tmp_path, """
budgets:
  - name: team_a
    scope: team
    value: a
    period: monthly
    limit_usd: 10
  - name: team_b
    scope: tenant
    value: b
    period: fortnightly
    limit_usd: ten dollars
  - name: team_c
    scope: feature
    period: weekly
    limit_usd: 5
    thresholds: [90, 50]
  - name: team_d
    scope: model
    value: "*"
    period: "rolling: 0 days"
    limit_usd: -1
    thresholds: [50, 120]
""")
    assert str(tmp_path / "budgets.yml") in message
    expected = [
        ("team_a", "'scope'", "team"),
        ("team_b", "'period'", "fortnightly"),
        ("team_b", "'limit_usd'", "ten dollars"),
        ("team_c", "'value'", "required"),
        ("team_c", "'thresholds'", "increasing"),
        ("team_d", "'period'", "1 to 90"),
        ("team_d", "'limit_usd'", "non-negative"),
        ("team_d", "'thresholds'", "120"),
    ]
    for budget, field, what in expected:
        assert any(f"budget '{budget}'" in p and field in p and what in p for p in problems), (budget, field, problems)


def test_missing_limit_duplicate_name_unknown_parent_and_unknown_field(tmp_path):
    _, problems = problems_of(tmp_path, """
budgets:
  - {name: a, scope: global, period: monthly}
  - {name: b, scope: global, period: monthly, limit_usd: 1, parent: nowhere}
  - {name: b, scope: global, period: daily, limit_usd: 1}
  - {name: c, scope: global, period: daily, limit_usd: 1, colour: red}
""")
    assert any("budget 'a'" in p and "'limit_usd' is required" in p for p in problems)
    assert any("budget 'b'" in p and "used more than once" in p for p in problems)
    assert any("budget 'c'" in p and "colour" in p for p in problems)


def test_unknown_parent_and_cycles_are_errors(tmp_path):
    _, problems = problems_of(tmp_path, """
budgets:
  - {name: a, scope: global, period: monthly, limit_usd: 1, parent: nowhere}
""")
    assert any("budget 'a'" in p and "'parent'" in p and "nowhere" in p for p in problems)
    _, problems = problems_of(tmp_path, """
budgets:
  - {name: a, scope: tenant, value: x, period: monthly, limit_usd: 1, parent: b}
  - {name: b, scope: tenant, value: y, period: monthly, limit_usd: 1, parent: a}
""")
    assert any("cycle" in p for p in problems)


def test_invalid_yaml_says_where(tmp_path):
    message, problems = problems_of(tmp_path, "budgets:\n  - name: a\n    period: rolling: 7 days\n")
    assert "line 3" in problems[0]


def test_child_over_its_parent_is_reported_not_rejected():
    budgets = parse_budgets(yaml.safe_load("""
user_ceilings: {period: monthly, tiers: {free: 50}}
budgets:
  - {name: org, scope: global, period: monthly, limit_usd: 100}
  - {name: acme, scope: tenant, value: acme, period: monthly, limit_usd: 150, parent: org}
  - {name: free_tier, scope: tier, value: free, period: monthly, limit_usd: 20}
  - {name: acme_daily, scope: tenant, value: acme, period: daily, limit_usd: 500}
"""))
    warnings = " | ".join(budgets.warnings)
    assert "budget 'acme'" in warnings and "'org'" in warnings
    # the per-user free ceiling ($50 each) is above the whole free tier's $20
    assert "budget 'user_ceiling:free'" in warnings and "'free_tier'" in warnings
    # a different period is not comparable
    assert "acme_daily" not in warnings
    assert len(budgets.budgets) == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [("monthly", Period("monthly")), ("rolling: 7 days", Period("rolling", 7)), ("rolling 30d", Period("rolling", 30)),
     ({"rolling": 14}, Period("rolling", 14))],
)
def test_period_spellings(text, expected):
    budgets = parse_budgets({"budgets": [{"name": "x", "scope": "global", "period": text, "limit_usd": 1}]})
    assert budgets.budgets[0].period == expected


def test_report_periods_month_boundary_leap_day_and_rolling():
    monthly, weekly, daily, rolling = Period("monthly"), Period("weekly"), Period("daily"), Period("rolling", 7)
    # as_of is exclusive: the current period contains as_of - 1
    assert monthly.report_bounds(date(2026, 4, 1)) == (date(2026, 3, 1), date(2026, 4, 1))
    assert monthly.report_bounds(date(2026, 4, 2)) == (date(2026, 4, 1), date(2026, 5, 1))
    assert monthly.report_bounds(date(2028, 3, 1)) == (date(2028, 2, 1), date(2028, 3, 1))  # leap February
    assert daily.report_bounds(date(2028, 3, 1)) == (date(2028, 2, 29), date(2028, 3, 1))
    assert weekly.report_bounds(date(2028, 3, 1)) == (date(2028, 2, 28), date(2028, 3, 6))
    assert monthly.report_bounds(date(2027, 1, 1)) == (date(2026, 12, 1), date(2027, 1, 1))
    # rolling windows slide by one day per day
    assert rolling.report_bounds(date(2028, 3, 1)) == (date(2028, 2, 23), date(2028, 3, 1))
    assert rolling.report_bounds(date(2028, 3, 2)) == (date(2028, 2, 24), date(2028, 3, 2))


def test_decide_levels():
    limit, hard, thresholds, throttle = Decimal(5), Decimal(1), (Decimal("0.5"), Decimal("0.75")), Decimal("0.9")
    assert decide(Decimal("1"), Decimal(0), limit, hard, thresholds, throttle) == "allow"
    assert decide(Decimal("2.5"), Decimal(0), limit, hard, thresholds, throttle) == "warn"
    assert decide(Decimal("4.4"), Decimal("0.1"), limit, hard, thresholds, throttle) == "throttle"
    assert decide(Decimal("4.9"), Decimal("0.1"), limit, hard, thresholds, throttle) == "block"
    assert decide(Decimal("5"), Decimal(0), limit, hard, thresholds, throttle) == "block"
    assert decide(Decimal("500"), Decimal(0), None, hard, thresholds, throttle) == "allow"  # unlimited


THREE_PROBLEMS = """
version: 1
budgets:
  - {name: a, scope: galaxy, value: x, period: monthly, limit_usd: 10}
  - {name: b, scope: global, period: fortnightly, limit_usd: 10}
  - name: c
    scope: global
    period: monthly
    limit_usd: 5
    limit_usd: -5
  - {name: d, scope: project, value: p, period: monthly, limit_usd: 1, parent: nowhere}
"""


def test_every_problem_is_reported_at_once_on_one_line_as_a_config_error(tmp_path):
    from llmcosts_core.settings import ConfigError

    path = write(tmp_path, THREE_PROBLEMS)
    with pytest.raises(ConfigError) as info:
        load_budgets(path)
    message = str(info.value)
    # one line, whatever shows it (the CLI's last line, a Dagster failure, a log) shows them all
    assert "\n" not in message
    assert message.startswith(f"{path}: 5 problems: (1) ")
    for part in ("key 'limit_usd' is given twice", "'galaxy'", "'fortnightly'", "non-negative amount, got -5",
                 "'parent' names no budget: 'nowhere'"):
        assert part in message, part
    assert len(info.value.problems) == 5
    assert "\n  - " in info.value.report()


def test_budget_validate_exits_2_and_prints_every_problem(tmp_path, capsys):
    from orchestration.cli import main

    path = write(tmp_path, THREE_PROBLEMS)
    assert main(["budget", "validate", "--file", str(path)]) == 2
    out = capsys.readouterr().out
    assert "5 problems" in out and "'fortnightly'" in out and "'nowhere'" in out
