-- Spend nobody owns (untagged feature or user) and calls without a price, per day.
-- Unpriced calls have no cost by definition, so they are counted, not summed.
with anchor as (
    -- spend_summary: three rows, where the fact would be scanned whole just to find its date
    select max(as_of) as as_of from marts.spend_summary
)

select
    f.day,
    sum(f.cost_usd) as cost_usd,
    coalesce(sum(f.cost_usd) filter (where f.feature = '(untagged)'), 0) as untagged_feature_cost_usd,
    sum(f.untagged_user_cost_usd) as untagged_user_cost_usd,
    sum(f.unpriced_calls) as unpriced_calls
from marts.fct_llm_costs_daily_by_prompt as f
cross join anchor
where f.day >= coalesce([[{{date_from}},]] anchor.as_of - 30)
    and f.day < coalesce([[{{date_to}},]] anchor.as_of)
    [[and f.environment = {{environment}}]]
group by f.day
order by f.day
