-- The newest call any ingestion run has loaded (the runs record it, so the calls are not scanned).
select max(newest_call_at) from raw.ingestion_runs where status = 'succeeded';
