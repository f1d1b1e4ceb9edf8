-- The newest day already loaded from a source: where the next incremental load starts from.
select max(day) as latest_day
from raw.feature_usage
where source = %(source)s
