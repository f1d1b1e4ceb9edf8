-- Each prompt version of a feature next to the one it replaced: did the change make calls cheaper?
select
    t.feature,
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
where true
    [[and t.feature = {{feature}}]]
order by t.feature, t.version_order
