{#- `unique` on the staging models' source_row_id (batch id + ':' + data row
    number, macros/lineage.sql) tests the pair it is made of: the concatenation
    is one-to-one (the row number has no ':'), so the pair is unique exactly when
    the id is, and grouping by a batch id and an integer does not build a string
    per row. A daily delivery brings whole months of contributions, so this
    test ran over millions of new rows each day. Other columns: dbt's own test (dbt.default__test_unique). -#}
{% macro default__test_unique(model, column_name) -%}
    {%- if column_name == 'source_row_id' -%}
select
    batch_id,
    source_row_number,
    count(*) as n_records
from {{ model }}
where batch_id is not null and source_row_number is not null
group by batch_id, source_row_number
having count(*) > 1
    {%- else -%}
{{ dbt.default__test_unique(model, column_name) }}
    {%- endif -%}
{%- endmacro %}
