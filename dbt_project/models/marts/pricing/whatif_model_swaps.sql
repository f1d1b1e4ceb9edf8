-- What-if: each feature's last 30 days [as_of - 30, as_of) on each model it used, re-priced token
-- for token on every cheaper model of the same provider that the team already calls, at that
-- model's list price at as_of. Only calls with a cost today are compared (unpriced ones cannot
-- be). The 30-day window is the monthly figure. `llmcosts whatif` runs the same arithmetic
-- (raw.call_cost) for any model.
with

calls as (

    select * from {{ ref('int_pricing__calls_30d') }}
    where cost_usd is not null

),

candidates as (

    select provider, model as candidate_model, priced_as, input_per_mtok, output_per_mtok,
           cache_read_per_mtok, cache_write_per_mtok
    from {{ ref('int_pricing__model_list_prices') }}
    where input_per_mtok is not null
      and output_per_mtok is not null

),

swaps as (

    select
        calls.feature,
        calls.provider,
        calls.model as current_model,
        candidates.candidate_model,
        max(candidates.priced_as) as candidate_priced_as,
        count(*) as calls_30d,
        sum(calls.cost_usd) as current_cost_30d,
        sum(
            {{ call_cost(
                'calls.input_tokens', 'calls.output_tokens',
                'calls.cache_read_tokens', 'calls.cache_write_tokens',
                'candidates.input_per_mtok', 'candidates.output_per_mtok',
                'candidates.cache_read_per_mtok', 'candidates.cache_write_per_mtok'
            ) }}
        ) as projected_cost_30d
    from calls
    inner join candidates
        on calls.provider = candidates.provider
        and calls.model <> candidates.candidate_model
    group by 1, 2, 3, 4

)

select
    {{ surrogate_key(['feature', 'provider', 'current_model', 'candidate_model']) }} as swap_key,
    feature,
    provider,
    current_model,
    candidate_model,
    candidate_priced_as,
    calls_30d,
    current_cost_30d,
    projected_cost_30d,
    current_cost_30d - projected_cost_30d as monthly_saving_usd,
    {{ safe_divide('current_cost_30d - projected_cost_30d', 'current_cost_30d') }} as saving_share,
    {{ as_of_date() }} as as_of
from swaps
where projected_cost_30d < current_cost_30d
