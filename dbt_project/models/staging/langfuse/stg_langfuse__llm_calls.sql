with

source as (

    select * from {{ source('langfuse', 'llm_calls') }}

),

renamed as (

    select
        -- ids
        observation_id,
        trace_id,
        project_id,
        session_id,
        -- attribution: a blank tag is as good as no tag
        nullif(trim(user_id), '') as user_id,
        nullif(trim(feature), '') as feature,
        nullif(trim(prompt_id), '') as prompt_id,
        prompt_name,
        prompt_version,
        environment,

        -- model
        model,
        provider,
        observation_type,
        level,

        -- numerics
        coalesce(input_tokens, 0) as input_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        coalesce(cache_read_tokens, 0) as cache_read_tokens,
        coalesce(cache_write_tokens, 0) as cache_write_tokens,
        coalesce(total_tokens, coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) as total_tokens,
        cost_usd,
        cost_source,
        reported_cost_usd,
        computed_cost_usd,
        price_version,
        latency_ms,
        ttft_ms,

        -- booleans
        cost_usd is null as is_unpriced,
        level = 'ERROR' as is_error,
        coalesce(cache_hit, false) as is_cache_hit,

        -- timestamps
        ts as called_at,
        ingested_at

    from source

)

select * from renamed
