-- Digest: the features that cost most in the last 7 days [as_of - 7d, as_of).
select feature, current_cost, prev_cost
from marts.feature_wow
where as_of = %(as_of)s::date
  and current_cost > 0
order by current_cost desc, feature
limit %(top_n)s
