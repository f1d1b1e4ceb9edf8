-- Where Langfuse's cost and the price table's disagree by more than 1 %, by model over the window
-- (default: the 30 days ending on as_of). The place to look when numbers do not match the bill.
with anchor as (
    select max(as_of) as as_of from marts.cost_drift
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
where d.day >= coalesce([[{{date_from}},]] anchor.as_of - 30)
    and d.day < coalesce([[{{date_to}},]] anchor.as_of)
group by d.provider, d.model
having sum(d.compared_calls) > 0
order by abs(sum(d.drift_cost_usd)) desc, d.model
