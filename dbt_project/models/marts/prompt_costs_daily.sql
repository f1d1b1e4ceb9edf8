-- Chart series: daily cost and calls per (feature, prompt) over the last 30 days.
select
    day,
    feature,
    prompt_id,
    max(prompt_name) as prompt_name,
    max(prompt_version) as prompt_version,
    sum(cost_usd) as cost_usd,
    sum(calls) as calls,
    sum(total_tokens) as total_tokens,
    {{ as_of_date() }} as as_of

from {{ ref('fct_llm_costs_daily') }}
where {{ day_in_window('day', 30) }}
group by day, feature, prompt_id
