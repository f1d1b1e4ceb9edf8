-- Pricing: a dated, versioned price table, and the three cost columns of raw.llm_calls.
--
-- raw.llm_calls keeps its contract columns `cost_usd` (the effective cost) and `cost_source`
-- ('langfuse' when Langfuse reported a cost, 'price_table' when only the price table could price
-- the call, 'unpriced' when neither: NULL, never $0). New beside them:
--   reported_cost_usd  what Langfuse said (loaded by ingestion)
--   computed_cost_usd  the price table at the call's ts, cache-aware (ingestion/sql/price_calls.sql)
--   price_version      the raw.model_price_versions version computed_cost_usd came from
-- ALTER on the partitioned parent reaches every partition, present and future.
alter table raw.llm_calls add column if not exists reported_cost_usd numeric(20, 10);
alter table raw.llm_calls add column if not exists computed_cost_usd numeric(20, 10);
alter table raw.llm_calls add column if not exists price_version integer;

update raw.llm_calls set reported_cost_usd = cost_usd where cost_source = 'langfuse' and reported_cost_usd is null;

-- One row per load of the price table that changed something. Prices are never updated in place:
-- a change of prices (genai-prices upgraded, an override edited) is a new version; pricing reads
-- the newest one, and the previous versions stay for audit and for the price-change alert.
create table if not exists raw.model_price_versions (
    price_version        integer     primary key,
    content_hash         text        not null,
    genai_prices_version text,
    overrides_file       text,
    row_count            integer     not null,
    loaded_at            timestamptz not null default now()
);

-- USD per million tokens, valid over the half-open [valid_from, valid_to) (NULL valid_to: open).
-- model_pattern is a Postgres regular expression matched against lower(model). When several rows
-- match one call at its ts, the winner is the lowest (priority, match_rank), then the latest
-- valid_from: priority 0 is a local override (always wins), 1 genai-prices, whose match_rank is
-- the position of the model in its provider's list (genai-prices takes the first match too).
create table if not exists raw.model_prices (
    price_version        integer     not null references raw.model_price_versions (price_version),
    price_key            text        not null,
    provider             text        not null,
    model_id             text        not null,
    model_pattern        text        not null,
    valid_from           timestamptz not null,
    valid_to             timestamptz,
    input_per_mtok       numeric(20, 10) not null,
    output_per_mtok      numeric(20, 10) not null,
    cache_read_per_mtok  numeric(20, 10),
    cache_write_per_mtok numeric(20, 10),
    source               text        not null,
    priority             integer     not null,
    match_rank           integer     not null,
    note                 text,
    constraint model_prices_pkey primary key (price_version, price_key),
    constraint model_prices_source_check check (source in ('override', 'genai-prices')),
    constraint model_prices_valid_check check (valid_to is null or valid_to > valid_from)
);
create index if not exists model_prices_version_provider_idx on raw.model_prices (price_version, provider);

-- The one rule for "which price applies to this model at this instant" under one version; used by
-- ingestion/sql/price_calls.sql (per model and price period, never per call), the what-if, the
-- price-change alert and the dbt pricing marts, so they can never disagree.
create or replace function raw.model_price_at(
    p_version integer, p_provider text, p_model text, p_at timestamptz
)
returns setof raw.model_prices
language sql
stable
as $$
    select p.*
    from raw.model_prices as p
    where p.price_version = p_version
      and p.provider = p_provider
      and lower(p_model) ~ p.model_pattern
      and p.valid_from <= p_at
      and (p.valid_to is null or p_at < p.valid_to)
    order by p.priority, p.match_rank, p.valid_from desc
    limit 1
$$;

create or replace function raw.current_price_version()
returns integer
language sql
stable
as $$
    select max(price_version) from raw.model_price_versions
$$;

-- The cost of one call's tokens at one set of prices (USD per million tokens), cache-aware.
-- input_tokens INCLUDES the cache read and write tokens (see ingestion/mapping.py): the uncached
-- part is billed at the input price, cache reads at the cache-read price and cache writes at the
-- cache-write price, each falling back to the input price when the model has none (as
-- genai-prices does). NULL when the input or output price is missing: unpriced, never $0.
-- A plain SQL function: Postgres inlines it, so it costs nothing per row over the bare expression.
create or replace function raw.call_cost(
    input_tokens bigint, output_tokens bigint, cache_read_tokens bigint, cache_write_tokens bigint,
    input_per_mtok numeric, output_per_mtok numeric, cache_read_per_mtok numeric, cache_write_per_mtok numeric
)
returns numeric
language sql
immutable
as $$
    select round(
        (
            greatest(coalesce(input_tokens, 0) - coalesce(cache_read_tokens, 0) - coalesce(cache_write_tokens, 0), 0)
                * input_per_mtok
            + coalesce(cache_read_tokens, 0) * coalesce(cache_read_per_mtok, input_per_mtok)
            + coalesce(cache_write_tokens, 0) * coalesce(cache_write_per_mtok, input_per_mtok)
            + coalesce(output_tokens, 0) * output_per_mtok
        ) / 1000000,
        10
    )
$$;
