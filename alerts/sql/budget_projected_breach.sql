-- Rule budget_forecast: members not yet over their hard limit whose projected spend reaches it
-- before the period ends (marts.budget_status built for as_of). Posted once per budget, member
-- and period (the rule drops subjects already in the alert log).
select
    s.budget_name,
    s.scope,
    s.member,
    s.period_label,
    s.period_start,
    s.period_end,
    s.limit_usd,
    s.spent_usd,
    s.pct_used,
    s.projected_spend_usd,
    s.projected_limit_date,
    s.forecast_method
from marts.budget_status as s
where s.as_of = %(as_of)s::date
    and s.projected_breach
    and s.projected_limit_date < s.period_end
    and s.member <> '(untagged)'
order by s.projected_limit_date, s.budget_name, s.member
