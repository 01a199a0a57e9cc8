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
    by hand, without the var, tests every row.

    At run time the filters are literals (the untested batch ids, the oldest
    untested batch's start), read from audit when the test runs: a raw view is one
    Parquet file per batch and _batch_id / loaded_at carry min/max statistics, so
    DuckDB skips the row groups of tested batches instead of reading every row's
    batch id against a subquery (district daily build: the scoped staging tests
    read only the new files). Every raw row belongs to a batch of audit.batches:
    ingest/raw_store.py builds each raw view from the batches' own files. -#}
{#- the batches no successful build has tested yet, as a SQL literal list, or
    none when not executing (parse, compile: the subquery form is shown) -#}
{% macro untested_batch_ids_literal() -%}
    {%- if not execute -%}{%- do return(none) -%}{%- endif -%}
    {%- set batches = api.Relation.create(schema='audit', identifier='batches') -%}
    {%- set tested = api.Relation.create(schema='audit', identifier='tested_batches') -%}
    {%- set found = run_query(
        'select batch_id from ' ~ batches ~ ' where batch_id not in (select batch_id from '
        ~ tested ~ ') order by batch_id'
    ) -%}
    {%- set quoted = [] -%}
    {%- for batch_id in found.columns[0].values() -%}
        {%- do quoted.append("'" ~ (batch_id | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- do return(quoted | join(', ')) -%}
{%- endmacro %}

{#- the start of the oldest untested batch as a timestamp literal, or none when
    not executing -#}
{% macro oldest_untested_start_literal() -%}
    {%- if not execute -%}{%- do return(none) -%}{%- endif -%}
    {%- set batches = api.Relation.create(schema='audit', identifier='batches') -%}
    {%- set tested = api.Relation.create(schema='audit', identifier='tested_batches') -%}
    {%- set found = run_query(
        "select strftime(coalesce(min(started_at), cast('2999-01-01 00:00:00' as timestamp)), "
        ~ "'%Y-%m-%d %H:%M:%S.%f') from " ~ batches
        ~ ' where batch_id not in (select batch_id from ' ~ tested ~ ')'
    ) -%}
    {%- do return("cast('" ~ found.columns[0].values()[0] ~ "' as timestamp)") -%}
{%- endmacro %}


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
            {%- set ids = untested_batch_ids_literal() -%}
            {%- if ids is none -%}
                {%- set untested -%}
                    {{ batch_column }} not in (select batch_id from {{ api.Relation.create(schema='audit', identifier='tested_batches') }})
                {%- endset -%}
            {%- elif ids -%}
                {%- set untested = batch_column ~ ' in (' ~ ids ~ ')' -%}
            {%- else -%}
                {#- every batch is tested: no row to test -#}
                {%- set untested = '1 = 0' -%}
            {%- endif -%}
            {%- set where = '(' ~ where ~ ') and ' ~ untested if where else untested -%}
        {%- endif -%}
    {%- endif -%}
    {#- a test on an incremental model whose meta names the column that carries
        each row's load time (new_rows_since_tested: loaded_at): only rows loaded
        since the oldest untested batch started. Sound for tests that judge each
        row on its own and for uniqueness of columns that include the model's
        unique_key: every row a run writes carries its batch's load time, and
        delete+insert removed the older rows of each key it wrote, so a
        duplicate can only be among new rows (the yml says which tests qualify). -#}
    {%- set rows_column = meta.get('new_rows_since_tested') -%}
    {%- if var('test_new_batches_only', false) and rows_column -%}
        {%- set batches = api.Relation.create(schema='audit', identifier='batches') -%}
        {%- set tested = api.Relation.create(schema='audit', identifier='tested_batches') -%}
        {%- set oldest = oldest_untested_start_literal() -%}
        {%- if oldest is none -%}
            {%- set recent -%}
                {{ rows_column }} >= (
                    select coalesce(min(started_at), cast('2999-01-01 00:00:00' as timestamp)) from {{ batches }}
                    where batch_id not in (select batch_id from {{ tested }})
                )
            {%- endset -%}
        {%- else -%}
            {%- set recent = rows_column ~ ' >= ' ~ oldest -%}
        {%- endif -%}
        {%- set where = '(' ~ where ~ ') and ' ~ recent if where else recent -%}
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
