{#- Uniqueness tests in two passes (issue 15: the daily build tests millions of
    new rows, a corrected contribution month alone is ~14M):
    1. group the rows by one 64-bit hash of the key: the hashes seen more than
       once are every duplicated key plus, rarely, keys whose hashes collide;
    2. group by the key itself only the rows whose hash is among those.
    The answer is exactly the one-pass GROUP BY's (a collision only lets a
    unique key into pass 2, where it is counted once and dropped), but the
    big aggregation is over one integer per row instead of the key's strings:
    district, 14M-row month, 4-column grain 2.5 s -> 1.2 s; 3.4M person keys
    0.73 s -> 0.50 s. An engine without a row hash (row_hash_sql returns none)
    gets the one-pass form. NULLs: GROUP BY puts NULLs in one group, and the
    hash of a NULL is one value, so both passes group them alike. -#}

{#- one 64-bit hash of some columns, or none where the engine has none -#}
{% macro row_hash_sql(columns) -%}
    {{- return(adapter.dispatch('row_hash_sql', 'zhiwang')(columns)) -}}
{%- endmacro %}
{% macro default__row_hash_sql(columns) -%}
    {{- return(none) -}}
{%- endmacro %}
{% macro duckdb__row_hash_sql(columns) -%}
    {{- return('hash(' ~ (columns | join(', ')) ~ ')') -}}
{%- endmacro %}
{% macro spark__row_hash_sql(columns) -%}
    {{- return('xxhash64(' ~ (columns | join(', ')) ~ ')') -}}
{%- endmacro %}

{#- the groups of ``columns`` that occur more than once in ``model``, with their
    count as ``count_column``, optionally among rows where every column is not
    null; ``names`` are the output names of the columns -#}
{% macro duplicate_groups(model, columns, names, count_column, skip_nulls=false) -%}
    {%- set key_hash = row_hash_sql(columns) -%}
    {%- set not_null -%}
        {%- for column in columns %}{{ ' and ' if not loop.first }}{{ column }} is not null{% endfor -%}
    {%- endset -%}
    {%- if key_hash is not none %}
with

repeated_hashes as (
    select {{ key_hash }} as key_hash
    from {{ model }}
    {%- if skip_nulls %}
    where {{ not_null }}
    {%- endif %}
    group by {{ key_hash }}
    having count(*) > 1
)

    {% endif -%}
select
    {%- for column in columns %}
    {{ column }} as {{ names[loop.index0] }},
    {%- endfor %}
    count(*) as {{ count_column }}
from {{ model }}
{%- if skip_nulls or key_hash is not none %}
where
    {%- if skip_nulls %}
    {{ not_null }}
    {%- endif %}
    {%- if key_hash is not none %}
    {{ 'and ' if skip_nulls }}{{ key_hash }} in (select repeated_hashes.key_hash from repeated_hashes)
    {%- endif %}
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- endmacro %}

{#- dbt's `unique`, in two passes. On the staging models' source_row_id (batch
    id + ':' + data row number, macros/lineage.sql) it tests the pair the id is
    made of: the concatenation is one-to-one (the row number has no ':'), so the
    pair is unique exactly when the id is, and no string is built per row. -#}
{% macro default__test_unique(model, column_name) -%}
    {%- if column_name == 'source_row_id' -%}
{{ source_row_id_duplicates(model) }}
    {%- else -%}
{{ duplicate_groups(model, [column_name], ['unique_field'], 'n_records', skip_nulls=true) }}
    {%- endif -%}
{%- endmacro %}


{#- The repeated (batch id, row number) pairs of a staging model. On DuckDB the
    first pass is per batch and hashes nothing: a batch's row numbers are unique
    exactly when their count equals the number of bits they set in one bitstring
    (bitstring_agg over the rows' min..max row number, read when the test runs
    and written as literals: a view that loses the column's statistics still
    works). Only when a batch fails this are the rows grouped by row number, the
    plain GROUP BY, so the answer is exactly its answer. The second pass is gated
    by a scalar count, not a semi-join on the failing batches: DuckDB planned that
    join with the 14M rows as its build side (1 s for nothing). District, the 14M
    rows of a contribution month: 3.0 -> 0.5 CPU-s (+0.1 for the bounds). No rows
    (or when only compiled): the hash form. -#}
{% macro source_row_id_duplicates(model) -%}
    {{- return(adapter.dispatch('source_row_id_duplicates', 'zhiwang')(model)) -}}
{%- endmacro %}
{% macro default__source_row_id_duplicates(model) -%}
{{ duplicate_groups(model, ['batch_id', 'source_row_number'], ['batch_id', 'source_row_number'], 'n_records', skip_nulls=true) }}
{%- endmacro %}
{% macro spark__source_row_id_duplicates(model) -%}
{{ default__source_row_id_duplicates(model) }}
{%- endmacro %}
{% macro duckdb__source_row_id_duplicates(model) -%}
    {%- set bounds = none -%}
    {#- only when the test runs: `dbt compile` renders it against a warehouse that
        may not hold the model yet -#}
    {%- if execute and flags.WHICH in ('build', 'test', 'retry') -%}
        {%- set bounds = run_query(
            'select min(source_row_number), max(source_row_number) from ' ~ model
            ~ ' where batch_id is not null'
        ).rows[0] -%}
    {%- endif -%}
    {%- if bounds is none or bounds[0] is none -%}
{{ default__source_row_id_duplicates(model) }}
    {%- else -%}
with

batches_with_repeats as (
    select batch_id
    from {{ model }}
    where batch_id is not null and source_row_number is not null
    group by batch_id
    having count(*) <> bit_count(bitstring_agg(source_row_number, {{ bounds[0] | int }}, {{ bounds[1] | int }}))
)

select
    batch_id as batch_id,
    source_row_number as source_row_number,
    count(*) as n_records
from {{ model }}
where
    batch_id is not null and source_row_number is not null
    and (select count(*) from batches_with_repeats) > 0
group by batch_id, source_row_number
having count(*) > 1
    {%- endif -%}
{%- endmacro %}
