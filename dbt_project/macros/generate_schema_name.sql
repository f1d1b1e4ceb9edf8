{#- Custom schemas are used verbatim (staging, intermediate, marts) instead of dbt's default
    `<target schema>_<custom schema>`: dashboards and alerts query `marts.*` by name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
