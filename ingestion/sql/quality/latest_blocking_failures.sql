-- Blocking (ERROR) checks on raw.llm_calls whose latest evaluation for a window failed: the data
-- of that window is wrong (duplicates, out-of-window timestamps, negative usage, unknown cost
-- source), and nothing downstream may be built on it until a re-ingest passes the check again.
select check_name, partition_key, unexpected_count, checked_at
from (
    select distinct on (check_name, coalesce(partition_key, ''))
        check_name, partition_key, passed, severity, unexpected_count, checked_at
    from raw.data_quality_results
    where asset_key = 'llm_calls'
    order by check_name, coalesce(partition_key, ''), checked_at desc, result_id desc
) as latest
where not passed and severity = 'ERROR'
order by partition_key, check_name;
