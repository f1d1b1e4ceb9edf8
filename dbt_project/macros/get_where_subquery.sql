{#
  dbt's hook for a data test's `where` config, extended with two placeholders so a test on a
  view over raw.llm_calls checks only the days this build rebuilds (the daily fact's window),
  not the whole history: the daily build's cost must follow the new days, not the table size.
    where: "called_at >= __rebuild_window_start__ and called_at < __rebuild_window_end__"
  and, for date columns (a date compared with a timestamptz would not use the column's index):
    where: "day >= __rebuild_day_start__ and day < __rebuild_day_end__"
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- if '__rebuild_window_' in where or '__rebuild_day_' in where -%}
            {%- set window = daily_rebuild_window() -%}
            {%- set where = where
                | replace('__rebuild_window_start__', utc_midnight(window[0]))
                | replace('__rebuild_window_end__', utc_midnight(window[1]))
                | replace('__rebuild_day_start__', date_literal(window[0]))
                | replace('__rebuild_day_end__', date_literal(window[1])) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
