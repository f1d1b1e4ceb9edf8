-- Who to protect and who to throttle: the top quarter of app users by 30-day LLM cost, split by
-- whether they stayed active (vip) or not (throttle_candidate).
with

users as (

    select
        *,
        ntile(4) over (order by cost_30d desc, user_id) as cost_quartile

    from {{ ref('int_app_users__costs_30d') }}

)

select
    user_id,
    tier,
    cohort_month,
    cost_30d,
    calls_30d,
    is_active_30d,
    last_active_at,
    cost_quartile,
    case
        when cost_quartile = 1 and cost_30d > 0 and not is_active_30d then 'throttle_candidate'
        when cost_quartile = 1 and cost_30d > 0 and is_active_30d then 'vip'
        else 'standard'
    end as segment,
    {{ as_of_date() }} as as_of

from users
