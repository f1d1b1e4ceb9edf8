-- Burn-down of the organisation-wide (global) budgets: actual and projected cumulative spend
-- against the limit, per day of the current period.
with anchor as (
    select max(as_of) as as_of from marts.budget_burndown_daily
)

select
    b.day,
    b.budget_name,
    b.actual_cumulative_usd,
    b.projected_cumulative_usd,
    b.limit_usd
from marts.budget_burndown_daily as b
cross join anchor
where b.as_of = anchor.as_of
    and b.scope = 'global'
order by b.day, b.budget_name
