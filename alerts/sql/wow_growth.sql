-- Rule wow_growth: features whose spend this week grew by more than the threshold over last week.
-- Weeks come from marts.feature_wow: current = [as_of - 7d, as_of), previous = [as_of - 14d, as_of - 7d).
-- A feature with no spend last week is a new spender (new_spender.sql), never a growth alert;
-- the floor keeps cents-level features from paging anyone. Growth is computed here from the two
-- costs, so it does not depend on how the mart scales pct_change.
select
    feature,
    prev_cost,
    current_cost,
    (current_cost / prev_cost - 1) * 100 as growth_pct,
    prev_calls,
    current_calls,
    prev_tokens_per_call,
    current_tokens_per_call,
    prev_cost_per_1k_tokens,
    current_cost_per_1k_tokens,
    prev_cache_read_share,
    current_cache_read_share,
    prev_cache_write_share,
    current_cache_write_share,
    prev_cache_cost_factor,
    current_cache_cost_factor,
    prev_unrated_cache_tokens,
    current_unrated_cache_tokens
from marts.feature_wow
where as_of = %(as_of)s::date
  and current_cost > %(floor_usd)s
  and prev_cost > 0
  and current_cost > prev_cost * (1 + %(growth_pct)s / 100.0)
order by current_cost / prev_cost desc, feature
