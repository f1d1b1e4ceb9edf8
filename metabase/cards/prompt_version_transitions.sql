-- Each new version of a prompt next to the version of the SAME prompt it replaced, newest change
-- first: did the change make calls cheaper? A prompt's first version has nothing to compare with
-- and is not listed. Lineage (what makes two ids versions of one prompt) is decided in the mart.
select
    t.feature,
    t.prompt_lineage as prompt,
    t.version_order as version_rank,
    t.prompt_id,
    t.previous_prompt_id as prev_prompt_id,
    t.first_seen_day as first_seen,
    t.last_seen_day as last_seen,
    t.calls,
    t.cost_per_call,
    t.cost_per_call_pct_change as cost_per_call_change_pct,
    t.tokens_per_call
from marts.prompt_version_transitions as t
where t.previous_prompt_id is not null
    [[and t.feature = {{feature}}]]
order by t.first_seen_day desc, t.feature, t.prompt_lineage, t.version_order
