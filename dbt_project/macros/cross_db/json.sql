{#- Text of a top-level key of a JSON object column, null when the value is not an object or lacks
    the key. Postgres stores metadata as jsonb; Spark has no JSON type, so the lake mirror keeps it as
    a JSON string and get_json_object (null for non-objects and missing keys) reads it. -#}
{% macro json_text(json_column, key_expression) -%}
    {{ return(adapter.dispatch('json_text', 'llmcosts')(json_column, key_expression)) }}
{%- endmacro %}

{% macro default__json_text(json_column, key_expression) -%}
    case when jsonb_typeof({{ json_column }}) = 'object' then {{ json_column }} ->> {{ key_expression }} end
{%- endmacro %}

{% macro spark__json_text(json_column, key_expression) -%}
    get_json_object({{ json_column }}, concat('$.', {{ key_expression }}))
{%- endmacro %}
