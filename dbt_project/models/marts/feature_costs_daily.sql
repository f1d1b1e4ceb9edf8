-- Chart series: daily cost and calls per feature over the last 30 days.
select
    day,
    feature,
    sum(cost_usd) as cost_usd,
    sum(calls) as calls,
    sum(total_tokens) as total_tokens,
    {{ as_of_date() }} as as_of

from {{ ref('fct_llm_costs_daily') }}
where {{ day_in_window('day', 30) }}
group by day, feature
