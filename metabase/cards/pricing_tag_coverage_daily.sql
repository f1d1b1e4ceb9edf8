-- Share of calls and of cost carrying all three tags (user_id, feature, prompt_id), per day.
with anchor as (
    select max(as_of) as as_of from marts.tag_coverage_daily
)

select
    t.day,
    sum(t.calls) as calls,
    sum(t.tagged_calls)::double precision / nullif(sum(t.calls), 0) as tagged_call_share,
    sum(t.tagged_cost_usd)::double precision / nullif(sum(t.cost_usd), 0) as tagged_cost_share
from marts.tag_coverage_daily as t
cross join anchor
where t.day >= coalesce([[{{date_from}},]] anchor.as_of - 30)
    and t.day < coalesce([[{{date_to}},]] anchor.as_of)
    [[and t.feature = {{feature}}]]
group by t.day
order by t.day
