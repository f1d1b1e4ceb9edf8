-- Rule overnight_doubling: a feature whose spend yesterday [as_of - 1d, as_of) exceeds `factor`
-- times its daily average over the 7 days before [as_of - 8d, as_of - 1d), and the floor.
-- Days without spend count as zero in the average. A feature with no spend at all in those 7 days
-- has nothing to double: it is a new spender, reported by new_spender.sql.
with daily as (
    select
        feature,
        sum(cost_usd) filter (where day >= %(as_of)s::date - 1 and day < %(as_of)s::date) as yesterday_cost,
        sum(cost_usd) filter (where day >= %(as_of)s::date - 8 and day < %(as_of)s::date - 1) / 7.0
            as trailing_daily_avg
    from marts.fct_llm_costs_daily
    where day >= %(as_of)s::date - 8
      and day < %(as_of)s::date
    group by feature
)

select
    feature,
    yesterday_cost,
    trailing_daily_avg,
    yesterday_cost / trailing_daily_avg as ratio
from daily
where yesterday_cost > %(floor_usd)s
  and trailing_daily_avg > 0
  and yesterday_cost > %(factor)s * trailing_daily_avg
order by yesterday_cost / trailing_daily_avg desc, feature
