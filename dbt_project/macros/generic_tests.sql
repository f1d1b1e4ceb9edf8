{#- Generic tests written here because dbt hub packages (dbt_utils) cannot be installed. -#}

{#- Fails on every row where the column is negative (NULL passes: not_null says otherwise). -#}
{% test not_negative(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0
{% endtest %}

{#- Fails on every combination of the columns that occurs more than once. -#}
{% test unique_combination(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Fails on every row where a value lies outside [min_value, max_value]. -#}
{% test between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#- A one-row model (a settings or window row): fails when it has no row or several. -#}
{% test exactly_one_row(model) %}
    select count(*) as row_count
    from {{ model }}
    having count(*) <> 1
{% endtest %}

{#- not_null, unique and not_negative on a column whose name must be quoted (FOCUS's mixed-case
    "BilledCost"). With `quote: true` dbt would put the engine's quote character into the test's
    arguments, so the test's node id would differ between the Postgres and Spark targets and one
    manifest could not serve both: here the name stays bare in the arguments and is quoted inside. -#}
{% test quoted_not_null(model, column_name) %}
    {{ adapter.dispatch('test_not_null', 'dbt')(model, adapter.quote(column_name)) }}
{% endtest %}

{% test quoted_unique(model, column_name) %}
    {{ adapter.dispatch('test_unique', 'dbt')(model, adapter.quote(column_name)) }}
{% endtest %}

{% test quoted_not_negative(model, column_name) %}
    {{ test_not_negative(model, adapter.quote(column_name)) }}
{% endtest %}
