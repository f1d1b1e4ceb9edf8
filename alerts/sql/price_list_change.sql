-- Rule price_list_change: a new price version changed the list price (at as_of) of a model the
-- team called in the last 30 days [as_of - 30, as_of). The monthly impact is those 30 days of the
-- model's calls re-priced token for token at the new minus the old price (raw.call_cost). Posted
-- once per version and model: a subject already in the alert log (any as_of) is not returned.
-- The calls arrive as their token mix per model (price_list_change_token_mix.sql, or its Spark
-- form on the Spark warehouse) in a temporary table: one pricing query for both warehouses.
with

versions as (

    select
        max(price_version) as new_version,
        max(price_version) filter (where price_version < (select max(price_version) from raw.model_price_versions))
            as old_version
    from raw.model_price_versions

),

calls as (

    select * from pg_temp.price_list_change_token_mix

),

models as (

    select provider, model from calls

),

changes as (

    select
        models.provider,
        models.model,
        versions.old_version,
        versions.new_version,
        old_price.model_id as old_priced_as,
        old_price.input_per_mtok as old_input_per_mtok,
        old_price.output_per_mtok as old_output_per_mtok,
        old_price.cache_read_per_mtok as old_cache_read_per_mtok,
        old_price.cache_write_per_mtok as old_cache_write_per_mtok,
        new_price.input_per_mtok as new_input_per_mtok,
        new_price.output_per_mtok as new_output_per_mtok,
        new_price.cache_read_per_mtok as new_cache_read_per_mtok,
        new_price.cache_write_per_mtok as new_cache_write_per_mtok
    from models
    cross join versions
    cross join lateral raw.model_price_at(
        versions.old_version, models.provider, models.model, (%(as_of)s::date)::timestamp at time zone 'UTC'
    ) as old_price
    cross join lateral raw.model_price_at(
        versions.new_version, models.provider, models.model, (%(as_of)s::date)::timestamp at time zone 'UTC'
    ) as new_price
    where versions.old_version is not null
      and (old_price.input_per_mtok, old_price.output_per_mtok, old_price.cache_read_per_mtok,
           old_price.cache_write_per_mtok)
          is distinct from
          (new_price.input_per_mtok, new_price.output_per_mtok, new_price.cache_read_per_mtok,
           new_price.cache_write_per_mtok)

),

priced as (

    select
        changes.*,
        calls.calls as calls_30d,
        raw.call_cost(
            calls.uncached_input_tokens + calls.cache_read_tokens + calls.cache_write_tokens, calls.output_tokens,
            calls.cache_read_tokens, calls.cache_write_tokens,
            changes.old_input_per_mtok, changes.old_output_per_mtok,
            changes.old_cache_read_per_mtok, changes.old_cache_write_per_mtok
        ) as old_cost_30d,
        raw.call_cost(
            calls.uncached_input_tokens + calls.cache_read_tokens + calls.cache_write_tokens, calls.output_tokens,
            calls.cache_read_tokens, calls.cache_write_tokens,
            changes.new_input_per_mtok, changes.new_output_per_mtok,
            changes.new_cache_read_per_mtok, changes.new_cache_write_per_mtok
        ) as new_cost_30d
    from changes
    inner join calls
        on calls.provider = changes.provider
        and calls.model = changes.model

)

select
    provider,
    model,
    old_version,
    new_version,
    'v' || new_version || ':' || provider || '/' || model as subject,
    old_input_per_mtok,
    new_input_per_mtok,
    old_output_per_mtok,
    new_output_per_mtok,
    calls_30d,
    old_cost_30d,
    new_cost_30d
from priced
order by abs(new_cost_30d - old_cost_30d) desc, model
