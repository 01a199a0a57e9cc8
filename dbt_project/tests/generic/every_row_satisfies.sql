{#- A rule every row of a model must satisfy: fails with the rows where
    ``expression`` is false or NULL (dbt_utils.expression_is_true without
    the package: hub.getdbt.com is not reachable from every machine). -#}
{% test every_row_satisfies(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
