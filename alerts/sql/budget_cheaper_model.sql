-- The model to suggest when throttling: of the same provider, the closest cheaper one per token
-- over the last 30 days of marts.model_costs_daily (the smallest step down, not the cheapest).
with per_model as (
    select
        provider,
        model,
        sum(cost_usd)::double precision / nullif(sum(total_tokens), 0) as usd_per_token
    from marts.model_costs_daily
    where provider = %(provider)s
    group by provider, model
)

select candidate.model, candidate.usd_per_token, current_model.usd_per_token as current_usd_per_token
from per_model as candidate
inner join per_model as current_model on current_model.model = %(model)s
where candidate.model <> %(model)s
    and candidate.usd_per_token < current_model.usd_per_token
order by candidate.usd_per_token desc
limit 1
