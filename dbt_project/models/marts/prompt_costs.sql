-- Which prompt is bleeding: cost, calls and tokens per call per (feature, prompt).
with

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}

),

by_prompt as (

    select
        feature,
        prompt_id,
        max(prompt_name) as prompt_name,
        max(prompt_version) as prompt_version,
        coalesce(sum(cost_usd) filter (where {{ day_in_window('day', 7) }}), 0) as cost_7d,
        coalesce(sum(calls) filter (where {{ day_in_window('day', 7) }}), 0) as calls_7d,
        sum(cost_usd) as cost_30d,
        sum(calls) as calls_30d,
        sum(total_tokens) as total_tokens_30d

    from daily
    group by feature, prompt_id

)

select
    feature,
    prompt_id,
    prompt_name,
    prompt_version,
    cost_7d,
    calls_7d,
    cost_30d,
    calls_30d,
    -- tokens = total tokens (input + output) per call
    {{ safe_divide('total_tokens_30d', 'calls_30d') }} as avg_tokens_30d,
    {{ safe_divide('cost_30d', 'calls_30d') }} as cost_per_call_30d,
    rank() over (order by cost_30d desc) as cost_rank_30d,
    {{ as_of_date() }} as as_of

from by_prompt
