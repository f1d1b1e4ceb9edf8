{#- Time windows, all whole UTC days and half-open: [start, end).

    `as_of` (var, 'YYYY-MM-DD', default today in UTC) is the exclusive end of every reporting
    window: `7d` = [as_of - 7, as_of), the previous week = [as_of - 14, as_of - 7),
    `30d` = [as_of - 30, as_of). Dates are computed here in Jinja and reach SQL as literals, so
    Postgres can prune the monthly partitions of raw.llm_calls at plan time. -#}

{% macro _parse_date_var(name, value) -%}
    {%- set text = value | string | trim -%}
    {%- set parsed = none -%}
    {%- if text | length == 10 -%}
        {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d').date() -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a date 'YYYY-MM-DD', got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- do return(parsed) -%}
{%- endmacro %}

{#- The as_of date as a Python date (use as_of_date() in SQL). -#}
{% macro as_of_value() -%}
    {%- set raw = var('as_of', none) -%}
    {%- if raw is none or (raw | string | trim) in ('', 'None', 'none', 'null') -%}
        {%- do return(modules.datetime.datetime.now(modules.pytz.utc).date()) -%}
    {%- endif -%}
    {%- do return(_parse_date_var('as_of', raw)) -%}
{%- endmacro %}

{% macro date_literal(value) -%}
    date '{{ value.isoformat() }}'
{%- endmacro %}

{#- A day's first instant in UTC, as a timestamp literal of the engine (macros/cross_db). -#}
{% macro utc_midnight(value) -%}
    {{ utc_midnight_literal(value) }}
{%- endmacro %}

{% macro days_before_as_of(days) -%}
    {%- do return(as_of_value() - modules.datetime.timedelta(days=days)) -%}
{%- endmacro %}

{% macro as_of_date() -%}
    {{ date_literal(as_of_value()) }}
{%- endmacro %}

{#- The first day of the `days`-long window ending `ends_days_ago` days before as_of. -#}
{% macro window_start(days, ends_days_ago=0) -%}
    {{ date_literal(days_before_as_of(days + ends_days_ago)) }}
{%- endmacro %}

{% macro window_end(ends_days_ago=0) -%}
    {{ date_literal(days_before_as_of(ends_days_ago)) }}
{%- endmacro %}

{#- A predicate on a date column: is the day inside the window? -#}
{% macro day_in_window(column, days, ends_days_ago=0) -%}
    ({{ column }} >= {{ window_start(days, ends_days_ago) }} and {{ column }} < {{ window_end(ends_days_ago) }})
{%- endmacro %}

{#- The same predicate on a timestamptz column, with UTC-midnight bounds. -#}
{% macro ts_in_window(column, days, ends_days_ago=0) -%}
    ({{ column }} >= {{ utc_midnight(days_before_as_of(days + ends_days_ago)) }}
     and {{ column }} < {{ utc_midnight(days_before_as_of(ends_days_ago)) }})
{%- endmacro %}

{#- The last complete calendar month before as_of: (first day, first day of the next month). -#}
{% macro last_complete_month() -%}
    {%- set as_of = as_of_value() -%}
    {%- set month_end = as_of.replace(day=1) -%}
    {%- set month_start = (month_end - modules.datetime.timedelta(days=1)).replace(day=1) -%}
    {%- do return((month_start, month_end)) -%}
{%- endmacro %}

{#- The days an incremental run of fct_llm_costs_daily rebuilds, as (first day, end day exclusive):
    the explicit [min_date, max_date) when given (a backfill), else
    [as_of - lookback_days, as_of + 1 day) so that late rows of the last days are picked up and
    today's partial day is refreshed. -#}
{% macro daily_rebuild_window() -%}
    {%- set min_raw = var('min_date', none) -%}
    {%- set max_raw = var('max_date', none) -%}
    {%- set has_min = min_raw is not none and (min_raw | string | trim) not in ('', 'None', 'none', 'null') -%}
    {%- set has_max = max_raw is not none and (max_raw | string | trim) not in ('', 'None', 'none', 'null') -%}
    {%- if has_min != has_max -%}
        {{ exceptions.raise_compiler_error("give both vars min_date and max_date, or neither") }}
    {%- endif -%}
    {%- if has_min -%}
        {%- set start = _parse_date_var('min_date', min_raw) -%}
        {%- set end = _parse_date_var('max_date', max_raw) -%}
        {%- if end <= start -%}
            {{ exceptions.raise_compiler_error("max_date must be after min_date (the window is half-open [min_date, max_date))") }}
        {%- endif -%}
    {%- else -%}
        {%- set lookback = var('lookback_days', 3) | int -%}
        {%- if lookback < 0 -%}
            {{ exceptions.raise_compiler_error("var lookback_days must not be negative") }}
        {%- endif -%}
        {%- set start = days_before_as_of(lookback) -%}
        {%- set end = days_before_as_of(-1) -%}
    {%- endif -%}
    {%- do return((start, end)) -%}
{%- endmacro %}
