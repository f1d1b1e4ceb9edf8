-- Budget status table: every budget and member in its current period (marts.budget_status of the
-- latest build), the most used first.
with anchor as (
    select max(as_of) as as_of from marts.budget_status
)

select
    s.budget_name,
    s.scope,
    s.member,
    s.period_label,
    s.period_start,
    s.period_end,
    s.limit_usd,
    s.spent_usd,
    s.remaining_usd,
    s.pct_used / 100 as share_used,
    s.status,
    s.allowed_daily_usd,
    s.projected_spend_usd,
    s.projected_limit_date
from marts.budget_status as s
cross join anchor
where s.as_of = anchor.as_of
order by s.pct_used desc nulls last, s.spent_usd desc, s.budget_name, s.member
limit 200
