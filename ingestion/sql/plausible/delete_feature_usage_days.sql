-- Remove the days a load replaces: the half-open window [start_day, end_day).
delete from raw.feature_usage
where day >= %(start_day)s
  and day < %(end_day)s
