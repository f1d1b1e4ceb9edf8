-- Reference query straight on raw.llm_calls: the 50 most expensive users over 30 days.
select coalesce(user_id, '(untagged)') as user_id, sum(cost_usd) as cost, count(*) as calls
from raw.llm_calls
where ts >= %(start)s and ts < %(end)s
group by 1
order by cost desc nulls last
limit 50;
