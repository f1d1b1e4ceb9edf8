-- One validated budget (alerts/budgets/config.py) into raw.budgets.
insert into raw.budgets (
    budget_name, scope, scope_value, filters, period_kind, period_days, limit_usd, thresholds,
    hard_limit, parent_name, source
)
values (
    %(name)s, %(scope)s, %(value)s, %(filters)s, %(period_kind)s, %(period_days)s, %(limit_usd)s,
    %(thresholds)s, %(hard_limit)s, %(parent)s, %(source)s
)
