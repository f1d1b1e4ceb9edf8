-- The one definition of the days the dashboards show, one row. Every time-series card and the
-- HTML report read their default window from here, and the headline tiles (spend_summary) use
-- the same macros, so charts and tiles always cover the same days.
--
-- as_of is the exclusive end: the day a build runs for is still going (or ingestion has not
-- caught up with it), so it is never charted by default. last_complete_day is the last day shown.
select
    {{ window_start(30) }} as window_start,
    {{ window_end() }} as window_end,
    {{ window_start(7) }} as window_start_7d,
    {{ date_literal(days_before_as_of(1)) }} as last_complete_day,
    {{ as_of_date() }} as partial_day,
    30 as window_days,
    {{ as_of_date() }} as as_of
