{#- True when `relation` (int_budget_calls_daily) holds rows read with other tenant / cost-centre
    metadata keys than the budgets file names now: those days must be re-read. The newest day tells:
    every run rewrites it, and a run that finds the keys changed rewrites every day that has calls. -#}
{% macro budget_keys_changed(relation) -%}
    {%- if not execute -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set query -%}
        select coalesce((
            -- column by column: a row comparison is not portable SQL
            select stored.tenant_key is distinct from settings.tenant_key
                or stored.cost_centre_key is distinct from settings.cost_centre_key
            from {{ relation }} as stored
            cross join {{ ref('stg_budgets__settings') }} as settings
            order by stored.day desc
            limit 1
        ), false)
    {%- endset -%}
    {%- do return(run_query(query).columns[0].values()[0]) -%}
{%- endmacro %}
