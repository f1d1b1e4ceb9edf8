-- What-if: the last 30 days of each feature on a cheaper model of the same provider, token for token.
select
    w.feature,
    w.current_model,
    w.candidate_model,
    w.calls_30d,
    w.current_cost_30d,
    w.projected_cost_30d,
    w.monthly_saving_usd,
    w.saving_share
from marts.whatif_model_swaps as w
where true
    [[and w.feature = {{feature}}]]
order by w.monthly_saving_usd desc, w.feature, w.candidate_model
