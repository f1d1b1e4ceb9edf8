-- Calls nobody could price (no Langfuse cost, no price-table row): counted, never $0. Add an
-- override in ingestion/pricing/price_overrides.yml, then `llmcosts reprice`.
with anchor as (
    -- the days every chart and tile shows by default: [window_start, window_end), one row
    select window_start, window_end from marts.reporting_window
)

select
    d.provider,
    d.model,
    sum(d.unpriced_calls) as unpriced_calls,
    sum(d.calls) as calls,
    sum(d.unpriced_calls)::double precision / nullif(sum(d.calls), 0) as unpriced_share
from marts.cost_drift as d
cross join anchor
where d.day >= coalesce([[{{date_from}},]] anchor.window_start)
    and d.day < coalesce([[{{date_to}},]] anchor.window_end)
group by d.provider, d.model
having sum(d.unpriced_calls) > 0
order by sum(d.unpriced_calls) desc, d.model
