{#- The incremental configuration of a daily fact, per engine. Postgres: the project's
    `replace_window` strategy (macros/incremental_replace_window.sql) on the date column. Spark
    (Parquet, no row-level delete): `insert_overwrite` with the day as the partition column, so a
    run rewrites exactly the day partitions it computed. Both read the same rebuild window
    (daily_rebuild_window()) in the model's own filter. -#}
{% macro daily_incremental_config(window_column, indexes=[]) -%}
    {{ return(adapter.dispatch('daily_incremental_config', 'llmcosts')(window_column, indexes)) }}
{%- endmacro %}

{% macro default__daily_incremental_config(window_column, indexes) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'replace_window',
        'window_column': window_column,
        'indexes': indexes,
    }) }}
{%- endmacro %}

{% macro spark__daily_incremental_config(window_column, indexes) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [window_column],
        'file_format': 'parquet',
        'window_column': window_column,
    }) }}
{%- endmacro %}
