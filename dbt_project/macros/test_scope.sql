{#- Data tests on new rows only (issue 15: the daily build's cost follows the rows
    that changed). dbt filters a test's model through get_where_subquery (its
    `where` config); this override adds, when the var test_new_batches_only is
    true and the test's meta says new_batches_only (the staging tests of the six
    feeds, dbt_project.yml), a filter to rows of batches no successful build has
    tested yet (audit.tested_batches, kept by ingest/raw_store.py and recorded by
    orchestration/service.py after each successful scheduled build).

    Sound only for tests that judge each row on its own: not_null, accepted_values,
    and unique on source_row_id (batch id + row number: rows of different batches
    never collide). Those are the only tests on the feeds' staging models and
    sources; a test of another kind there is left unscoped (see below). A build
    by hand, without the var, tests every row. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set meta = config.get('meta', {}) or {} -%}
    {%- set kind = model.test_metadata.name if model.test_metadata is defined and model.test_metadata else '' -%}
    {%- if var('test_new_batches_only', false) and meta.get('new_batches_only', false)
          and kind in ('not_null', 'accepted_values', 'unique') -%}
        {#- staging models rename the raw layer's _batch_id (macros/lineage.sql) -#}
        {%- set batch_column = 'batch_id' if relation.identifier.startswith('stg_') else '_batch_id' -%}
        {%- if kind == 'unique' and model.column_name not in ('source_row_id',) -%}
            {%- set batch_column = none -%}
        {%- endif -%}
        {%- if batch_column -%}
            {%- set untested -%}
                {{ batch_column }} not in (select batch_id from {{ api.Relation.create(schema='audit', identifier='tested_batches') }})
            {%- endset -%}
            {%- set where = '(' ~ where ~ ') and ' ~ untested if where else untested -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
