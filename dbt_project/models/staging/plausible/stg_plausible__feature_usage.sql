with

source as (

    select * from {{ source('plausible', 'feature_usage') }}

),

renamed as (

    select
        -- ids
        day,
        feature,

        -- numerics
        events,
        visitors,

        -- attributes
        source as usage_source,

        -- timestamps
        loaded_at

    from source

)

select * from renamed
