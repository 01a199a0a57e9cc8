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
{#- the live batches no successful build has tested yet (one definition for both
    filters). Only live ones: a successful build records the batches live when it
    started (orchestration/service.py), so a batch that never was live (a refused or
    duplicate file) or was superseded before any build stays out of tested_batches
    for ever, and counting it here kept the oldest untested batch at the first
    delivery day: the loaded-since scope of fct_contributions' grain test then read
    every month ever loaded (issue 15). Its rows are in no raw view, so nothing of it
    is left to test. -#}
{% macro untested_batches_query() -%}
    select batch_id from {{ api.Relation.create(schema='audit', identifier='batches') }}
    where
        {{ is_live_batch('status') }}
        and batch_id not in (select batch_id from {{ api.Relation.create(schema='audit', identifier='tested_batches') }})
{%- endmacro %}

{#- rows of untested batches: at run time the batch ids as literals ('1 = 0' when
    every batch is tested); at parse and compile time the subquery -#}
{% macro untested_batches_filter(batch_column) -%}
    {%- if not execute -%}
        {%- do return(batch_column ~ ' in (' ~ untested_batches_query() ~ ')') -%}
    {%- endif -%}
    {%- set quoted = [] -%}
    {%- for batch_id in run_query(untested_batches_query()).columns[0].values() -%}
        {%- do quoted.append("'" ~ (batch_id | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- do return(batch_column ~ ' in (' ~ (quoted | join(', ')) ~ ')' if quoted else '1 = 0') -%}
{%- endmacro %}

{#- ``rows_column <operator> (the one timestamp ``query`` returns)``: at run time
    against a literal (DuckDB skips the row groups and Parquet files it cannot match
    by their min/max statistics), at parse and compile time against the subquery -#}
{% macro compared_to_timestamp(rows_column, operator, query) -%}
    {%- if not execute -%}
        {%- do return(rows_column ~ ' ' ~ operator ~ ' (' ~ query ~ ')') -%}
    {%- endif -%}
    {%- set value = run_query(
        "select strftime((" ~ query ~ "), '%Y-%m-%d %H:%M:%S.%f')"
    ).columns[0].values()[0] -%}
    {%- do return(rows_column ~ ' ' ~ operator ~ " cast('" ~ value ~ "' as timestamp)") -%}
{%- endmacro %}

{#- rows loaded since the oldest untested batch started -#}
{% macro loaded_since_untested_filter(rows_column) -%}
    {%- set oldest -%}
        select coalesce(min(started_at), cast('2999-01-01 00:00:00' as timestamp))
        from {{ api.Relation.create(schema='audit', identifier='batches') }}
        where batch_id in ({{ untested_batches_query() }})
    {%- endset -%}
    {%- do return(compared_to_timestamp(rows_column, '>=', oldest)) -%}
{%- endmacro %}

{#- Written rows (issue 15: a daily build's tests follow the rows it wrote). A
    per-key incremental model that writes written_at() into every row it writes
    (config meta {tests_written_rows: true}) has its tests scoped, in the scheduled
    build, to the rows written since the last successful scheduled build finished
    (max tested_at of audit.tested_batches, recorded by orchestration/service.py
    after the build): the rows every earlier successful build wrote were tested by
    it, and a row no build rewrote since is unchanged. See the filter below. -#}
{% macro written_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- rows written after the last successful scheduled build finished -#}
{% macro written_since_tested_filter(rows_column) -%}
    {%- set last -%}
        select coalesce(max(tested_at), cast('1900-01-01 00:00:00' as timestamp))
        from {{ api.Relation.create(schema='audit', identifier='tested_batches') }}
    {%- endset -%}
    {%- do return(compared_to_timestamp(rows_column, '>', last)) -%}
{%- endmacro %}

{#- The rows of a several-column uniqueness test on a tests_written_rows model
    that a written row could collide with: those whose combination a written
    row has, compared by one hash of the combination (null-safe: a NULL hashes
    to one value, as GROUP BY groups NULLs; a collision only adds rows to the
    test). When the model's unique_key is one of the columns (int_contribution_rows:
    contribution_month), its written values are also read when the test runs
    and written as literals, so the engine skips the other keys' row groups.
    An engine without a row hash tests every row. -#}
{% macro written_combinations_filter(relation, tested_model, written) -%}
    {%- set columns = model.test_metadata.kwargs.get('combination_of_columns', []) -%}
    {%- set key_hash = row_hash_sql(columns) -%}
    {%- if key_hash is none or not columns -%}
        {%- do return('1 = 1') -%}
    {%- endif -%}
    {%- set filter -%}
        {{ key_hash }} in (select {{ key_hash }} from {{ relation }} where {{ written }})
    {%- endset -%}
    {%- set unique_key = tested_model.config.get('unique_key') -%}
    {%- set key_column = tested_model.columns.get(unique_key) if unique_key is string else none -%}
    {%- if execute and unique_key in columns and key_column and key_column.data_type -%}
        {%- set values = run_query(
            'select distinct cast(' ~ unique_key ~ ' as ' ~ dbt.type_string() ~ ') from '
            ~ relation ~ ' where ' ~ written ~ ' and ' ~ unique_key ~ ' is not null'
        ).columns[0].values() -%}
        {%- set literals = [] -%}
        {%- for value in values | sort -%}
            {%- do literals.append("cast('" ~ (value | replace("'", "''")) ~ "' as " ~ key_column.data_type ~ ")") -%}
        {%- endfor -%}
        {%- set filter = unique_key ~ ' in (' ~ (literals | join(', ') if literals else 'null') ~ ') and ' ~ filter -%}
    {%- endif -%}
    {%- do return(filter) -%}
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
            {%- set untested = untested_batches_filter(batch_column) -%}
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
        {%- set recent = loaded_since_untested_filter(rows_column) -%}
        {%- set where = '(' ~ where ~ ') and ' ~ recent if where else recent -%}
    {%- endif -%}
    {#- a test of a model that marks the rows it writes (tests_written_rows): a
        test judging each row on its own reads the rows written since the last
        successful scheduled build; unique reads every row whose key a written row
        has (the written keys against the whole table), several-column uniqueness
        every row whose combination a written row has (written_combinations_filter).
        Other kinds (relationships, the project's own tests) read every row. -#}
    {%- set tested_model = graph.nodes.get(model.attached_node) if model.attached_node is defined and model.attached_node else none -%}
    {%- if var('test_new_batches_only', false) and tested_model
          and (tested_model.config.meta or {}).get('tests_written_rows', false)
          and kind in ('not_null', 'accepted_values', 'unique', 'unique_combination_of_columns') -%}
        {%- set written = written_since_tested_filter('_written_at') -%}
        {%- if kind == 'unique' -%}
            {%- set written -%}
                {{ model.column_name }} in (select {{ model.column_name }} from {{ relation }} where {{ written }})
            {%- endset -%}
        {%- elif kind == 'unique_combination_of_columns' -%}
            {%- set written = written_combinations_filter(relation, tested_model, written) -%}
        {%- endif -%}
        {%- set where = '(' ~ where ~ ') and ' ~ written if where else written -%}
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
