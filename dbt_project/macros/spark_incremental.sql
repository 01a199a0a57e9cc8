{#- Incremental models on Spark without Delta/Iceberg (plain Parquet tables).

    large_fact_strategy() gives Spark insert_overwrite; dbt-spark's
    incremental materialisation renders the run's rows as a temporary view and
    calls get_insert_overwrite_sql, overridden here (a root-project macro wins
    over the adapter's) so that a run replaces exactly what DuckDB's
    delete+insert replaces:

    - a model with a partition_by (fct_contributions: contribution_month, its
      unique key; int_entity_mention_days: delivery_date) is a dynamic partition overwrite: dbt-spark sets
      spark.sql.sources.partitionOverwriteMode=DYNAMIC for insert_overwrite
      with a partition_by, so only the partitions the run's rows fall in are
      replaced, each as a whole - the model's filter selects whole months (dates);
    - a model without one (the per-key models: unique_key person_key, event_id,
      uscc ...) is a key-scoped overwrite: the table is rewritten as its rows
      whose key the run did not select plus the run's rows (the keys' old rows
      are dropped, as delete+insert on unique_key does; a null key is never
      matched, as in delete). The untouched rows are copied, not re-derived:
      the work of a run is the touched keys', the write is the whole table.
      A model configured dead_keys (keys that must go, macros/incremental.sql)
      also loses its rows of those keys, as DuckDB's pre-hook
      drop_rows_of_dead_keys deletes them (int_building_code_batches: the
      batches a re-delivery superseded).

    Spark refuses to overwrite a table its query reads, and the models' runs
    read {{ this }} (the watermark, the keys to refresh). So the run's rows
    are first written to a staging table (schema dbt_incremental_staging,
    replaced by the next run of the model), and the table is overwritten from
    staging tables only. DuckDB never calls this macro (delete+insert). -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) %}
    {%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}
    {%- set dest_cols_csv = dest_columns | map(attribute='quoted') | join(', ') -%}
    {%- if existing_relation.is_iceberg %}
    insert overwrite {{ target_relation }}
    select {{ dest_cols_csv }} from {{ source_relation }}
    {%- else -%}
    {%- set new_rows = spark_incremental_staging(target_relation, 'new') -%}
    {%- do spark_stage(new_rows, 'select ' ~ dest_cols_csv ~ ' from ' ~ source_relation) -%}
    {%- if config.get('partition_by') %}
    insert overwrite table {{ target_relation }}
    {{ partition_cols(label="partition") }}
    select {{ dest_cols_csv }} from {{ new_rows }}
    {%- else -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- if unique_key is none or unique_key is not string -%}
        {{ exceptions.raise_compiler_error(
            "insert_overwrite without partition_by on Spark needs one unique_key column: "
            ~ model.name) }}
    {%- endif -%}
    {%- set rows = spark_incremental_staging(target_relation, 'rows') -%}
    {%- set rewritten -%}
        select {{ dest_cols_csv }} from {{ target_relation }} as dbt_current
        left anti join (select distinct {{ unique_key }} from {{ new_rows }}) as dbt_touched
            on dbt_current.{{ unique_key }} = dbt_touched.{{ unique_key }}
        {%- if config.get('dead_keys') %}
        where dbt_current.{{ unique_key }} not in ({{ dead_keys_sql() }})
        {%- endif %}
        union all
        select {{ dest_cols_csv }} from {{ new_rows }}
    {%- endset -%}
    {%- do spark_stage(rows, rewritten) %}
    insert overwrite table {{ target_relation }}
    select {{ dest_cols_csv }} from {{ rows }}
    {%- endif -%}
    {%- endif -%}
{% endmacro %}

{% macro spark_incremental_staging(target_relation, part) -%}
    {{- return('dbt_incremental_staging.`' ~ target_relation.schema ~ '__' ~ target_relation.identifier
        ~ '__' ~ part ~ '`') -}}
{%- endmacro %}

{#- (Re)creates the Parquet table ``relation`` as ``sql``, now (before the
    statement that reads it). -#}
{% macro spark_stage(relation, sql) -%}
    {%- do run_query('create database if not exists dbt_incremental_staging') -%}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- do run_query('create table ' ~ relation ~ ' using parquet as ' ~ sql) -%}
{%- endmacro %}
