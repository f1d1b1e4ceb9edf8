{#- Calendar days (the `date` type) across engines. Postgres subtracts and adds integers to dates;
    on Spark `date - date` is an interval and `date + n` is not portable, so each form is named
    here. Differences of days use dbt's own `dbt.datediff(first, second, 'day')` (an integer on
    both engines). -#}

{#- The date `days` days after `day` (negative: before). dbt.dateadd would return a timestamp on
    both engines (and go through epoch seconds on Spark); a day plus days is a day. -#}
{% macro add_days(day, days) -%}
    {{ return(adapter.dispatch('add_days', 'llmcosts')(day, days)) }}
{%- endmacro %}

{% macro default__add_days(day, days) -%}
    ({{ day }} + ({{ days }}))
{%- endmacro %}

{% macro spark__add_days(day, days) -%}
    date_add({{ day }}, {{ days }})
{%- endmacro %}

{#- The date `months` calendar months after `day`; the day of month is clamped to the target
    month's length on both engines (Jan 31 + 1 month = Feb 28/29). -#}
{% macro add_months(day, months) -%}
    {{ return(adapter.dispatch('add_months', 'llmcosts')(day, months)) }}
{%- endmacro %}

{% macro default__add_months(day, months) -%}
    (({{ day }}) + make_interval(months => {{ months }}))::date
{%- endmacro %}

{% macro spark__add_months(day, months) -%}
    add_months({{ day }}, {{ months }})
{%- endmacro %}

{#- The first day of the calendar month of a date. (utc_month_start in timestamps.sql is for
    instants: it converts to UTC first, which for a date would depend on the session time zone.) -#}
{% macro first_day_of_month(day) -%}
    cast({{ dbt.date_trunc('month', 'cast(' ~ day ~ ' as ' ~ dbt.type_timestamp() ~ ')') }} as date)
{%- endmacro %}

{#- ISO weekday of a date: Monday 1 .. Sunday 7. iso_weekday (timestamps.sql) is for instants and
    converts to UTC first, which for a date would depend on the session time zone. -#}
{% macro day_iso_weekday(day) -%}
    {{ return(adapter.dispatch('day_iso_weekday', 'llmcosts')(day)) }}
{%- endmacro %}

{% macro default__day_iso_weekday(day) -%}
    extract(isodow from {{ day }})::int
{%- endmacro %}

{% macro spark__day_iso_weekday(day) -%}
    {{ llmcosts.spark__iso_weekday(day) }}
{%- endmacro %}

{#- The first instant (UTC) of a date: a timestamptz on Postgres; on Spark a timestamp, read in the
    session time zone the cluster pins to UTC. -#}
{% macro day_start_utc(day) -%}
    {{ return(adapter.dispatch('day_start_utc', 'llmcosts')(day)) }}
{%- endmacro %}

{% macro default__day_start_utc(day) -%}
    (({{ day }})::timestamp at time zone 'UTC')
{%- endmacro %}

{% macro spark__day_start_utc(day) -%}
    cast({{ day }} as timestamp)
{%- endmacro %}

{#- One row per day of [start_day, end_day) for each row before it, as a lateral relation
    `alias (column)` of dates: use as `cross join {{ day_series(...) }}`. Empty when end_day is not
    after start_day. Postgres has no date series (generate_series over timestamps, cast back);
    Spark explodes sequence(), which would count DOWN if given an end before the start. -#}
{% macro day_series(start_day, end_day, alias, column) -%}
    {{ return(adapter.dispatch('day_series', 'llmcosts')(start_day, end_day, alias, column)) }}
{%- endmacro %}

{% macro default__day_series(start_day, end_day, alias, column) -%}
    lateral (
        select {{ alias }}_ts.day::date as {{ column }}
        from generate_series(
            ({{ start_day }})::timestamp, ({{ end_day }} - 1)::timestamp, interval '1 day'
        ) as {{ alias }}_ts (day)
    ) as {{ alias }}
{%- endmacro %}

{% macro spark__day_series(start_day, end_day, alias, column) -%}
    lateral (
        select explode(
            case when {{ end_day }} > {{ start_day }} then sequence({{ start_day }}, date_add({{ end_day }}, -1)) end
        ) as {{ column }}
    ) as {{ alias }}
{%- endmacro %}
