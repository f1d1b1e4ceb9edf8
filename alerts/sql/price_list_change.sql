-- Rule price_list_change: a new price version changed the list price (at as_of) of a model the
-- team called in the last 30 days [as_of - 30, as_of). The monthly impact is those 30 days of the
-- model's calls re-priced token for token at the new minus the old price (raw.call_cost). Posted
-- once per version and model: a subject already in the alert log (any as_of) is not returned.
with

versions as (

    select
        max(price_version) as new_version,
        max(price_version) filter (where price_version < (select max(price_version) from raw.model_price_versions))
            as old_version
    from raw.model_price_versions

),

calls as (

    select provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens
    from raw.llm_calls
    where ts >= (%(as_of)s::date - 30)::timestamp at time zone 'UTC'
      and ts < (%(as_of)s::date)::timestamp at time zone 'UTC'
      and provider is not null
      and model is not null

),

models as (

    select distinct provider, model from calls

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

)

select
    changes.provider,
    changes.model,
    changes.old_version,
    changes.new_version,
    'v' || changes.new_version || ':' || changes.provider || '/' || changes.model as subject,
    changes.old_input_per_mtok,
    changes.new_input_per_mtok,
    changes.old_output_per_mtok,
    changes.new_output_per_mtok,
    count(*) as calls_30d,
    sum(raw.call_cost(c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_write_tokens,
                      changes.old_input_per_mtok, changes.old_output_per_mtok,
                      changes.old_cache_read_per_mtok, changes.old_cache_write_per_mtok)) as old_cost_30d,
    sum(raw.call_cost(c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_write_tokens,
                      changes.new_input_per_mtok, changes.new_output_per_mtok,
                      changes.new_cache_read_per_mtok, changes.new_cache_write_per_mtok)) as new_cost_30d
from changes
inner join calls as c
    on c.provider = changes.provider
    and c.model = changes.model
group by 1, 2, 3, 4, 5, 6, 7, 8, 9
order by abs(
    sum(raw.call_cost(c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_write_tokens,
                      changes.new_input_per_mtok, changes.new_output_per_mtok,
                      changes.new_cache_read_per_mtok, changes.new_cache_write_per_mtok))
    - sum(raw.call_cost(c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_write_tokens,
                        changes.old_input_per_mtok, changes.old_output_per_mtok,
                        changes.old_cache_read_per_mtok, changes.old_cache_write_per_mtok))
) desc, changes.model
