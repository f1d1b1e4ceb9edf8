-- The list price at as_of (newest price version, overrides winning) of every model called in the
-- last 30 days [as_of - 30, as_of). Resolved by raw.model_price_at, the same rule that prices the
-- calls in ingestion (one lookup per model, not per call; macros/cross_db/pricing.sql holds its
-- Spark form). In the intermediate schema.
-- A table, not a view: a few rows, resolved once per model. As a view, the planner could run the
-- lateral price lookup once per *call* when joining it to 30 days of calls (minutes at 1M calls).
{{ config(materialized='table', schema='intermediate', tags=['intermediate']) }}
-- depends_on: {{ ref('stg_pricing__model_prices') }}

with

calls as (

    select provider, model
    from {{ ref('stg_langfuse__llm_calls') }}
    where {{ ts_in_window('called_at', 30) }}
      and provider is not null
      and model is not null

),

models as (

    select distinct provider, model from calls

)

select
    -- ids
    models.provider,
    models.model,
    price.model_id as priced_as,
    price.source as price_source,
    price.price_version,

    -- numerics: USD per million tokens
    price.input_per_mtok,
    price.output_per_mtok,
    price.cache_read_per_mtok,
    price.cache_write_per_mtok,
    {{ as_of_date() }} as as_of

from models
{{ left_join_model_price_at('models', 'provider', 'model', utc_midnight(as_of_value()), 'price') }}
