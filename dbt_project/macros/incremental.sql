{#- The incremental strategy of the large facts. On DuckDB delete+insert on
    the model's unique key replaces exactly the rows a delivery touches. Spark
    has no delete+insert without Delta/Iceberg (docs/STACK.md): there
    insert_overwrite, made to replace the same rows by macros/spark_incremental.sql
    (a dynamic partition overwrite with a partition_by, else a key-scoped one). -#}
{% macro large_fact_strategy() -%}
    {{- return(adapter.dispatch('large_fact_strategy', 'zhiwang')()) -}}
{%- endmacro %}
{% macro default__large_fact_strategy() -%}
    {{- return('delete+insert') -}}
{%- endmacro %}
{% macro spark__large_fact_strategy() -%}
    {{- return('insert_overwrite') -}}
{%- endmacro %}

{#- The newest load already in an incremental model. An empty table (the
    first build saw no rows of the feed yet, e.g. the transform ran on another
    feed's asset first) must not yield NULL, or "loaded_at > NULL" would keep
    the model empty for ever.

    On an incremental run it is read when the model is compiled, right before
    it runs, and written into the SQL as a literal: a filter "loaded_at >
    <literal>" lets both engines skip, by their min/max statistics, the row
    groups and Parquet files of older loads, and gives the planner the true
    (small) size of what a day touched, which a scalar subquery hides (it
    planned, e.g., a join of every registered with every collected person
    before cutting it to the touched ones). The value is the one the run's
    own hooks see too (they are rendered before anything is written). One
    query per call: the macros below read it once for all their relations. -#}
{% macro incremental_watermark(column) -%}
    {%- set fallback = "cast('1900-01-01 00:00:00' as timestamp)" -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query(
            "select cast(max(" ~ column ~ ") as " ~ dbt.type_string() ~ ") from " ~ this
        ) -%}
        {%- set value = found.columns[0].values()[0] -%}
        {%- if value is none -%}
            {{- fallback -}}
        {%- else -%}
            cast('{{ value }}' as timestamp)
        {%- endif -%}
    {%- else -%}
    (select coalesce(max({{ column }}), {{ fallback }}) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- The keys of the rows of ``relations`` (each with a loaded_at column) loaded
    after this model's watermark: the keys an incremental run re-derives. One
    select per relation, joined by UNION. Each select is distinct: its callers
    filter with ``key in (...)``, whose build side would otherwise hold every
    loaded row - for a re-delivered contribution month 14M copies of one date,
    which cost DuckDB 0.4-0.7 s per probe of the month's rows against 0.05 s
    with one row (issue 15, district, the delete pre-hook of fct_contributions). -#}
{% macro keys_loaded_since_watermark(relations, key, watermark_column) -%}
    {%- set watermark = incremental_watermark(watermark_column) -%}
    {%- for relation in relations %}
    {%- if not loop.first %}
    union
    {%- endif %}
    select distinct {{ key }} from {{ relation }}
    where loaded_at > {{ watermark }}
    {%- endfor %}
{%- endmacro %}

{#- On an incremental run, keep every row of each key that a load newer than the
    model's watermark touched (all rows of the key, not only the new ones: the
    model re-derives the key as a whole). Nothing on a full build. -#}
{% macro where_touched_since_watermark(relation, key, watermark_column, literal_type=none) -%}
    {{- where_any_touched_since_watermark([relation], key, watermark_column, literal_type) -}}
{%- endmacro %}

{#- The same for a model that re-derives a key from several relations: every row
    of each key that a load of any of them touched. -#}
{% macro where_any_touched_since_watermark(relations, key, watermark_column, literal_type=none) -%}
    {%- if is_incremental() %}
    where {{ key }} in (
        {{- touched_keys(relations, key, watermark_column, literal_type) | indent(4) }}
    )
    {%- endif %}
{%- endmacro %}

{#- What goes inside ``key in (...)``: the keys of ``relations`` loaded after the
    watermark. As the subquery keys_loaded_since_watermark, or, with a
    ``literal_type`` (a key of few values: contribution months), read when the
    model is compiled and written as literals of that type. A literal list is a
    filter the engine pushes into the scan; the subquery is a semi-join, which
    DuckDB planned with the month's 14M rows as its build side and one month as
    its probe (issue 15, district: int_contribution_employer_months 1.6 s of a
    3.4 CPU-s query). No keys: a null literal, which matches no row. -#}
{% macro touched_keys(relations, key, watermark_column, literal_type=none) -%}
    {%- if literal_type is none or not execute -%}
        {{- keys_loaded_since_watermark(relations, key, watermark_column) -}}
    {%- else -%}
        {%- set found = run_query(
            "select cast(touched." ~ key ~ " as " ~ dbt.type_string() ~ ") from ("
            ~ keys_loaded_since_watermark(relations, key, watermark_column) ~ ") as touched"
            ~ " where touched." ~ key ~ " is not null"
        ) -%}
        {%- set literals = [] -%}
        {%- for value in found.columns[0].values() | sort -%}
            {%- do literals.append("cast('" ~ (value | replace("'", "''")) ~ "' as " ~ literal_type ~ ")") -%}
        {%- endfor -%}
        {{- literals | join(', ') if literals else 'cast(null as ' ~ literal_type ~ ')' -}}
    {%- endif -%}
{%- endmacro %}

{#- Compile time, on an incremental run: whether any of ``relations`` (each
    with a ``loaded_column``, loaded_at unless said) has rows loaded after this
    model's watermark. Lets a model skip work that only a delivery of those
    feeds can change, e.g. the weekly housing snapshots on the six days
    without one. True on a full build and at parse time, so the full-build SQL
    never depends on it. -#}
{% macro has_loads_since_watermark(relations, watermark_column, loaded_column='loaded_at') -%}
    {%- if not execute or not is_incremental() -%}
        {{- return(true) -}}
    {%- endif -%}
    {%- set watermark = incremental_watermark(watermark_column) -%}
    {%- set probes = [] -%}
    {%- for relation in relations -%}
        {%- do probes.append(
            "exists (select 1 from " ~ relation ~ " where " ~ loaded_column ~ " > " ~ watermark ~ ")"
        ) -%}
    {%- endfor -%}
    {%- set found = run_query("select " ~ probes | join(" or ") ~ " as found") -%}
    {{- return(found.columns[0].values()[0] == true) -}}
{%- endmacro %}

{#- A pre-hook: on an incremental run, delete every row whose ``key``
    ``relations`` (each with a loaded_at column) loaded after this model's
    watermark - the keys the model's query re-derives as a whole
    (keys_loaded_since_watermark, the literal the query is compiled with).
    Nothing on a full build. Nothing on Spark: its plain Parquet tables cannot
    DELETE, and a model there either replaces the same keys by its
    insert_overwrite or is a table. -#}
{% macro delete_keys_loaded_since_watermark(relations, key, watermark_column, literal_type=none) -%}
    {{- return(adapter.dispatch('delete_keys_loaded_since_watermark', 'zhiwang')(
        relations, key, watermark_column, literal_type)) -}}
{%- endmacro %}
{% macro default__delete_keys_loaded_since_watermark(relations, key, watermark_column, literal_type=none) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ key }} in (
        {{- touched_keys(relations, key, watermark_column, literal_type) | indent(4) }}
    )
    {%- endif -%}
{%- endmacro %}
{% macro spark__delete_keys_loaded_since_watermark(relations, key, watermark_column, literal_type=none) -%}
{%- endmacro %}

{#- For a per-person incremental model that holds only some persons (e.g.
    those in conflict): delete every person that ``models`` loaded after the
    watermark (the model's ``last_loaded_at``), so a person the run no longer
    writes does not keep a stale row. delete+insert then writes the touched
    persons that still qualify. -#}
{% macro delete_touched_persons(models) -%}
    {%- set relations = [] -%}
    {%- for name in models -%}{%- do relations.append(ref(name)) -%}{%- endfor -%}
    {{- delete_keys_loaded_since_watermark(relations, 'person_key', 'last_loaded_at') -}}
{%- endmacro %}

{#- The incremental strategy of a model that replaces whole keys: months
    (fct_contributions: a month delivered again replaces the month) or
    delivery dates (int_entity_mention_days). On DuckDB
    the pre-hook delete_keys_loaded_since_watermark deletes the months the run
    re-derives, and the run's rows are appended straight from the model's
    query (config stage_rows_as_view, below): a corrected month is read and
    written once, not written to a temporary table first and copied from it
    (district: 14M rows a month, 3-6 s of the daily build). Spark: the dynamic
    partition overwrite of macros/spark_incremental.sql. -#}
{% macro partition_replace_strategy() -%}
    {{- return(adapter.dispatch('partition_replace_strategy', 'zhiwang')()) -}}
{%- endmacro %}
{% macro default__partition_replace_strategy() -%}
    {{- return('append') -}}
{%- endmacro %}
{% macro spark__partition_replace_strategy() -%}
    {{- return('insert_overwrite') -}}
{%- endmacro %}

{#- The config of a model incremental per contribution month, re-deriving
    each month a load touched as a whole (fct_contributions,
    int_contribution_employer_months): the pre-hook deletes the months, the
    query's rows are appended straight (DuckDB), or the months' partitions
    overwritten (Spark). -#}
{% macro contribution_month_config() -%}
    {{- return(partition_replace_config('contribution_month', ['stg_social_security__contributions'])) -}}
{%- endmacro %}

{#- The config of a model incremental per delivery date, re-deriving each date
    that a load of any of ``models`` touched, as a whole (int_entity_mention_days).
    A re-delivered file supersedes its date's earlier batch (ingest/raw_store.py),
    so the date is re-read from staging, not added to. -#}
{% macro delivery_date_config(models) -%}
    {{- return(partition_replace_config('delivery_date', models)) -}}
{%- endmacro %}

{#- The one config behind both: incremental on ``key`` (a month, a delivery
    date), each key that a load of any of ``models`` (staging models: their
    rows carry ``key`` and loaded_at) touched re-derived as a whole. The
    pre-hook deletes the keys and the query's rows are appended straight
    (DuckDB), or the keys' partitions overwritten (Spark). -#}
{% macro partition_replace_config(key, models) -%}
    {%- set refs = [] -%}
    {%- for name in models -%}{%- do refs.append("ref('" ~ name ~ "')") -%}{%- endfor -%}
    {{- return({
        'materialized': 'incremental',
        'unique_key': key,
        'incremental_strategy': partition_replace_strategy(),
        'stage_rows_as_view': true,
        'partition_by': ([key] if target.type == 'spark' else none),
        'on_schema_change': 'fail',
        'pre_hook': "{{ delete_keys_loaded_since_watermark([" ~ refs | join(', ') ~ "], '" ~ key ~ "', 'loaded_at', 'date') }}",
    }) -}}
{%- endmacro %}

{#- dbt-duckdb stages an incremental run's rows in a temporary table, then the
    strategy copies them into the model. A model configured
    stage_rows_as_view=true (its query never reads the model itself, so the
    rows can be inserted while the model changes) gets a temporary view
    instead: the append strategy then inserts straight from the query. Every
    other relation is created by dbt-duckdb's own macro. -#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- if temporary and language == 'sql' and config.get('stage_rows_as_view', false) -%}
    create temporary view {{ relation.include(database=false, schema=false) }} as (
        {{ compiled_code }}
    );
    {%- else -%}
    {{ dbt.duckdb__create_table_as(temporary, relation, compiled_code, language, partitioned_by, sorted_by) }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of a per-key incremental model that holds one row per key of
    ``source`` (dim_person_public: one row per person of dim_person). Its runs
    write every key ``source`` wrote since, so after a run it holds every key of
    ``source``; it can hold more only if ``source`` lost keys (a full refresh of
    ``source`` alone, after a re-delivery superseded the only batch naming a
    person). Equal row counts therefore mean equal keys, and the keys ``source``
    no longer holds are looked for only when the counts differ. -#}
{% macro drop_rows_without_key(source, key) -%}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set counts = run_query(
        'select (select count(*) from ' ~ this ~ '), (select count(*) from ' ~ source ~ ')'
    ).rows[0] -%}
    {%- if counts[0] <= counts[1] -%}
        {{- return('') -}}
    {%- endif -%}
    {{- return(adapter.dispatch('drop_rows_without_key', 'zhiwang')(source, key)) -}}
{%- endmacro %}
{% macro default__drop_rows_without_key(source, key) -%}
    delete from {{ this }}
    where {{ key }} not in (select source_keys.{{ key }} from {{ source }} as source_keys)
{%- endmacro %}
{% macro spark__drop_rows_without_key(source, key) -%}
    {{- exceptions.raise_compiler_error(
        this ~ " holds " ~ key ~ "s that " ~ source ~ " no longer holds (" ~ source
        ~ " was rebuilt on its own): rebuild it with `dbt run --full-refresh --select "
        ~ model.name ~ "`") -}}
{%- endmacro %}

{#- Pre-hook of an incremental model configured ``dead_keys``: {'model': a
    model holding unique_key values that must go, 'where': which of its rows}
    (int_building_code_batches: the batches of stg_audit__batches that are no
    longer live - a re-delivery superseded them and they left the raw views).
    On an incremental run it deletes the model's rows of those keys. Nothing on
    a full build. On Spark the key-scoped overwrite leaves them out
    (macros/spark_incremental.sql). The model names the other model in a
    depends_on comment: it is ref()'d here, at run time. -#}
{% macro dead_keys_sql() -%}
    {%- set dead = config.get('dead_keys') -%}
    select {{ config.get('unique_key') }} from {{ ref(dead['model']) }} where {{ dead['where'] }}
{%- endmacro %}
{% macro drop_rows_of_dead_keys() -%}
    {{- return(adapter.dispatch('drop_rows_of_dead_keys', 'zhiwang')()) -}}
{%- endmacro %}
{% macro default__drop_rows_of_dead_keys() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ config.get('unique_key') }} in ({{ dead_keys_sql() }})
    {%- endif -%}
{%- endmacro %}
{% macro spark__drop_rows_of_dead_keys() -%}
{%- endmacro %}
