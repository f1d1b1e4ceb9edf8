-- Share of calls and of cost carrying all three tags (user_id, feature, prompt_id), per day.
with anchor as (
    -- the days every chart and tile shows by default: [window_start, window_end), one row
    select window_start, window_end from marts.reporting_window
)

select
    t.day,
    sum(t.calls) as calls,
    sum(t.tagged_calls)::double precision / nullif(sum(t.calls), 0) as tagged_call_share,
    sum(t.tagged_cost_usd)::double precision / nullif(sum(t.cost_usd), 0) as tagged_cost_share
from marts.tag_coverage_daily as t
cross join anchor
where t.day >= coalesce([[{{date_from}},]] anchor.window_start)
    and t.day < coalesce([[{{date_to}},]] anchor.window_end)
    [[and t.feature = {{feature}}]]
group by t.day
order by t.day
