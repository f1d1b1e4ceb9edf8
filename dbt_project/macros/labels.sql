{#- The one label for a missing feature, user or prompt. Untagged spend is never dropped: it is
    shown under this label in every mart. -#}
{% macro untagged_label() -%}
    '(untagged)'
{%- endmacro %}

{% macro label_or_untagged(column) -%}
    coalesce({{ column }}, {{ untagged_label() }})
{%- endmacro %}

{#- A ratio (rate, share, per-call or per-1k-token figure) that is NULL instead of failing, or
    inventing a zero, on an empty denominator. Ratios are double precision: sums of money stay
    exact numeric, a ratio needs no 20-digit scale. -#}
{% macro safe_divide(numerator, denominator) -%}
    (({{ numerator }})::{{ type_double() }} / nullif(({{ denominator }})::{{ type_double() }}, 0))
{%- endmacro %}
