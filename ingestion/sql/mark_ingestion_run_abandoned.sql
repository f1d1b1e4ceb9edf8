-- A run whose process died mid-way: its rows stay as committed (the watermark never moved past
-- them, so the next run re-pulls the window), and the history says what happened.
update raw.ingestion_runs
set status = 'abandoned',
    finished_at = now(),
    error = 'the process running it stopped before it finished (killed or restarted); noticed by run '
        || %(noticed_by)s
where run_id = %(run_id)s and status = 'running';
