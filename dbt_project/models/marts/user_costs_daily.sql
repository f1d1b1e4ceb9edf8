-- Chart series: daily cost and calls of the top spenders (30-day cost, var top_user_count).
with

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}

),

top_spenders as (

    select
        user_id,
        row_number() over (order by sum(cost_usd) desc, user_id) as spend_rank_30d

    from daily
    group by user_id

)

select
    daily.day,
    daily.user_id,
    top_spenders.spend_rank_30d,
    sum(daily.cost_usd) as cost_usd,
    sum(daily.calls) as calls,
    sum(daily.total_tokens) as total_tokens,
    {{ as_of_date() }} as as_of

from daily
inner join top_spenders on daily.user_id = top_spenders.user_id
where top_spenders.spend_rank_30d <= {{ var('top_user_count', 20) | int }}
group by daily.day, daily.user_id, top_spenders.spend_rank_30d
