-- Keep one check result (see raw.data_quality_results in migrations/0005_quality.sql).
insert into raw.data_quality_results (
    check_name, asset_key, partition_key, window_start, window_end, severity, passed,
    observed_value, threshold, element_count, unexpected_count, details, run_id
)
values (
    %(check_name)s, %(asset_key)s, %(partition_key)s, %(window_start)s, %(window_end)s, %(severity)s,
    %(passed)s, %(observed_value)s, %(threshold)s, %(element_count)s, %(unexpected_count)s,
    %(details)s, %(run_id)s
)
