-- The newest call per Langfuse project: a project whose data stops moving shows up here first.
select
    c.project_id,
    max(c.ts) as last_call_at,
    round((extract(epoch from now() - max(c.ts)) / 3600)::numeric, 1) as hours_since_last_call
from raw.llm_calls as c
group by c.project_id
order by last_call_at, c.project_id
