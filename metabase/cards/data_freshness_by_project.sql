-- The newest call per Langfuse project: a project whose data stops moving shows up here first.
-- Read from raw.ingestion_runs (each run records the newest call it loaded), never from the calls
-- table itself, so the card stays instant however many calls there are.
select
    r.project_id,
    max(r.newest_call_at) as last_call_at,
    round((extract(epoch from now() - max(r.newest_call_at)) / 3600)::numeric, 1) as hours_since_last_call
from raw.ingestion_runs as r
where r.project_id is not null
    and r.status = 'succeeded'
group by r.project_id
order by last_call_at, r.project_id
