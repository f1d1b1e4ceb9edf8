-- Spend nobody owns (untagged feature or user) and calls without a price, per day.
-- Unpriced calls have no cost by definition, so they are counted, not summed.
with anchor as (
    -- the days every chart and tile shows by default: [window_start, window_end), one row
    select window_start, window_end from marts.reporting_window
)

select
    f.day,
    sum(f.cost_usd) as cost_usd,
    coalesce(sum(f.cost_usd) filter (where f.feature = '(untagged)'), 0) as untagged_feature_cost_usd,
    sum(f.untagged_user_cost_usd) as untagged_user_cost_usd,
    sum(f.unpriced_calls) as unpriced_calls
from marts.fct_llm_costs_daily_by_prompt as f
cross join anchor
where f.day >= coalesce([[{{date_from}},]] anchor.window_start)
    and f.day < coalesce([[{{date_to}},]] anchor.window_end)
    [[and f.environment = {{environment}}]]
group by f.day
order by f.day
