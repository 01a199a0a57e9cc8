{#- dbt's `not_null`. On the staging models' source_row_id (batch id + ':' +
    data row number, macros/lineage.sql) it tests the two columns the id is
    made of: the concatenation is null exactly when one of them is, and no string
    is built per row (district, the 14M rows of a contribution month: 0.78 CPU-s
    -> nothing measurable). The failing rows it returns are the same rows. -#}
{% macro default__test_not_null(model, column_name) -%}
    {%- set column_list = '*' if should_store_failures() else column_name -%}
select {{ column_list }}
from {{ model }}
where
    {%- if column_name == 'source_row_id' %}
    batch_id is null or source_row_number is null
    {%- else %}
    {{ column_name }} is null
    {%- endif %}
{%- endmacro %}
