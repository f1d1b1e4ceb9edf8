{#- String-to-string maps (a call's budget scopes, a budget's filters, FOCUS tags). Postgres keeps
    them as jsonb objects (read with ->>, matched with @>); Spark has no JSON type but a native
    map<string,string>, which the publish step copies back into Postgres as jsonb. -#}

{#- A map built from `pairs`, a dict of key -> SQL expression (the values are strings). -#}
{% macro string_map(pairs) -%}
    {{ return(adapter.dispatch('string_map', 'llmcosts')(pairs)) }}
{%- endmacro %}

{% macro default__string_map(pairs) -%}
    jsonb_build_object(
        {%- for key, value in pairs.items() %}
        '{{ key }}', {{ value }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__string_map(pairs) -%}
    map(
        {%- for key, value in pairs.items() %}
        '{{ key }}', {{ value }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#- A JSON object column as read from the source: jsonb on Postgres already; on Spark the lake
    mirror stores JSON as text, parsed here into a map (the budgets loader validates filters as
    string keys to string values). -#}
{% macro string_map_from_json(json_column) -%}
    {{ return(adapter.dispatch('string_map_from_json', 'llmcosts')(json_column)) }}
{%- endmacro %}

{% macro default__string_map_from_json(json_column) -%}
    {{ json_column }}
{%- endmacro %}

{% macro spark__string_map_from_json(json_column) -%}
    from_json({{ json_column }}, 'map<string,string>')
{%- endmacro %}

{#- The value of a key in a map; NULL when the key is absent. -#}
{% macro map_value(map_column, key_expression) -%}
    {{ return(adapter.dispatch('map_value', 'llmcosts')(map_column, key_expression)) }}
{%- endmacro %}

{% macro default__map_value(map_column, key_expression) -%}
    ({{ map_column }} ->> {{ key_expression }})
{%- endmacro %}

{% macro spark__map_value(map_column, key_expression) -%}
    {{ map_column }}[{{ key_expression }}]
{%- endmacro %}

{#- True when every key of `contained` is in `container` with the same value (jsonb's @>). An
    empty `contained` is contained in anything. Values here are never JSON null. -#}
{% macro map_contains(container, contained) -%}
    {{ return(adapter.dispatch('map_contains', 'llmcosts')(container, contained)) }}
{%- endmacro %}

{% macro default__map_contains(container, contained) -%}
    {{ container }} @> {{ contained }}
{%- endmacro %}

{#- A key missing from the container reads as NULL: `<=>` makes that false where `=` would make
    the whole forall() NULL. -#}
{% macro spark__map_contains(container, contained) -%}
    forall(map_keys({{ contained }}), map_key -> {{ container }}[map_key] <=> {{ contained }}[map_key])
{%- endmacro %}
