{#- A composite primary key: no two rows share the same values of
    ``combination_of_columns`` (NULLs count as equal, as GROUP BY groups them).
    Same name and arguments as dbt_utils' test, which the dbt-project-evaluator
    accepts as a primary-key test; written here because hub.getdbt.com is not
    reachable from every machine this project builds on. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
with

validation_errors as (
    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
)

select * from validation_errors
{% endtest %}
