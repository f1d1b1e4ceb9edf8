{#- Incremental strategy `replace_window`: delete the rebuilt days from the target, then insert
    the freshly computed rows for exactly those days, in one transaction.

    Unlike dbt's delete+insert (which only deletes keys present in the new batch), a day whose
    rows all vanished upstream is emptied too. The window comes from daily_rebuild_window() at
    execution time, not from the model config, because config is frozen at parse time and
    `as_of` defaults to "today". The model names its date column with config `window_column`. -#}
{% macro get_incremental_replace_window_sql(arg_dict) -%}
    {%- set window_column = config.get('window_column') -%}
    {%- if not window_column -%}
        {{ exceptions.raise_compiler_error("incremental_strategy 'replace_window' needs config window_column") }}
    {%- endif -%}
    {%- set bounds = daily_rebuild_window() -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    {#- Widened to every day the new rows cover: a model may read more than the rebuild window
        (int_budget_calls_daily re-reads all calls when the budgets file names other keys). -#}
    delete from {{ arg_dict["target_relation"] }}
    where {{ window_column }} >= least(
            {{ date_literal(bounds[0]) }},
            (select min({{ window_column }}) from {{ arg_dict["temp_relation"] }})
        )
      and {{ window_column }} < greatest(
            {{ date_literal(bounds[1]) }},
            (select max({{ window_column }}) + 1 from {{ arg_dict["temp_relation"] }})
        );

    insert into {{ arg_dict["target_relation"] }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }}
    from {{ arg_dict["temp_relation"] }};
{%- endmacro %}
