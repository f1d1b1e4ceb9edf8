-- Members over a hard limit in their current period, with the day they went over: what an
-- application or gateway throttles. Exported as JSON by the budget_throttle_list_export asset.
-- '(untagged)' members are not somebody to throttle and are left out.
select
    as_of,
    scope,
    member,
    budget_name,
    period_label,
    period_start,
    period_end,
    limit_usd,
    hard_limit_usd,
    spent_usd,
    pct_used,
    exceeded_since
from {{ ref('budget_status') }}
where status = 'exceeded'
    and member <> {{ untagged_label() }}
