{#- The pricing rule across engines. On Postgres the models call the raw.* SQL functions of
    ingestion/sql/migrations/0004_pricing.sql, the one rule ingestion prices calls with. Spark has
    no such functions: its forms below are the same rule written out, over the price tables the lake
    mirror copies (ingestion/lake/mirror.py); tests/spark/test_dbt_on_spark.py checks that
    both engines resolve every model of the price list alike. -#}

{#- The newest price version: what computed_cost_usd is priced with. -#}
{% macro current_price_version() -%}
    {{ return(adapter.dispatch('current_price_version', 'llmcosts')()) }}
{%- endmacro %}

{% macro default__current_price_version() -%}
    raw.current_price_version()
{%- endmacro %}

{#- The table behind raw.current_price_version(), named as the function names it: it is no dbt
    source of its own, since the `model_prices` asset loads it with raw.model_prices and Dagster
    takes one dbt source per asset key. -#}
{% macro spark__current_price_version() -%}
    (select max(price_version) from raw.model_price_versions)
{%- endmacro %}

{#- A left join of `relation` (a CTE or table with a provider and a model column) to the price of
    its model at the instant `at` under the newest price version, as `alias` with the columns of
    raw.model_prices (all NULL when no price applies): raw.model_price_at on Postgres. The rule:
    model_pattern, a regular expression, matches lower(model); valid_from <= at < valid_to; the
    lowest (priority, match_rank) wins, then the latest valid_from. One lookup per row of
    `relation`, so give it distinct models, not calls. -#}
{% macro left_join_model_price_at(relation, provider_column, model_column, at, alias) -%}
    {{ return(adapter.dispatch('left_join_model_price_at', 'llmcosts')(
        relation, provider_column, model_column, at, alias)) }}
{%- endmacro %}

{% macro default__left_join_model_price_at(relation, provider_column, model_column, at, alias) -%}
    left join lateral raw.model_price_at(
        {{ current_price_version() }}, {{ relation }}.{{ provider_column }}, {{ relation }}.{{ model_column }},
        {{ at }}
    ) as {{ alias }} on true
{%- endmacro %}

{#- Spark has no lateral set-returning functions: every matching row is ranked per model and the
    first kept. The patterns are Postgres regular expressions (ingestion/pricing/price_table.py);
    the constructs they use (anchors, bracket sets, \d, {n}, lookaheads, escaped literals) mean the
    same in Java's regex, which rlike runs as a search like Postgres' `~`. Postgres-only syntax in a
    hand-written override would not: Java reads [[:digit:]] as a set of characters (':' matches)
    and rejects \m, \M and \y. -#}
{% macro spark__left_join_model_price_at(relation, provider_column, model_column, at, alias) -%}
    left join (

        select
            {{ relation }}.{{ provider_column }} as lookup_provider,
            {{ relation }}.{{ model_column }} as lookup_model,
            prices.*,
            row_number() over (
                partition by {{ relation }}.{{ provider_column }}, {{ relation }}.{{ model_column }}
                order by prices.priority, prices.match_rank, prices.valid_from desc
            ) as lookup_rank
        from {{ relation }}
        inner join {{ source('pricing', 'model_prices') }} as prices
            on prices.provider = {{ relation }}.{{ provider_column }}
            and lower({{ relation }}.{{ model_column }}) rlike prices.model_pattern
        where prices.price_version = {{ current_price_version() }}
          and prices.valid_from <= {{ at }}
          and (prices.valid_to is null or {{ at }} < prices.valid_to)

    ) as {{ alias }}
        on {{ alias }}.lookup_provider = {{ relation }}.{{ provider_column }}
        and {{ alias }}.lookup_model = {{ relation }}.{{ model_column }}
        and {{ alias }}.lookup_rank = 1
{%- endmacro %}

{#- The cost in USD of one call's tokens at one set of prices (USD per million tokens), rounded to
    10 decimals; NULL when the input or output price is missing: raw.call_cost on Postgres, where
    the formula is documented. -#}
{% macro call_cost(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                   input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok) -%}
    {{ return(adapter.dispatch('call_cost', 'llmcosts')(
        input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok)) }}
{%- endmacro %}

{% macro default__call_cost(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                            input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok) -%}
    raw.call_cost(
        {{ input_tokens }}, {{ output_tokens }}, {{ cache_read_tokens }}, {{ cache_write_tokens }},
        {{ input_per_mtok }}, {{ output_per_mtok }}, {{ cache_read_per_mtok }}, {{ cache_write_per_mtok }}
    )
{%- endmacro %}

{#- Exact, as Postgres' numeric is: each term is an exact decimal(28, 10)
    (_spark_tokens_times_price, below), their sum a decimal(31, 10), and divided by a million it
    keeps 17 decimals, more than the 16 the quotient has, before rounding half up (as Postgres
    does) to 10. The result has the type of raw.llm_calls' cost columns, numeric(20, 10), so sums
    of it stay exact too. -#}
{% macro spark__call_cost(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                          input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok) -%}
    cast(round(
        (
            {{ _spark_tokens_times_price(
                'greatest(coalesce(' ~ input_tokens ~ ', 0) - coalesce(' ~ cache_read_tokens ~ ', 0)'
                ~ ' - coalesce(' ~ cache_write_tokens ~ ', 0), 0)',
                input_per_mtok) }}
            + {{ _spark_tokens_times_price(
                'coalesce(' ~ cache_read_tokens ~ ', 0)',
                'coalesce(' ~ cache_read_per_mtok ~ ', ' ~ input_per_mtok ~ ')') }}
            + {{ _spark_tokens_times_price(
                'coalesce(' ~ cache_write_tokens ~ ', 0)',
                'coalesce(' ~ cache_write_per_mtok ~ ', ' ~ input_per_mtok ~ ')') }}
            + {{ _spark_tokens_times_price('coalesce(' ~ output_tokens ~ ', 0)', output_per_mtok) }}
        ) / 1000000,
        10
    ) as decimal(20, 10))
{%- endmacro %}

{#- The USD cost of a sum of token counts at a price per million tokens:
    sum(tokens * price_per_mtok) / 1000000, unrounded. -#}
{% macro sum_token_cost(tokens, price_per_mtok) -%}
    {{ return(adapter.dispatch('sum_token_cost', 'llmcosts')(tokens, price_per_mtok)) }}
{%- endmacro %}

{% macro default__sum_token_cost(tokens, price_per_mtok) -%}
    sum({{ tokens }} * {{ price_per_mtok }}) / 1000000
{%- endmacro %}

{#- Spark widens a sum to 38 digits, and a division of a 38-digit decimal keeps only what the
    integer digits leave (10 decimals here): narrowed to 28 digits first, the quotient keeps 20. -#}
{% macro spark__sum_token_cost(tokens, price_per_mtok) -%}
    cast(sum({{ _spark_tokens_times_price(tokens, price_per_mtok) }}) as decimal(28, 10)) / 1000000
{%- endmacro %}

{#- tokens * price per million tokens, exact, for the Spark forms above (Postgres' numeric needs
    nothing). Spark types a bigint as decimal(20, 0), and decimal(20, 0) * decimal(20, 10) needs 41
    digits: past 38 Spark drops scale (to 7 decimals). Token counts below 10^17 and prices below
    10^10 (the price columns are numeric(20, 10)) make an exact decimal(38, 10), kept as
    decimal(28, 10) so that sums of a few terms stay below 38 digits. A value past these bounds
    fails the cast (ANSI mode), it is never rounded. -#}
{% macro _spark_tokens_times_price(tokens, price_per_mtok) -%}
    cast(
        cast({{ tokens }} as decimal(17, 0)) * cast({{ price_per_mtok }} as decimal(20, 10))
        as decimal(28, 10)
    )
{%- endmacro %}
