-- Rule new_spender: features with no spend last week [as_of - 14d, as_of - 7d) and more than the
-- floor this week [as_of - 7d, as_of).
select feature, current_cost, current_calls
from marts.feature_wow
where as_of = %(as_of)s::date
  and coalesce(prev_cost, 0) = 0
  and current_cost > %(floor_usd)s
order by current_cost desc, feature
