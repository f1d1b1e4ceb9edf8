-- Cost-saving suggestions, largest estimated monthly saving first.
select
    s.suggestion_type,
    s.feature,
    s.prompt_id,
    s.model,
    s.detail,
    s.estimated_monthly_saving_usd
from marts.cost_suggestions as s
where true
    [[and s.feature = {{feature}}]]
order by s.estimated_monthly_saving_usd desc, s.suggestion_type, s.feature
