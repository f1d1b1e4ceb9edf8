{#- Decimal results whose form differs across engines. Postgres' numeric has any precision and a
    scale per value; a Spark decimal has at most 38 digits and one scale per column, and its
    arithmetic drops scale (down to 6 decimals) when a result would need more than 38 digits. -#}

{#- A numeric without trailing zeros in its scale (4.0000000000 reads 4), the same value. Spark
    keeps the value as it is: equal, printed with its column's scale. -#}
{% macro trim_scale(value) -%}
    {{ return(adapter.dispatch('trim_scale', 'llmcosts')(value)) }}
{%- endmacro %}

{% macro default__trim_scale(value) -%}
    trim_scale({{ value }})
{%- endmacro %}

{% macro spark__trim_scale(value) -%}
    {{ value }}
{%- endmacro %}

{#- numerator / denominator * 100 as a decimal (NULL or an error on a zero denominator, as the
    engine does: guard it). Postgres divides numerics to at least 16 significant digits. On Spark
    a decimal quotient of money sums keeps 6 decimals, 4 after the * 100: the division is done in
    double (15-17 significant digits) and cast back to a decimal with 10. -#}
{% macro decimal_percent(numerator, denominator) -%}
    {{ return(adapter.dispatch('decimal_percent', 'llmcosts')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__decimal_percent(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }} * 100
{%- endmacro %}

{% macro spark__decimal_percent(numerator, denominator) -%}
    cast(cast({{ numerator }} as double) / {{ denominator }} * 100 as decimal(38, 10))
{%- endmacro %}
