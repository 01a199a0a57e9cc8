{#- The body of a `source` CTE over a table that another component creates
    on its first run (audit.* by the ingest, dq.* by the quality gate): the
    table itself once it exists, else no rows with the same columns, so a
    build before the first ingest or validation still succeeds.
    columns: [[name, type], ...] in the table's order. -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set declared = source(source_name, table_name) -%}
    {%- set relation = adapter.get_relation(
        database=declared.database, schema=declared.schema, identifier=declared.identifier
    ) if execute else none -%}
    {%- if relation is not none -%}
    select * from {{ declared }}
    {%- else -%}
    -- {{ declared }} not created yet
    select
        {%- for name, type in columns %}
        cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}
{%- endmacro %}
