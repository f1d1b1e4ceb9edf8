-- What `llmcosts reprice` on the lake looks at before it reads any file: per month partition of
-- [{since}, {until}), the models called and the price versions their calls were priced with (NULL:
-- unpriced). A month where every call already has the current version, or is unpriced for a model
-- the current version has no price for, has nothing to re-price. A few rows per month.
select distinct ts_month, provider, model, price_version
from raw.llm_calls
where ts >= cast({since} as timestamp)
  and ts < cast({until} as timestamp)
  and ts_month >= trunc(cast({since} as timestamp), 'MM')
  and provider is not null
  and model is not null
