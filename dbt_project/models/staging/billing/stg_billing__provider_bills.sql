with

source as (

    select * from {{ source('billing', 'provider_bills') }}

),

renamed as (

    select
        -- ids
        content_sha256,
        line_number,
        -- grain: providers and models compared case-insensitively with the warehouse
        lower(trim(provider)) as provider,
        nullif(lower(trim(model)), '') as model,
        line_item,
        cost_type,
        project_id,

        -- numerics
        cost_usd,
        input_tokens,
        output_tokens,

        -- timestamps
        day

    from source

)

select * from renamed
