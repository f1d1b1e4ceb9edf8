-- Rule data_quality: the data-quality checks (raw.data_quality_results, written by the Dagster
-- asset checks on llm_calls) whose latest result of the day before as_of or of as_of itself,
-- [as_of - 1 day, as_of + 1 day), failed. One row per check (and partition), so the ledger key
-- (rule, subject, as_of) raises each failing check once per day.
with

recent as (

    select
        r.*,
        row_number() over (
            partition by r.check_name, coalesce(r.partition_key, '')
            order by r.checked_at desc, r.result_id desc
        ) as newest_first
    from raw.data_quality_results as r
    where r.checked_at >= (%(as_of)s::date - 1)::timestamp at time zone 'UTC'
      and r.checked_at < (%(as_of)s::date + 1)::timestamp at time zone 'UTC'

)

select
    check_name,
    partition_key,
    severity,
    observed_value,
    threshold,
    unexpected_count,
    element_count,
    checked_at
from recent
where newest_first = 1
  and not passed
order by case severity when 'ERROR' then 0 else 1 end, check_name, partition_key
