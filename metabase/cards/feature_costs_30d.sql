-- By feature: 30-day cost first (the sort key), the 7-day cost beside it.
select
    fc.feature,
    fc.cost_30d,
    fc.cost_7d,
    fc.calls_30d,
    fc.calls_7d,
    fc.cost_per_call_30d,
    fc.share_of_total_30d
from marts.feature_costs as fc
where true
    [[and fc.feature = {{feature}}]]
order by fc.cost_30d desc nulls last, fc.feature
