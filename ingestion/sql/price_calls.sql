-- Price the calls of one half-open window [window_start, window_end) with the newest price
-- version, and set the effective cost. Set-based; `llmcosts reprice` runs it month by month after
-- the prices changed (the loader prices each page as it merges it, from the same periods). The
-- winning price is resolved per model and price period (a handful of rows,
-- raw.model_price_periods), never per call, and a row is only written when one of its four cost
-- columns changes, so running it twice changes nothing the second time.
-- cost_usd / cost_source: what Langfuse reported wins, else the price table (raw.cost_source).
with

params as (

    select
        %(window_start)s::timestamptz as window_start,
        %(window_end)s::timestamptz as window_end,
        raw.current_price_version() as price_version

),

window_models as materialized (

    select distinct c.provider, c.model
    from raw.llm_calls as c
    cross join params
    where c.ts >= params.window_start
      and c.ts < params.window_end
      and c.provider is not null
      and c.model is not null

),

period_prices as materialized (

    select wm.provider, wm.model, pp.*
    from window_models as wm
    cross join params
    cross join lateral raw.model_price_periods(params.price_version, wm.provider, wm.model) as pp

),

window_costs as (

    select
        c.observation_id,
        c.ts,
        c.reported_cost_usd,
        pp.price_version,
        raw.call_cost(
            c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_write_tokens,
            pp.input_per_mtok, pp.output_per_mtok, pp.cache_read_per_mtok, pp.cache_write_per_mtok
        ) as computed_cost_usd
    from raw.llm_calls as c
    cross join params
    inner join period_prices as pp
        on pp.provider = c.provider
        and pp.model = c.model
        and c.ts >= pp.period_from
        and c.ts < pp.period_to
    where c.ts >= params.window_start
      and c.ts < params.window_end

)

update raw.llm_calls as t
set
    computed_cost_usd = w.computed_cost_usd,
    price_version = w.price_version,
    cost_usd = coalesce(w.reported_cost_usd, w.computed_cost_usd),
    cost_source = raw.cost_source(w.reported_cost_usd, w.computed_cost_usd)
from window_costs as w
cross join params
where t.observation_id = w.observation_id
  and t.ts = w.ts
  and t.ts >= params.window_start
  and t.ts < params.window_end
  and (t.computed_cost_usd, t.price_version, t.cost_usd, t.cost_source) is distinct from (
      w.computed_cost_usd,
      w.price_version,
      coalesce(w.reported_cost_usd, w.computed_cost_usd),
      raw.cost_source(w.reported_cost_usd, w.computed_cost_usd)
  )
