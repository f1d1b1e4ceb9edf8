-- Attribution of a week-over-week change to users: each one's NET change in spend on the
-- feature (gains and losses), current week [as_of - 7d, as_of) against the week before
-- [as_of - 14d, as_of - 7d). The top_n largest changes by size come one row each; everything else
-- is one 'other' row (is_other, with how many it holds), so the rows add up to the feature's delta.
with weekly as (
    select
        feature,
        user_id as member,
        coalesce(sum(cost_usd) filter (where day >= %(as_of)s::date - 7 and day < %(as_of)s::date), 0)
        - coalesce(sum(cost_usd) filter (where day >= %(as_of)s::date - 14 and day < %(as_of)s::date - 7), 0)
            as change
    from marts.fct_llm_costs_daily
    where feature = any(%(features)s)
      and day >= %(as_of)s::date - 14
      and day < %(as_of)s::date
    group by feature, user_id
),

ranked as (
    select
        feature,
        member,
        change,
        change <> 0
        and row_number() over (partition by feature order by abs(change) desc, member) <= %(top_n)s as is_top
    from weekly
)

select
    feature,
    case when is_top then member end as member,
    not is_top as is_other,
    count(*) as members,
    sum(change) as change
from ranked
group by feature, case when is_top then member end, is_top
order by feature, is_top desc, abs(sum(change)) desc, member
