-- Spark form of ../expensive_calls.sql (raw.llm_calls is a Parquet table on Spark), same rows:
-- single calls over the threshold in [as_of - 1d, as_of) (UTC session zone), by feature and
-- model. The costliest call is the first of (cost desc, observation_id) as in Postgres'
-- array_agg(... order by ...)[1]; the ts_month bound lets Spark prune to one or two partitions.
select
    coalesce(feature, '(untagged)') as feature,
    coalesce(model, '(unknown)') as model,
    count(*) as calls,
    max(cost_usd) as max_cost,
    sum(cost_usd) as total_cost,
    sort_array(collect_list(struct(-cost_usd as negative_cost, observation_id)))[0].observation_id
        as costliest_observation_id
from raw.llm_calls
where ts >= cast(date_sub(cast(%(as_of)s as date), 1) as timestamp)
  and ts < cast(cast(%(as_of)s as date) as timestamp)
  and ts_month >= trunc(date_sub(cast(%(as_of)s as date), 1), 'MM')
  and cost_usd > cast(%(threshold_usd)s as decimal(38, 10))
group by 1, 2
order by total_cost desc, feature, model
