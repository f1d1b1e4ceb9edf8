-- Price the calls of one half-open window [window_start, window_end) with the newest price
-- version, and set the effective cost. Set-based; `llmcosts reprice` runs it month by month after
-- the prices changed (the loader prices each page as it merges it, from the same periods). The
-- winning price is resolved per model and price period (a handful of rows,
-- raw.model_price_periods), never per call, and a row is only written when one of its four cost
-- columns changes, so running it twice changes nothing the second time.
--
-- cost_usd / cost_source: what Langfuse reported wins ('langfuse'); else the price table
-- ('price_table'); else NULL and 'unpriced'.
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

)

update raw.llm_calls as t
set
    computed_cost_usd = raw.call_cost(
        t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens,
        pp.input_per_mtok, pp.output_per_mtok, pp.cache_read_per_mtok, pp.cache_write_per_mtok
    ),
    price_version = pp.price_version,
    cost_usd = coalesce(
        t.reported_cost_usd,
        raw.call_cost(
            t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens,
            pp.input_per_mtok, pp.output_per_mtok, pp.cache_read_per_mtok, pp.cache_write_per_mtok
        )
    ),
    cost_source = case
        when t.reported_cost_usd is not null then 'langfuse'
        when pp.input_per_mtok is not null and pp.output_per_mtok is not null then 'price_table'
        else 'unpriced'
    end
from period_prices as pp
cross join params
where t.ts >= params.window_start
  and t.ts < params.window_end
  and t.provider = pp.provider
  and t.model = pp.model
  and t.ts >= pp.period_from
  and t.ts < pp.period_to
  and (t.computed_cost_usd, t.price_version, t.cost_usd, t.cost_source) is distinct from (
      raw.call_cost(
          t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens,
          pp.input_per_mtok, pp.output_per_mtok, pp.cache_read_per_mtok, pp.cache_write_per_mtok
      ),
      pp.price_version,
      coalesce(
          t.reported_cost_usd,
          raw.call_cost(
              t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens,
              pp.input_per_mtok, pp.output_per_mtok, pp.cache_read_per_mtok, pp.cache_write_per_mtok
          )
      ),
      case
          when t.reported_cost_usd is not null then 'langfuse'
          when pp.input_per_mtok is not null and pp.output_per_mtok is not null then 'price_table'
          else 'unpriced'
      end
  )
