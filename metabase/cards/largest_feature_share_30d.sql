-- The largest single feature's share of 30-day spend, shown against the 20 % threshold.
select coalesce(max(fs.share_of_total_30d), 0) as largest_feature_share_30d
from marts.feature_share as fs
