{#- Types whose names differ across engines. -#}

{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'llmcosts')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- Postgres' unconstrained numeric keeps any scale; Spark's bare `decimal` is decimal(10, 0) and
    would round 0.9 to 1, so Spark gets 10 digits of scale (enough for every money figure here). -#}
{% macro type_numeric() -%}
    {{ return(adapter.dispatch('type_numeric', 'llmcosts')()) }}
{%- endmacro %}

{% macro default__type_numeric() -%}
    numeric
{%- endmacro %}

{% macro spark__type_numeric() -%}
    decimal(38, 10)
{%- endmacro %}
