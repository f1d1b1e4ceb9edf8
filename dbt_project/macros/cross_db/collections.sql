{#- Row sources and arrays whose syntax differs across engines. -#}

{#- A one-column relation of the integers [start_value, stop_value], as `alias (column)`. Spark
    has no generate_series: explode(sequence(...)) is its form. -#}
{% macro integer_series(start_value, stop_value, alias, column) -%}
    {{ return(adapter.dispatch('integer_series', 'llmcosts')(start_value, stop_value, alias, column)) }}
{%- endmacro %}

{% macro default__integer_series(start_value, stop_value, alias, column) -%}
    generate_series({{ start_value }}, {{ stop_value }}) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro spark__integer_series(start_value, stop_value, alias, column) -%}
    (select explode(sequence({{ start_value }}, {{ stop_value }})) as {{ column }}) as {{ alias }}
{%- endmacro %}

{#- A comma-separated string as an array of strings. -#}
{% macro split_on_commas(text) -%}
    {{ return(adapter.dispatch('split_on_commas', 'llmcosts')(text)) }}
{%- endmacro %}

{% macro default__split_on_commas(text) -%}
    string_to_array({{ text }}, ',')
{%- endmacro %}

{#- split takes a regular expression; a comma is literal in one. -#}
{% macro spark__split_on_commas(text) -%}
    split({{ text }}, ',')
{%- endmacro %}
