-- Root cause of a week-over-week increase: the prompt versions (a Langfuse prompt_id names one
-- version) whose spend on the feature grew the most,
-- current week [as_of - 7d, as_of) against the week before [as_of - 14d, as_of - 7d).
with weekly as (
    select
        feature,
        prompt_id,
        sum(cost_usd) filter (where day >= %(as_of)s::date - 7 and day < %(as_of)s::date) as current_cost,
        sum(cost_usd) filter (where day >= %(as_of)s::date - 14 and day < %(as_of)s::date - 7) as prev_cost
    from marts.fct_llm_costs_daily
    where feature = any(%(features)s)
      and day >= %(as_of)s::date - 14
      and day < %(as_of)s::date
    group by feature, prompt_id
),

ranked as (
    select
        feature,
        prompt_id,
        coalesce(current_cost, 0) - coalesce(prev_cost, 0) as increase,
        row_number() over (
            partition by feature
            order by coalesce(current_cost, 0) - coalesce(prev_cost, 0) desc, prompt_id
        ) as rank
    from weekly
)

select feature, prompt_id, increase
from ranked
where increase > 0
  and rank <= %(top_n)s
order by feature, rank
