-- Runs whose bookkeeping still says 'running' (other than the caller's): alive, or abandoned.
select distinct run_id from raw.ingestion_runs where status = 'running' and run_id <> %(run_id)s;
