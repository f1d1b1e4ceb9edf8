-- One row per app user who signed up before as_of: their LLM cost over the 30-day window and
-- whether they were active in it. Empty when raw.app_users is empty.
with

users as (

    select * from {{ ref('stg_app__users') }}
    where signup_at < {{ utc_midnight(as_of_value()) }}

),

costs as (

    select
        user_id,
        sum(cost_usd) as cost_30d,
        sum(calls) as calls_30d

    from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}
    group by user_id

)

select
    users.user_id,
    users.tier,
    {{ utc_month_start('users.signup_at') }} as cohort_month,
    users.signup_at,
    users.last_active_at,
    coalesce(costs.cost_30d, 0) as cost_30d,
    coalesce(costs.calls_30d, 0) as calls_30d,
    -- last_active_at keeps only the latest activity: a user seen at or after the window start is
    -- counted as retained (exact when as_of is today, the normal case)
    coalesce(users.last_active_at >= {{ utc_midnight(days_before_as_of(30)) }}, false) as is_active_30d

from users
left join costs on users.user_id = costs.user_id
