-- Daily cost per feature. Without a date filter: the 30 days ending on the marts' as_of date.
-- Read from the daily fact (not feature_costs_daily) so the environment filter applies too.
-- `coalesce([[{{date_from}},]] default)` keeps the default bound when the filter is unset.
with anchor as (
    select max(as_of) as as_of from marts.fct_llm_costs_daily
)

select
    f.day,
    f.feature,
    sum(f.cost_usd) as cost_usd,
    sum(f.calls) as calls
from marts.fct_llm_costs_daily as f
cross join anchor
where f.day >= coalesce([[{{date_from}},]] anchor.as_of - 29)
    and f.day < coalesce([[{{date_to}},]] anchor.as_of + 1)
    [[and f.feature = {{feature}}]]
    [[and f.environment = {{environment}}]]
group by f.day, f.feature
order by f.day, f.feature
