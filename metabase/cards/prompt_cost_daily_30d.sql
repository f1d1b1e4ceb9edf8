-- Daily cost of the ten most expensive prompts in the window; the rest are one line.
-- A prompt is labelled "feature / prompt_id": the same prompt id can serve two features.
with anchor as (
    -- the days every chart and tile shows by default: [window_start, window_end), one row
    select window_start, window_end from marts.reporting_window
),

filtered as (
    select f.day, f.feature || ' / ' || f.prompt_id as prompt, f.cost_usd, f.calls
    from marts.fct_llm_costs_daily_by_prompt as f
    cross join anchor
    where f.day >= coalesce([[{{date_from}},]] anchor.window_start)
        and f.day < coalesce([[{{date_to}},]] anchor.window_end)
        [[and f.feature = {{feature}}]]
        [[and f.environment = {{environment}}]]
),

top_prompts as (
    select prompt
    from filtered
    group by prompt
    order by sum(cost_usd) desc nulls last, prompt
    limit 10
)

select
    filtered.day,
    coalesce(top_prompts.prompt, '(other prompts)') as prompt,
    sum(filtered.cost_usd) as cost_usd,
    sum(filtered.calls) as calls
from filtered
left join top_prompts on top_prompts.prompt = filtered.prompt
group by filtered.day, coalesce(top_prompts.prompt, '(other prompts)')
order by filtered.day, prompt
