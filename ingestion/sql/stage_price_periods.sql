-- Add the price periods (raw.model_price_periods) of the models in the staged page that this
-- load has not seen yet. A window has a handful of models, so after its first pages this inserts
-- nothing; the merge then prices every staged call with one join.
insert into llm_price_periods (
    provider, model, period_from, period_to, price_version,
    input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok
)
select
    m.provider, m.model, p.period_from, p.period_to, p.price_version,
    p.input_per_mtok, p.output_per_mtok, p.cache_read_per_mtok, p.cache_write_per_mtok
from (
    select distinct provider, model
    from llm_calls_stage
    where provider is not null and model is not null
) as m
cross join lateral raw.model_price_periods(%(price_version)s, m.provider, m.model) as p
where not exists (
    select 1 from llm_price_periods as seen
    where seen.provider = m.provider and seen.model = m.model
)
