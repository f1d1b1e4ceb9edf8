-- Retention vs cost per signup-month cohort and tier: are the users we pay most for staying?
with

users as (

    select * from {{ ref('int_app_users__costs_30d') }}

)

select
    cohort_month,
    tier,
    count(*) as users,
    count(*) filter (where is_active_30d) as active_users_30d,
    {{ safe_divide('count(*) filter (where is_active_30d)', 'count(*)') }} as retention_30d,
    sum(cost_30d) as cost_30d,
    {{ safe_divide('sum(cost_30d)', 'count(*)') }} as cost_per_user_30d,
    sum(calls_30d) as calls_30d,
    {{ as_of_date() }} as as_of

from users
group by cohort_month, tier
