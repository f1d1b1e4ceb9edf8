-- The latest result of every data-quality check (per month partition for the window suite):
-- ERROR = the data is wrong (blocking), WARN = incomplete. Failures first.
select
    r.check_name,
    r.partition_key,
    r.severity,
    r.passed,
    r.observed_value,
    r.threshold,
    r.unexpected_count,
    r.checked_at
from (
    select
        q.*,
        row_number() over (
            partition by q.check_name, coalesce(q.partition_key, '') order by q.checked_at desc, q.result_id desc
        ) as newest_first
    from raw.data_quality_results as q
) as r
where r.newest_first = 1
order by r.passed, case r.severity when 'ERROR' then 0 else 1 end, r.check_name, r.partition_key desc
