-- Where Langfuse's cost and the price table's disagree by more than 1 %, by model over the window
-- (default: marts.reporting_window, the 30 days ending on the last complete day). The place to look when numbers do not match the bill.
with anchor as (
    -- the days every chart and tile shows by default: [window_start, window_end), one row
    select window_start, window_end from marts.reporting_window
)

select
    d.provider,
    d.model,
    sum(d.compared_calls) as compared_calls,
    sum(d.drift_calls) as drift_calls,
    sum(d.drift_calls)::double precision / nullif(sum(d.compared_calls), 0) as drift_call_share,
    sum(d.reported_cost_usd) as reported_cost_usd,
    sum(d.computed_cost_usd) as computed_cost_usd,
    sum(d.drift_cost_usd) as drift_cost_usd
from marts.cost_drift as d
cross join anchor
where d.day >= coalesce([[{{date_from}},]] anchor.window_start)
    and d.day < coalesce([[{{date_to}},]] anchor.window_end)
group by d.provider, d.model
having sum(d.compared_calls) > 0
order by abs(sum(d.drift_cost_usd)) desc, d.model
