-- The throttle list: members over a hard limit, since when (marts.throttle_list; the same rows as
-- the JSON file the budget_throttle_list_export asset writes).
select
    t.scope,
    t.member,
    t.budget_name,
    t.period_label,
    t.limit_usd,
    t.spent_usd,
    t.pct_used / 100 as share_used,
    t.exceeded_since
from marts.throttle_list as t
order by t.exceeded_since, t.pct_used desc, t.budget_name, t.member
