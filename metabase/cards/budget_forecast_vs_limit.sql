-- Forecast against limit: the budgets and members projected to end their period highest relative
-- to their limit (those with a projected breach first).
with anchor as (
    select max(as_of) as as_of from marts.budget_status
)

select
    s.budget_name,
    s.member,
    s.period_end,
    s.limit_usd,
    s.spent_usd,
    s.projected_spend_usd,
    s.projected_pct / 100 as projected_share,
    s.projected_limit_date,
    s.forecast_method
from marts.budget_status as s
cross join anchor
where s.as_of = anchor.as_of
    and s.limit_usd is not null
    and s.period_kind <> 'rolling'
order by s.projected_breach desc, s.projected_pct desc nulls last, s.budget_name, s.member
limit 50
