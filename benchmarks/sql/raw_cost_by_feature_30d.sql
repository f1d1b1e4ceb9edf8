-- Reference query straight on raw.llm_calls: 30-day cost by feature.
select coalesce(feature, '(untagged)') as feature, sum(cost_usd) as cost, count(*) as calls
from raw.llm_calls
where ts >= %(start)s and ts < %(end)s
group by 1
order by cost desc nulls last;
