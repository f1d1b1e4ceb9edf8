-- Rule budget_threshold: one row per budget, member and threshold crossed in the current period
-- (soft thresholds and the hard limit, in percent), from marts.budget_status built for as_of.
-- top_threshold_pct is the member's highest crossing: the state it is reported under. The rule
-- drops the rows whose subject (budget|member|period_start|threshold) is already in the alert log,
-- so each threshold is recorded once per period and a new period starts clean; it counts the
-- members per state before dropping, so a summary line can say how many crossed in all.
select
    s.budget_name,
    s.scope,
    s.scope_value,
    s.member,
    s.period_label,
    s.period_start,
    s.period_end,
    s.limit_usd,
    s.hard_limit_usd,
    s.spent_usd,
    s.pct_used,
    s.status,
    crossed.threshold_pct,
    s.thresholds_crossed[cardinality(s.thresholds_crossed)] as top_threshold_pct,
    crossed.threshold_pct >= s.hard_limit_usd / nullif(s.limit_usd, 0) * 100 as is_hard_limit
from marts.budget_status as s
cross join lateral unnest(s.thresholds_crossed) as crossed (threshold_pct)
where s.as_of = %(as_of)s::date
    and s.member <> '(untagged)'
order by crossed.threshold_pct desc, s.pct_used desc, s.budget_name, s.member
