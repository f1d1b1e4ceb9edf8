-- Tag coverage: per day and feature over the last 30 days [as_of - 30, as_of), the share of calls
-- and of cost carrying all three tags (user_id, feature, prompt_id). A call without a feature is
-- under (untagged), with a coverage of 0 by definition. The data-quality rules alert on it.
with

calls as (

    select * from {{ ref('int_pricing__calls_30d') }}

),

daily as (

    select
        day,
        feature,
        count(*) as calls,
        count(*) filter (where is_fully_tagged) as tagged_calls,
        count(*) filter (where user_id = {{ untagged_label() }}) as calls_without_user,
        count(*) filter (where prompt_id = {{ untagged_label() }}) as calls_without_prompt,
        coalesce(sum(cost_usd), 0) as cost_usd,
        coalesce(sum(cost_usd) filter (where is_fully_tagged), 0) as tagged_cost_usd
    from calls
    group by 1, 2

)

select
    {{ surrogate_key(['day', 'feature']) }} as coverage_key,
    daily.*,
    {{ safe_divide('tagged_calls', 'calls') }} as tagged_call_share,
    {{ safe_divide('tagged_cost_usd', 'cost_usd') }} as tagged_cost_share,
    {{ as_of_date() }} as as_of
from daily
