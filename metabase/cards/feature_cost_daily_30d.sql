-- Daily cost per feature. Without a date filter: the marts' 30-day window [as_of - 30, as_of).
-- Read from marts.fct_llm_costs_daily_by_prompt (it keeps environment, so every filter applies) rather than
-- the full-grain fact: single-digit milliseconds at millions of calls.
-- `coalesce([[{{date_from}},]] default)` keeps the default bound when the filter is unset.
with anchor as (
    -- spend_summary: three rows, where the fact would be scanned whole just to find its date
    select max(as_of) as as_of from marts.spend_summary
)

select
    f.day,
    f.feature,
    sum(f.cost_usd) as cost_usd,
    sum(f.calls) as calls
from marts.fct_llm_costs_daily_by_prompt as f
cross join anchor
where f.day >= coalesce([[{{date_from}},]] anchor.as_of - 30)
    and f.day < coalesce([[{{date_to}},]] anchor.as_of)
    [[and f.feature = {{feature}}]]
    [[and f.environment = {{environment}}]]
group by f.day, f.feature
order by f.day, f.feature
