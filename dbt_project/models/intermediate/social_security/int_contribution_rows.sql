-- 缴费明细 the contribution rows of each month's newest delivery, one per
-- person, employer, month and insurance type, with the delivered row's
-- fingerprint; fct_contributions is a view of them. Plain-ID-derived
-- fingerprints: kept in the staging schema with the other plain personal data,
-- which publish never copies (docs/PRIVACY.md).
--
-- Incremental on the month, and on DuckDB in proportion to the rows a
-- delivery changed (macros/contributions.sql): the pre-hooks compare each
-- touched month's newest delivery with the rows held for it by fingerprint
-- (source_row_hash, the ingest's hash of a delivered row's values) and delete
-- the held rows it no longer carries as they are; this query then writes only
-- the delivered rows not held as they are (district: 171,843 rows of a
-- 14.1M-row correction). A month delivered for the first time is all new.
-- Spark re-derives each touched month and overwrites its partition.
--
-- _written_loaded_at, the load of the delivery a build wrote the row from, is
-- the watermark: a month whose newest delivery changed no row keeps its older
-- rows and is compared again by the next build (nothing to write), until a
-- newer load is written. _written_at marks the rows a build wrote: the
-- scheduled build tests those (macros/test_scope.sql).
{{ config(contribution_rows_config()) }}

with

{{ contribution_newest_rows_ctes() }},

-- the rows to write: on an incremental DuckDB run the delivered rows not held
-- as they are (the pre-hook's comparison), else every row of the months taken
-- in but the repeats the duplicate rule drops
new_rows as (
    select current_rows.*
    from {{ contribution_current_rows() }}
    {%- if is_incremental() and target.type != 'spark' %}
        inner join {{ contribution_changes_relation() }} as changes
            on
                current_rows.batch_id = changes.batch_id
                and current_rows.source_row_number = changes.source_row_number
        where changes.change = 'new'
    {%- else %}
        left join dropped_rows
            on
                current_rows.batch_id = dropped_rows.batch_id
                and current_rows.source_row_number = dropped_rows.source_row_number
        where dropped_rows.source_row_number is null
    {%- endif %}
),

-- the persons' pseudonyms, hashed once per citizen ID ever delivered
-- (int_contributor_pseudonyms): a corrected month hashes only its new persons
persons as (
    select
        citizen_id,
        person_key
    from {{ ref('int_contributor_pseudonyms') }}
),

-- no surrogate key: the grain (person, employer, month, insurance type) is
-- the primary key, tested by unique_combination_of_columns
final as (
    select
        -- the lookup is only a shortcut: an ID it lacks (e.g. a batch committed
        -- behind the lookup's watermark) is hashed here, never left without a key
        coalesce(persons.person_key, {{ pseudonym('new_rows.citizen_id') }}) as person_key,
        new_rows.employer_uscc,
        new_rows.contribution_month,
        new_rows.insurance_type,
        new_rows.contribution_base_yuan,
        new_rows.contribution_amount_yuan,
        coalesce(new_rows.is_paid, false) as is_paid,
        new_rows.paid_on,
        not coalesce(new_rows.is_paid, false) as is_in_arrears,
        new_rows.source_row_hash,
        new_rows.loaded_at as _written_loaded_at,
        {{ written_at() }} as _written_at
    from new_rows
    left join persons on new_rows.citizen_id = persons.citizen_id
)

select * from final
