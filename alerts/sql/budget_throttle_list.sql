-- The throttle list for the JSON export: who is over a hard limit, since when (marts.throttle_list).
select
    as_of, scope, member, budget_name, period_label, period_start, period_end,
    limit_usd, hard_limit_usd, spent_usd, pct_used, exceeded_since
from marts.throttle_list
order by scope, member, budget_name
