-- Rule expensive_calls: single calls that cost more than the threshold in the last day
-- [as_of - 1d, as_of) (UTC), grouped by feature and model. Reads raw.llm_calls because no mart keeps
-- single calls; the (feature, ts) index serves the window.
select
    coalesce(feature, '(untagged)') as feature,
    coalesce(model, '(unknown)') as model,
    count(*) as calls,
    max(cost_usd) as max_cost,
    sum(cost_usd) as total_cost,
    (array_agg(observation_id order by cost_usd desc, observation_id))[1] as costliest_observation_id
from raw.llm_calls
where ts >= (%(as_of)s::date - 1)::timestamp at time zone 'UTC'
  and ts < (%(as_of)s::date)::timestamp at time zone 'UTC'
  and cost_usd > %(threshold_usd)s
group by 1, 2
order by total_cost desc, feature, model
