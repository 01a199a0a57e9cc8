{#- A composite primary key: no two rows share the same values of
    ``combination_of_columns`` (NULLs count as equal, as GROUP BY groups them).
    Same name and arguments as dbt_utils' test, which the dbt-project-evaluator
    accepts as a primary-key test; written here because hub.getdbt.com is not
    reachable from every machine this project builds on. Two passes, hashes
    first (macros/test_unique.sql). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{{ duplicate_groups(model, combination_of_columns, combination_of_columns, 'row_count') }}
{% endtest %}
