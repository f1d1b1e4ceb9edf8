-- Headline number: one value from the spend_summary mart (window '30d').
select s.untagged_cost_share as untagged_cost_share_30d
from marts.spend_summary as s
where s.time_window = '30d'
