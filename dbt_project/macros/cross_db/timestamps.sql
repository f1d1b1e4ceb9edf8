{#- Instants and UTC days across engines. Postgres stores `timestamptz`; Spark has one timestamp
    type, read in the session time zone, which the cluster pins to UTC. -#}

{#- A day's first instant in UTC, as a literal. -#}
{% macro utc_midnight_literal(value) -%}
    {{ return(adapter.dispatch('utc_midnight_literal', 'llmcosts')(value)) }}
{%- endmacro %}

{% macro default__utc_midnight_literal(value) -%}
    timestamptz '{{ value.isoformat() }} 00:00:00+00'
{%- endmacro %}

{% macro spark__utc_midnight_literal(value) -%}
    timestamp '{{ value.isoformat() }} 00:00:00'
{%- endmacro %}

{#- The UTC calendar day of an instant. -#}
{% macro utc_day(column) -%}
    {{ return(adapter.dispatch('utc_day', 'llmcosts')(column)) }}
{%- endmacro %}

{% macro default__utc_day(column) -%}
    (({{ column }}) at time zone 'UTC')::date
{%- endmacro %}

{% macro spark__utc_day(column) -%}
    cast({{ column }} as date)
{%- endmacro %}

{#- The UTC hour (0-23) of an instant. -#}
{% macro utc_hour(column) -%}
    {{ return(adapter.dispatch('utc_hour', 'llmcosts')(column)) }}
{%- endmacro %}

{% macro default__utc_hour(column) -%}
    extract(hour from ({{ column }}) at time zone 'UTC')::int
{%- endmacro %}

{% macro spark__utc_hour(column) -%}
    hour({{ column }})
{%- endmacro %}

{#- ISO weekday of a date or instant (UTC): Monday 1 .. Sunday 7. -#}
{% macro iso_weekday(column) -%}
    {{ return(adapter.dispatch('iso_weekday', 'llmcosts')(column)) }}
{%- endmacro %}

{% macro default__iso_weekday(column) -%}
    extract(isodow from ({{ column }}) at time zone 'UTC')::int
{%- endmacro %}

{#- Spark's dayofweek is Sunday 1 .. Saturday 7. -#}
{% macro spark__iso_weekday(column) -%}
    (((dayofweek({{ column }}) + 5) % 7) + 1)
{%- endmacro %}

{#- The first day of the UTC month of an instant, as a date. -#}
{% macro utc_month_start(column) -%}
    {{ return(adapter.dispatch('utc_month_start', 'llmcosts')(column)) }}
{%- endmacro %}

{% macro default__utc_month_start(column) -%}
    date_trunc('month', ({{ column }}) at time zone 'UTC')::date
{%- endmacro %}

{% macro spark__utc_month_start(column) -%}
    trunc({{ column }}, 'MM')
{%- endmacro %}
