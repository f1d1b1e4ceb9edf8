-- By user: 30-day cost first (the sort key), the 7-day cost beside it.
select
    uc.user_id,
    uc.cost_30d,
    uc.cost_7d,
    uc.calls_30d,
    uc.calls_7d,
    uc.features_touched_30d
from marts.user_costs as uc
order by uc.cost_30d desc nulls last, uc.user_id
