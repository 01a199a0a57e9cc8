{#- Keyed pseudonym for personal data (citizen IDs, names, phones):
    HMAC-SHA256(key, UPPER(TRIM(value))) cut to 128 bits, as 32 lower-case hex
    characters; NULL for a missing or blank value.

    The SQL holds only a call: zw_pseudonym() is registered on every
    connection from zhiwang/pseudonym.py (DuckDB: the dbt plugin
    zhiwang.dbt_duckdb_pseudonym named in profiles.yml; Spark: the UDF
    envs/spark/dbt_spark.py registers), which reads ZHIWANG_PSEUDONYM_KEY from
    the process environment. The key therefore never reaches compiled SQL,
    dbt's logs or target/. Python callers use the same module, so tests and
    tools can join on the values. Changing the key is a full refresh
    (check_pseudonym_key below; docs/PRIVACY.md). -#}
{% macro pseudonym(expr) -%}
    zw_pseudonym({{ expr }})
{%- endmacro %}

{#- The plain value a pseudonym is computed from (trimmed, upper-cased, empty
    as null): two values with equal subjects get equal pseudonyms. Models
    group and filter on it in staging and pseudonymise only the rows they
    keep, since the keyed hash is the costly part of a build. -#}
{% macro pseudonym_subject(expr) -%}
    nullif(upper(trim({{ expr }})), '')
{%- endmacro %}

{#- on-run-start: the pseudonyms stored in incremental models were made with
    one key. The key's fingerprint (the pseudonym of a fixed text, which does
    not reveal the key) is kept in internal.pseudonym_key_fingerprint; a build
    with another key stops with what to do, unless it is a full refresh, which
    recomputes every pseudonym and records the new fingerprint. -#}
{% macro check_pseudonym_key() %}
    {%- if not execute or flags.WHICH not in ('build', 'run', 'seed', 'snapshot') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set schema = 'internal' -%}
    {%- set fingerprint_sql -%}
        zw_pseudonym('ZHIWANG-PSEUDONYM-KEY-FINGERPRINT')
    {%- endset -%}
    {%- do adapter.create_schema(api.Relation.create(database=warehouse_database(), schema=schema)) -%}
    {%- set stored_relation = adapter.get_relation(warehouse_database(), schema, 'pseudonym_key_fingerprint') -%}
    {%- set people = adapter.get_relation(warehouse_database(), 'marts', 'dim_person')
        or adapter.get_relation(warehouse_database(), 'internal', 'dim_person') -%}
    {%- set current = run_query('select ' ~ fingerprint_sql).columns[0].values()[0] -%}
    {%- set stored = none -%}
    {%- if stored_relation is not none -%}
        {%- set rows = run_query('select fingerprint from ' ~ stored_relation).columns[0].values() -%}
        {%- set stored = rows[0] if rows | length > 0 else none -%}
    {%- elif people is not none -%}
        {#- built before fingerprints were kept: its pseudonyms' key is unknown -#}
        {%- set stored = 'unknown' -%}
    {%- endif -%}
    {%- if stored is not none and stored != current and not flags.FULL_REFRESH -%}
        {%- if stored != 'unknown' and stored | length != current | length -%}
            {#- same key or not, the stored pseudonyms have another width: the full
                64-character digest, before they were cut to 128 bits -#}
            {{ exceptions.raise_compiler_error(
                "This warehouse's pseudonyms are " ~ (stored | length) ~ " characters long; this version "
                ~ "makes them " ~ (current | length) ~ " (128 bits of the HMAC, docs/PRIVACY.md). "
                ~ "Rebuild every pseudonym once with the same key: `dbt build --full-refresh` "
                ~ "(docs/PRIVACY.md, 'Changing the key'), then publish.") }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "ZHIWANG_PSEUDONYM_KEY is not the key this warehouse's pseudonyms were made with "
            ~ "(fingerprint " ~ (stored[:12] if stored else 'none') ~ "... stored, " ~ current[:12] ~ "... now). "
            ~ "Restore the previous key, or rebuild every pseudonym with the new one: "
            ~ "`dbt build --full-refresh` (see docs/PRIVACY.md, 'Changing the key').") }}
    {%- endif -%}
    {%- if stored != current -%}
        {%- if stored_relation is not none -%}
            {%- do run_query('drop table ' ~ stored_relation) -%}
        {%- endif -%}
        {%- do run_query('create table ' ~ schema ~ '.pseudonym_key_fingerprint as select '
            ~ fingerprint_sql ~ ' as fingerprint') -%}
    {%- endif -%}
{% endmacro %}
