-- One malformed observation, kept whole with the reason it was refused.
insert into raw.llm_calls_rejects (observation_id, project_id, source_key, reason, raw, run_id)
values (%(observation_id)s, %(project_id)s, %(source_key)s, %(reason)s, %(raw)s::jsonb, %(run_id)s);
