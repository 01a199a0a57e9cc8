{#- The raw layer's lineage columns, renamed once for every staging model.
    source_row_id (batch + data row) identifies a delivered row for ever. -#}
{% macro lineage_columns() -%}
        {{ dbt.concat(['_batch_id', "':'", dbt.cast('_row_number', api.Column.translate_type('string'))]) }} as source_row_id,
        _feed as source_feed,
        _delivery_date as delivery_date,
        _file as source_file,
        _row_number as source_row_number,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _flags as quality_flags
{%- endmacro %}

{#- Whether a batch of audit.batches is live: its rows are what the raw views and
    staging read (the loaded and rejected versions; superseded and duplicate ones
    left the views, refused paths were never read). The rule of ingest/raw_store.py
    (LIVE), written once for the project: stg_audit__batches and the test scope
    (macros/test_scope.sql) both use it. -#}
{% macro is_live_batch(status_column) -%}
    {{ status_column }} in ('loaded', 'rejected')
{%- endmacro %}

{#- I/U/D change codes of the change feeds -#}
{% macro decode_change_type(column) -%}
    case {{ column }}
        when 'I' then 'insert'
        when 'U' then 'update'
        when 'D' then 'delete'
    end
{%- endmacro %}

{#- an expression cast to the engine's string type (dbt cross-db macros) -#}
{% macro as_string(expr) -%}
    {{ dbt.cast(expr, api.Column.translate_type('string')) }}
{%- endmacro %}
