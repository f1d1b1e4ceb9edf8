-- Week over week per feature, biggest relative increase first.
select
    w.feature,
    w.current_cost,
    w.prev_cost,
    w.pct_change
from marts.feature_wow as w
where true
    [[and w.feature = {{feature}}]]
order by w.pct_change desc nulls last, w.current_cost desc nulls last, w.feature
