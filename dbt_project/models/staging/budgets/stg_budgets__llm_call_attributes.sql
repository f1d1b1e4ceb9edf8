-- What a budget scope can name about a call that the langfuse staging model does not carry: the
-- tenant and cost centre, read from the call's metadata under the keys the budgets file declares
-- (settings.tenant_key / cost_centre_key). One row per call.
with

calls as (

    select * from {{ source('langfuse', 'llm_calls') }}

),

settings as (

    select * from {{ ref('stg_budgets__settings') }}

),

renamed as (

    select
        -- ids
        calls.observation_id,
        calls.project_id,
        nullif(trim(calls.user_id), '') as user_id,

        -- attribution
        nullif(trim(calls.feature), '') as feature,
        nullif(trim(calls.environment), '') as environment,
        calls.model,
        calls.provider,
        nullif(trim({{ json_text('calls.metadata', 'settings.tenant_key') }}), '') as tenant,
        nullif(trim({{ json_text('calls.metadata', 'settings.cost_centre_key') }}), '') as cost_centre,

        -- numerics
        calls.cost_usd,
        coalesce(calls.total_tokens, coalesce(calls.input_tokens, 0) + coalesce(calls.output_tokens, 0)) as total_tokens,

        -- timestamps
        calls.ts as called_at

    from calls
    cross join settings

)

select * from renamed
