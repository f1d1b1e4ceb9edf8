-- Reference query straight on raw.llm_calls: 30-day cost by feature and prompt.
select coalesce(feature, '(untagged)') as feature, coalesce(prompt_id, '(untagged)') as prompt_id,
       sum(cost_usd) as cost, count(*) as calls
from raw.llm_calls
where ts >= %(start)s and ts < %(end)s
group by 1, 2
order by cost desc nulls last;
