-- Every recorded ingestion run id, and whether one of its windows overlaps [start, end): the
-- Spark form of window_summary.sql gets these as literals (raw.ingestion_runs stays in Postgres).
select
    run_id,
    bool_or(window_start < %(window_end)s and window_end > %(window_start)s) as overlaps_window
from raw.ingestion_runs
group by run_id
order by run_id
