-- Share of the 30-day spend per feature; over_threshold flags features above 20 %.
select
    fs.feature,
    fs.cost_30d,
    fs.share_of_total_30d,
    fs.over_threshold
from marts.feature_share as fs
where true
    [[and fs.feature = {{feature}}]]
order by fs.share_of_total_30d desc nulls last, fs.feature
