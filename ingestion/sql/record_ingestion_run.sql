-- Upsert the bookkeeping row of one (run, source, window): 'running' at start, then the outcome.
insert into raw.ingestion_runs as r (
    run_id, source_key, window_start, window_end, started_at, finished_at, status,
    rows_upserted, rows_rejected, rows_skipped, pages, retries, error, project_id, newest_call_at
)
values (
    %(run_id)s, %(source_key)s, %(window_start)s, %(window_end)s, %(started_at)s, %(finished_at)s,
    %(status)s, %(rows_upserted)s, %(rows_rejected)s, %(rows_skipped)s, %(pages)s, %(retries)s, %(error)s,
    %(project_id)s, %(newest_call_at)s
)
on conflict (run_id, source_key, window_start) do update set
    window_end = excluded.window_end,
    finished_at = excluded.finished_at,
    status = excluded.status,
    rows_upserted = excluded.rows_upserted,
    rows_rejected = excluded.rows_rejected,
    rows_skipped = excluded.rows_skipped,
    pages = excluded.pages,
    retries = excluded.retries,
    error = excluded.error,
    project_id = coalesce(excluded.project_id, r.project_id),
    newest_call_at = greatest(excluded.newest_call_at, r.newest_call_at);
