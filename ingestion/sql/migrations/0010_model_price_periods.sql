-- The price periods of one model under one price version: the half-open [period_from, period_to)
-- spans over which the winning price (raw.model_price_at) cannot change, with that price (NULL
-- prices where none applies). A model with no matching price row gets one period,
-- [-infinity, infinity) with NULL prices, so every model has at least one row.
-- One definition for the two places that price calls: the loader prices each page as it merges
-- it (ingestion/sql/merge_llm_calls.sql, through a per-load cache of these periods) and
-- `llmcosts reprice` re-prices history (ingestion/sql/price_calls.sql). Both join calls to a
-- handful of periods per model, never resolve a price per call.
create or replace function raw.model_price_periods(p_version integer, p_provider text, p_model text)
returns table (
    period_from          timestamptz,
    period_to            timestamptz,
    price_version        integer,
    input_per_mtok       numeric,
    output_per_mtok      numeric,
    cache_read_per_mtok  numeric,
    cache_write_per_mtok numeric
)
language sql
stable
as $$
    with bounds as (
        select timestamptz '-infinity' as bound

        union

        select b.bound
        from raw.model_prices as p
        cross join lateral (values (p.valid_from), (p.valid_to)) as b (bound)
        where p.price_version = p_version
          and p.provider = p_provider
          and lower(p_model) ~ p.model_pattern
          and b.bound is not null
    ),

    periods as (
        select
            bound as period_from,
            coalesce(lead(bound) over (order by bound), timestamptz 'infinity') as period_to
        from bounds
    )

    select
        pe.period_from,
        pe.period_to,
        pr.price_version,
        pr.input_per_mtok,
        pr.output_per_mtok,
        pr.cache_read_per_mtok,
        pr.cache_write_per_mtok
    from periods as pe
    left join lateral raw.model_price_at(p_version, p_provider, p_model, pe.period_from) as pr on true
$$;
