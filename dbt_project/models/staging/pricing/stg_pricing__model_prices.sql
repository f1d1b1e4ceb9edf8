-- The newest price version's rows: what computed_cost_usd is priced with.
with

source as (

    select * from {{ source('pricing', 'model_prices') }}

),

current_version as (

    -- raw.model_price_versions' newest version (the function ingestion/pricing prices with)
    select {{ current_price_version() }} as price_version

),

renamed as (

    select
        -- ids
        source.price_version,
        source.price_key,
        source.provider,
        source.model_id,
        source.model_pattern,
        source.source as price_source,

        -- numerics
        source.input_per_mtok,
        source.output_per_mtok,
        source.cache_read_per_mtok,
        source.cache_write_per_mtok,
        source.priority,
        source.match_rank,

        -- timestamps
        source.valid_from,
        source.valid_to

    from source
    inner join current_version on source.price_version = current_version.price_version

)

select * from renamed
