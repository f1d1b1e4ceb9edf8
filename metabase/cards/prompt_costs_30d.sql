-- By prompt: 30-day cost first (the sort key), the 7-day cost beside it.
select
    pc.feature,
    pc.prompt_id,
    pc.cost_30d,
    pc.cost_7d,
    pc.calls_30d,
    pc.calls_7d,
    pc.avg_tokens_30d
from marts.prompt_costs as pc
where true
    [[and pc.feature = {{feature}}]]
order by pc.cost_30d desc nulls last, pc.feature, pc.prompt_id
