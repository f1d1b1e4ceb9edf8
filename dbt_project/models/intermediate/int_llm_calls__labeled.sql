-- One row per call with the reporting labels applied: a missing feature, user or prompt becomes
-- the literal (untagged) here, once, so no mart can drop or mislabel untagged spend.
with

calls as (

    select * from {{ ref('stg_langfuse__llm_calls') }}

),

labeled as (

    select
        -- ids
        observation_id,
        project_id,
        {{ label_or_untagged('feature') }} as feature,
        {{ label_or_untagged('user_id') }} as user_id,
        {{ label_or_untagged('prompt_id') }} as prompt_id,
        prompt_name,
        prompt_version,
        model,
        provider,
        environment,

        -- numerics
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,
        total_tokens,
        cost_usd,
        -- unpriced calls add nothing to sums; unpriced_calls counts them so the gap stays visible
        coalesce(cost_usd, 0) as cost_usd_or_zero,

        -- booleans
        is_unpriced,
        is_error,
        is_cache_hit,

        -- timestamps: reporting days and hours are UTC
        called_at,
        {{ utc_day('called_at') }} as day,
        {{ utc_hour('called_at') }} as hour_of_day,
        {{ iso_weekday('called_at') }} as iso_weekday

    from calls

)

select * from labeled
