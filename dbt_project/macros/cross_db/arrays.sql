{#- Filtering and testing the elements of an array column. Postgres unnests the array in a
    subquery; Spark has higher-order functions with lambdas instead. Appending and concatenating
    use dbt's own dbt.array_append / dbt.array_concat. -#}

{#- The elements of `array` for which `condition` (on the lambda variable `element`) holds, each
    turned into `value` (default: the element), in ascending order of the element; an empty array
    when none holds. -#}
{% macro array_where(array, element, condition, value=none) -%}
    {{ return(adapter.dispatch('array_where', 'llmcosts')(array, element, condition, value or element)) }}
{%- endmacro %}

{% macro default__array_where(array, element, condition, value) -%}
    array(
        select {{ value }} from unnest({{ array }}) as {{ element }}
        where {{ condition }}
        order by {{ element }}
    )
{%- endmacro %}

{#- Sorted before filtering, so the order is the elements' (nulls last, as in Postgres' ascending
    order), whatever `value` does to them. -#}
{% macro spark__array_where(array, element, condition, value) -%}
    transform(
        filter(array_sort({{ array }}), {{ element }} -> {{ condition }}),
        {{ element }} -> {{ value }}
    )
{%- endmacro %}

{#- True when `condition` holds for at least one element, false otherwise (never NULL). -#}
{% macro array_any(array, element, condition) -%}
    {{ return(adapter.dispatch('array_any', 'llmcosts')(array, element, condition)) }}
{%- endmacro %}

{% macro default__array_any(array, element, condition) -%}
    exists (select 1 from unnest({{ array }}) as {{ element }} where {{ condition }})
{%- endmacro %}

{#- Spark's exists() is NULL when no element passes and one is NULL; EXISTS is never NULL. -#}
{% macro spark__array_any(array, element, condition) -%}
    coalesce(exists({{ array }}, {{ element }} -> {{ condition }}), false)
{%- endmacro %}

{#- True when the array holds the value. -#}
{% macro array_has(array, value) -%}
    {{ return(adapter.dispatch('array_has', 'llmcosts')(array, value)) }}
{%- endmacro %}

{% macro default__array_has(array, value) -%}
    {{ value }} = any({{ array }})
{%- endmacro %}

{% macro spark__array_has(array, value) -%}
    array_contains({{ array }}, {{ value }})
{%- endmacro %}
