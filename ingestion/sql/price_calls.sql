-- Price the calls of one half-open window [window_start, window_end) with the newest price
-- version, and set the effective cost. Set-based and run once per window (by the loader after the
-- window's pages, and by `llmcosts reprice`): the winning price is resolved per model and price
-- period (a handful of rows, by raw.model_price_at), never per call, and a row is only written when
-- one of its four cost columns changes, so running it twice changes nothing the second time.
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

-- every instant at which a model's winning price can change: the bounds of the rows it matches
bounds as (

    select provider, model, timestamptz '-infinity' as bound
    from window_models

    union

    select wm.provider, wm.model, b.bound
    from window_models as wm
    cross join params
    inner join raw.model_prices as p
        on p.price_version = params.price_version
        and p.provider = wm.provider
        and lower(wm.model) ~ p.model_pattern
    cross join lateral (values (p.valid_from), (p.valid_to)) as b (bound)
    where b.bound is not null

),

periods as (

    select
        provider,
        model,
        bound as period_from,
        coalesce(lead(bound) over (partition by provider, model order by bound), timestamptz 'infinity') as period_to
    from bounds

),

period_prices as materialized (

    select
        pe.provider,
        pe.model,
        pe.period_from,
        pe.period_to,
        pr.price_version,
        pr.input_per_mtok,
        pr.output_per_mtok,
        pr.cache_read_per_mtok,
        pr.cache_write_per_mtok
    from periods as pe
    cross join params
    left join lateral raw.model_price_at(params.price_version, pe.provider, pe.model, pe.period_from) as pr
        on true

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
