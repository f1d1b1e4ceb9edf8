-- Digest: the users who cost most in the last 7 days [as_of - 7d, as_of). Untagged spend is not a
-- user, so it is left out of the ranking.
select user_id, sum(cost_usd) as cost
from marts.fct_llm_costs_daily
where day >= %(as_of)s::date - 7
  and day < %(as_of)s::date
  and user_id <> '(untagged)'
group by user_id
having sum(cost_usd) > 0
order by cost desc, user_id
limit %(top_n)s
