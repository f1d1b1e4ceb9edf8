-- Where Langfuse's cost and the price table's disagree: by day and model over the last 30 days
-- [as_of - 30, as_of), the calls both priced, and those whose reported cost differs from the
-- computed one by more than 1 % (of the computed cost). The place to look when the dashboards do
-- not match the provider's bill (cache-read tokens priced at the input rate are the usual cause).
with

calls as (

    select
        {{ utc_day('called_at') }} as day,
        provider,
        model,
        reported_cost_usd,
        computed_cost_usd,
        reported_cost_usd is not null and computed_cost_usd is not null as is_compared,
        reported_cost_usd is not null and computed_cost_usd is not null
            and abs(reported_cost_usd - computed_cost_usd) > 0.01 * computed_cost_usd as is_drift
    from {{ ref('stg_langfuse__llm_calls') }}
    where {{ ts_in_window('called_at', 30) }}
      and model is not null

),

daily as (

    select
        day,
        {{ label_or_untagged('provider') }} as provider,
        model,
        count(*) as calls,
        count(*) filter (where is_compared) as compared_calls,
        count(*) filter (where is_drift) as drift_calls,
        count(*) filter (where reported_cost_usd is null and computed_cost_usd is null) as unpriced_calls,
        coalesce(sum(reported_cost_usd) filter (where is_compared), 0) as reported_cost_usd,
        coalesce(sum(computed_cost_usd) filter (where is_compared), 0) as computed_cost_usd,
        coalesce(sum(reported_cost_usd - computed_cost_usd) filter (where is_drift), 0) as drift_cost_usd
    from calls
    group by 1, 2, 3

)

select
    {{ surrogate_key(['day', 'provider', 'model']) }} as drift_key,
    daily.*,
    {{ safe_divide('drift_calls', 'compared_calls') }} as drift_call_share,
    {{ safe_divide('abs(drift_cost_usd)', 'reported_cost_usd') }} as drift_cost_share,
    {{ as_of_date() }} as as_of
from daily
