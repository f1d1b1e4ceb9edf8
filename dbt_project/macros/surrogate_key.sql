{#- An md5 key over several columns. NULLs get a sentinel so that (NULL, 'a') and ('', 'a') and
    ('a', NULL) never collide; the separator keeps ('ab', 'c') apart from ('a', 'bc'). -#}
{% macro surrogate_key(columns) -%}
    md5(
        {%- for column in columns %}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), '_null_'){% if not loop.last %} || '|' ||{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
