-- Per feature, each prompt version (a prompt id) in order of first appearance, with its cost
-- and size per call and the change against the version before it. Calls without a prompt are
-- left out: (untagged) is not a version, and its spend is in every other mart.
with

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where prompt_id <> {{ untagged_label() }}
      and day < {{ as_of_date() }}

),

versions as (

    select
        feature,
        prompt_id,
        max(prompt_name) as prompt_name,
        max(prompt_version) as prompt_version,
        min(day) as first_seen_day,
        max(day) as last_seen_day,
        sum(calls) as calls,
        sum(cost_usd) as cost_usd,
        sum(total_tokens) as total_tokens

    from daily
    group by feature, prompt_id

),

ordered as (

    select
        *,
        {{ safe_divide('cost_usd', 'calls') }} as cost_per_call,
        {{ safe_divide('total_tokens', 'calls') }} as tokens_per_call,
        row_number() over (
            partition by feature
            order by first_seen_day, prompt_version nulls last, prompt_id
        ) as version_order

    from versions

),

compared as (

    select
        *,
        lag(prompt_id) over by_appearance as previous_prompt_id,
        lag(prompt_version) over by_appearance as previous_prompt_version,
        lag(cost_per_call) over by_appearance as previous_cost_per_call,
        lag(tokens_per_call) over by_appearance as previous_tokens_per_call

    from ordered
    window by_appearance as (partition by feature order by version_order)

)

select
    feature,
    prompt_id,
    prompt_name,
    prompt_version,
    version_order,
    first_seen_day,
    last_seen_day,
    calls,
    cost_usd,
    cost_per_call,
    tokens_per_call,
    previous_prompt_id,
    previous_prompt_version,
    previous_cost_per_call,
    previous_tokens_per_call,
    cost_per_call - previous_cost_per_call as cost_per_call_change,
    {{ safe_divide('cost_per_call - previous_cost_per_call', 'previous_cost_per_call') }} as cost_per_call_pct_change,
    tokens_per_call - previous_tokens_per_call as tokens_per_call_change,
    {{ safe_divide('tokens_per_call - previous_tokens_per_call', 'previous_tokens_per_call') }} as tokens_per_call_pct_change,
    {{ as_of_date() }} as as_of

from compared
