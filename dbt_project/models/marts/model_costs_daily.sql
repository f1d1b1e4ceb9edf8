-- Chart series: daily cost and calls per provider and model over the last 30 days.
select
    day,
    coalesce(provider, '(unknown)') as provider,
    coalesce(model, '(unknown)') as model,
    sum(cost_usd) as cost_usd,
    sum(calls) as calls,
    sum(total_tokens) as total_tokens,
    sum(unpriced_calls) as unpriced_calls,
    {{ as_of_date() }} as as_of

from {{ ref('fct_llm_costs_daily') }}
where {{ day_in_window('day', 30) }}
group by day, coalesce(provider, '(unknown)'), coalesce(model, '(unknown)')
