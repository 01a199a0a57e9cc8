{#- 缴费明细: the contribution rows of each month's newest delivery, as
    int_contribution_rows keeps them. A month is delivered whole, and whole again
    when corrected (docs/FEEDS.md: a later file of the month replaces it); the
    correction changes few rows (district: 171,843 of 14.1M). A daily build must
    cost in proportion to the rows that changed (issue 15), so on DuckDB an
    incremental run compares the month's newest delivery with the rows the model
    holds by their fingerprints (source_row_hash, added by the ingest: a hash of
    the delivered values) and deletes only the rows the delivery no longer carries
    as they are, then inserts only the delivered rows not held as they are. -#}

{#- The config of int_contribution_rows: incremental on the month; on DuckDB
    the pre-hooks compare and delete (below) and the query's new rows are
    appended straight (stage_rows_as_view: the query reads the comparison, not
    the model); on Spark the months' partitions are overwritten. Its written
    rows carry written_at(), so the scheduled build tests those. -#}
{% macro contribution_rows_config() -%}
    {{- return({
        'materialized': 'incremental',
        'schema': 'staging',
        'unique_key': 'contribution_month',
        'incremental_strategy': partition_replace_strategy(),
        'stage_rows_as_view': true,
        'partition_by': (['contribution_month'] if target.type == 'spark' else none),
        'on_schema_change': 'fail',
        'meta': {'tests_written_rows': true},
        'pre_hook': ["{{ compare_contribution_rows() }}", "{{ delete_changed_contribution_rows() }}"],
    }) -}}
{%- endmacro %}

{#- The newest delivery's rows of each month a run takes in, as a FROM clause
    (``current_rows``), for the CTEs below and the queries that use them. -#}
{% macro contribution_current_rows() -%}
    {{ ref('stg_social_security__contributions') }} as current_rows
    inner join latest_delivery
        on
            current_rows.contribution_month = latest_delivery.contribution_month
            and current_rows.delivery_date = latest_delivery.delivery_date
{%- endmacro %}

{#- The CTEs that pick each month's newest delivery and the rows the duplicate
    rule drops from it, for the months a run takes in (every month on a full
    build; on an incremental run those a load touched since the model's
    watermark, as literals, or ``months``: such literals the caller read
    already). The rule touches only the keys the ingest flagged:
    it marks every repeat of a key within a file (duplicate_in_file /
    duplicate_key_in_file, key = the jfmx contract key), not the first, and a
    month is one file (docs/FEEDS.md), so unflagged keys occur once and the last
    row of a repeated key wins. Keys are compared by their fingerprint
    (source_key_hash): the month's rows probe the few repeated keys by one
    integer and the batch (by the key's four columns the probe was most of the
    month's cost). The grain test of int_contribution_rows guards the rule;
    int_contribution_deliveries counts the rows it keeps (tested). -#}
{% macro contribution_newest_rows_ctes(months=none) -%}
{%- set delivered = ref('stg_social_security__contributions') -%}
-- the newest delivery of each month taken in is the month's truth, rows it
-- no longer carries are gone
latest_delivery as (
    select
        contribution_month,
        max(delivery_date) as delivery_date
    from {{ delivered }}
    {%- if months is not none %}
    where contribution_month in ({{ months }})
    {%- else %}
    {{ where_touched_since_watermark(delivered, 'contribution_month', '_written_loaded_at', 'date') }}
    {%- endif %}
    group by contribution_month
),

-- the keys the ingest flagged as repeated within their file, each with its
-- last row: the flag marks every repeat (not the first occurrence), so the
-- largest flagged row number of a key is the key's last row
repeated_keys as (
    select
        current_rows.batch_id,
        current_rows.source_key_hash,
        max(current_rows.source_row_number) as last_row_number
    from {{ contribution_current_rows() }}
    where current_rows.quality_flags like '%duplicate%'
    group by
        current_rows.batch_id,
        current_rows.source_key_hash
),

-- every row of a repeated key (few), the last one marked
repeated_rows as (
    select
        current_rows.batch_id,
        current_rows.source_row_number,
        current_rows.source_row_hash,
        current_rows.source_row_number = repeated_keys.last_row_number as is_last
    from {{ contribution_current_rows() }}
    inner join repeated_keys
        on
            current_rows.batch_id = repeated_keys.batch_id
            and current_rows.source_key_hash = repeated_keys.source_key_hash
),

-- the rows the rule drops: every row of a repeated key but its last
dropped_rows as (
    select
        batch_id,
        source_row_number,
        source_row_hash
    from repeated_rows
    where not is_last
)
{%- endmacro %}

{#- Pre-hooks of int_contribution_rows on an incremental DuckDB run. The first
    compares, in one pass, the newest delivery of each month the run takes in
    with the rows held for it, by fingerprint (a full outer join of one integer
    per row), into the temporary table int_contribution_rows__changes: the held
    fingerprints the delivery no longer carries as they are ('gone': a changed
    row's old values, a withdrawn row, a row only a dropped repeat still
    carries) and the delivered rows not held as they are ('new', minus the rows
    the duplicate rule drops). The second deletes the gone rows (and any held
    row without a fingerprint); the model's query then inserts the new ones. So
    a month ends as its newest delivery whatever the builds before saw, and a
    correction costs one read of the month's fingerprints plus its changed rows
    (district: 171,843 of 14.1M). Nothing on a full build; nothing on Spark,
    whose plain Parquet tables cannot DELETE: there the run re-derives the
    months and overwrites their partitions. -#}
{% macro contribution_changes_relation() -%}
    int_contribution_rows__changes
{%- endmacro %}

{% macro compare_contribution_rows() -%}
    {{- return(adapter.dispatch('compare_contribution_rows', 'zhiwang')()) -}}
{%- endmacro %}
{% macro default__compare_contribution_rows() -%}
    {%- if is_incremental() -%}
    {#- the touched months, read once for the delivered and the held side -#}
    {%- set months = touched_keys([ref('stg_social_security__contributions')], 'contribution_month', '_written_loaded_at', 'date') -%}
    create or replace temporary table {{ contribution_changes_relation() }} as
    with

    {{ contribution_newest_rows_ctes(months) | indent(4) }},

    held as (
        select source_row_hash
        from {{ this }}
        where
            contribution_month in ({{ months }})
            and source_row_hash is not null
    ),

    delivered as (
        select
            current_rows.source_row_hash,
            current_rows.batch_id,
            current_rows.source_row_number
        from {{ contribution_current_rows() }}
    ),

    compared as (
        select
            delivered.batch_id,
            delivered.source_row_number,
            held.source_row_hash as held_row_hash
        from delivered
        full outer join held on delivered.source_row_hash = held.source_row_hash
        where delivered.source_row_number is null or held.source_row_hash is null
    )

    select
        'gone' as change,
        compared.held_row_hash as source_row_hash,
        cast(null as varchar) as batch_id,
        cast(null as bigint) as source_row_number
    from compared
    where compared.source_row_number is null
    union all
    -- a held row that only a dropped repeat carries: the repeat's values differ
    -- from its key's last row (an exact repeat is the kept row itself)
    select
        'gone' as change,
        dropped_rows.source_row_hash,
        cast(null as varchar) as batch_id,
        cast(null as bigint) as source_row_number
    from dropped_rows
    left join repeated_rows as last_rows
        on
            dropped_rows.source_row_hash = last_rows.source_row_hash
            and last_rows.is_last
    where dropped_rows.source_row_hash is not null and last_rows.source_row_hash is null
    union all
    select
        'new' as change,
        cast(null as bigint) as source_row_hash,
        compared.batch_id,
        compared.source_row_number
    from compared
    left join dropped_rows
        on
            compared.batch_id = dropped_rows.batch_id
            and compared.source_row_number = dropped_rows.source_row_number
    where compared.source_row_number is not null and dropped_rows.source_row_number is null
    {%- endif -%}
{%- endmacro %}
{% macro spark__compare_contribution_rows() -%}
{%- endmacro %}

{% macro delete_changed_contribution_rows() -%}
    {{- return(adapter.dispatch('delete_changed_contribution_rows', 'zhiwang')()) -}}
{%- endmacro %}
{% macro default__delete_changed_contribution_rows() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where
        contribution_month in (
            {{- touched_keys([ref('stg_social_security__contributions')], 'contribution_month', '_written_loaded_at', 'date') }}
        )
        and (
            source_row_hash is null
            or source_row_hash in (
                select changes.source_row_hash from {{ contribution_changes_relation() }} as changes
                where changes.change = 'gone'
            )
        )
    {%- endif -%}
{%- endmacro %}
{% macro spark__delete_changed_contribution_rows() -%}
{%- endmacro %}
