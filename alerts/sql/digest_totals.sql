-- Digest: spend yesterday [as_of - 1d, as_of) and last 7 days [as_of - 7d, as_of) from
-- marts.spend_summary, and the week before [as_of - 14d, as_of - 7d) from marts.fct_llm_costs_daily
-- (spend_summary only looks back from as_of).
select
    max(total_cost) filter (where time_window = '1d') as yesterday_cost,
    max(calls) filter (where time_window = '1d') as yesterday_calls,
    max(total_cost) filter (where time_window = '7d') as week_cost,
    max(calls) filter (where time_window = '7d') as week_calls,
    max(active_users) filter (where time_window = '7d') as week_active_users,
    (
        select coalesce(sum(cost_usd), 0)
        from marts.fct_llm_costs_daily
        where day >= %(as_of)s::date - 14
          and day < %(as_of)s::date - 7
    ) as prev_week_cost
from marts.spend_summary
where as_of = %(as_of)s::date
