with

source as (

    select * from {{ source('app', 'app_users') }}

),

renamed as (

    select
        -- ids
        user_id,

        -- attributes
        coalesce(nullif(trim(tier), ''), {{ untagged_label() }}) as tier,

        -- timestamps
        signup_at,
        last_active_at,
        loaded_at

    from source

)

select * from renamed
