-- The price periods of one model in one price version, in time order, for the loader's pricing
-- (ingestion/pricing/at_load.py). The periods tile all time; the open ends come back as NULL
-- (Python's datetime has no infinity).
select
    case when isfinite(p.period_from) then p.period_from end as period_from,
    case when isfinite(p.period_to) then p.period_to end as period_to,
    p.price_version,
    p.input_per_mtok,
    p.output_per_mtok,
    p.cache_read_per_mtok,
    p.cache_write_per_mtok
from raw.model_price_periods(%(price_version)s, %(provider)s, %(model)s) as p
order by p.period_from
