-- Daily cost per feature. Without a date filter: marts.reporting_window, [as_of - 30, as_of), which ends
-- at the last complete day like every chart and tile.
-- Read from marts.fct_llm_costs_daily_by_prompt (it keeps environment, so every filter applies) rather than
-- the full-grain fact: single-digit milliseconds at millions of calls.
-- `coalesce([[{{date_from}},]] default)` keeps the default bound when the filter is unset.
with anchor as (
    -- the days every chart and tile shows by default: [window_start, window_end), one row
    select window_start, window_end from marts.reporting_window
)

select
    f.day,
    f.feature,
    sum(f.cost_usd) as cost_usd,
    sum(f.calls) as calls
from marts.fct_llm_costs_daily_by_prompt as f
cross join anchor
where f.day >= coalesce([[{{date_from}},]] anchor.window_start)
    and f.day < coalesce([[{{date_to}},]] anchor.window_end)
    [[and f.feature = {{feature}}]]
    [[and f.environment = {{environment}}]]
group by f.day, f.feature
order by f.day, f.feature
