{#- Decimal arithmetic that Spark would round. Postgres numeric keeps every digit of a product and
    gives a quotient 16+ significant digits. Spark caps decimals at 38 digits and, when a result
    type would exceed that, cuts the SCALE down to as few as 6 digits: decimal(38,10) * decimal(38,10)
    is decimal(38,6). Spark forms cast the operands to narrower types first, so that the integer
    digits they need leave room for the scale. -#}

{#- A sum of money that more arithmetic follows (a difference, a ratio, a percentage). Spark's sum()
    widens decimal(20,10) costs to decimal(38,10), and adding anything to a decimal(38,10) cuts the
    result to 9 decimals, which a ratio of tiny amounts magnifies (7e-10 / 7e-10 became 1e-9 /
    7e-10). decimal(28,10) (10^18 USD) leaves the room. Postgres' numeric is exact: no change. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'llmcosts')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    numeric
{%- endmacro %}

{% macro spark__type_money() -%}
    decimal(28, 10)
{%- endmacro %}

{#- A fraction of a budget limit (thresholds, the hard limit: 0.5 = 50%). The lake mirror keeps
    Postgres' unconstrained numeric as decimal(38,10), and a money amount times a decimal(38,10)
    is rounded to 6 places on Spark; times a decimal(20,10) it keeps 13. -#}
{% macro type_fraction() -%}
    {{ return(adapter.dispatch('type_fraction', 'llmcosts')()) }}
{%- endmacro %}

{% macro default__type_fraction() -%}
    numeric
{%- endmacro %}

{% macro spark__type_fraction() -%}
    decimal(20, 10)
{%- endmacro %}

{#- An array type of `element_type`. -#}
{% macro type_array(element_type) -%}
    {{ return(adapter.dispatch('type_array', 'llmcosts')(element_type)) }}
{%- endmacro %}

{% macro default__type_array(element_type) -%}
    {{ element_type }}[]
{%- endmacro %}

{% macro spark__type_array(element_type) -%}
    array<{{ element_type }}>
{%- endmacro %}

{#- amount * part / whole: `amount` shared out in proportion part : whole (allocations). On Spark
    the share part / whole is taken first with 18 decimals from decimal(20,10) operands (money up
    to 10^10 USD), then multiplied: decimal(38,17). Straight amount * part / whole on decimal(38,10)
    sums would keep 6 decimals there. The share must stay below 100 (an allocation's is <= 1). -#}
{% macro prorate(amount, part, whole) -%}
    {{ return(adapter.dispatch('prorate', 'llmcosts')(amount, part, whole)) }}
{%- endmacro %}

{% macro default__prorate(amount, part, whole) -%}
    {{ amount }} * {{ part }} / {{ whole }}
{%- endmacro %}

{% macro spark__prorate(amount, part, whole) -%}
    cast({{ amount }} as decimal(28, 10))
        * cast(cast({{ part }} as decimal(20, 10)) / cast({{ whole }} as decimal(20, 10)) as decimal(20, 18))
{%- endmacro %}

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
