-- Daily cost of the ten most expensive users in the window; everyone else is one line, so the
-- chart stays readable with thousands of users.
with anchor as (
    -- the days every chart and tile shows by default: [window_start, window_end), one row
    select window_start, window_end from marts.reporting_window
),

-- Without a feature filter: the per-user rollup (a few rows per user and day). With one: the
-- full-grain fact, the only table that has both user and feature. Exactly one branch is non-empty.
filtered as (
    select f.day, f.user_id, f.cost_usd, f.calls
    from marts.fct_llm_costs_daily_by_user as f
    cross join anchor
    where f.day >= coalesce([[{{date_from}},]] anchor.window_start)
        and f.day < coalesce([[{{date_to}},]] anchor.window_end)
        [[and {{feature}}::text is null]]
        [[and f.environment = {{environment}}]]
    union all
    select f.day, f.user_id, f.cost_usd, f.calls
    from marts.fct_llm_costs_daily as f
    cross join anchor
    where f.day >= coalesce([[{{date_from}},]] anchor.window_start)
        and f.day < coalesce([[{{date_to}},]] anchor.window_end)
        [[and f.environment = {{environment}}]]
        and (false [[or f.feature = {{feature}}]])
),

top_users as (
    select user_id
    from filtered
    group by user_id
    order by sum(cost_usd) desc nulls last, user_id
    limit 10
)

select
    filtered.day,
    coalesce(top_users.user_id, '(other users)') as user_id,
    sum(filtered.cost_usd) as cost_usd,
    sum(filtered.calls) as calls
from filtered
left join top_users on top_users.user_id = filtered.user_id
group by filtered.day, coalesce(top_users.user_id, '(other users)')
order by filtered.day, user_id
