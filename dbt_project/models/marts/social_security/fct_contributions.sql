-- 缴费明细 one row per person, employer, month and insurance type. A month
-- delivered again (a correction) replaces the earlier delivery's rows.
{{ config(contribution_month_config()) }}

-- Incremental on the month: a re-delivered month replaces the stored month
-- as a whole, which is the correction rule itself (macros/incremental.sql,
-- partition_replace_strategy: on DuckDB the pre-hook deletes the touched months
-- and the query's rows are appended straight, with no temporary copy; the
-- query reads staging and the pseudonym lookup, never this model's rows).
--
-- A month is ~14M rows at district scale, delivered whole (and whole again
-- when corrected), so the day a month arrives is dominated by this model.
-- Each CTE over the month is a narrow scan used once (no large CTE is
-- referenced twice, which would make DuckDB materialise it), and the
-- duplicate rule touches only the keys
-- the ingest flagged: it marks every repeat of a key within a file
-- (duplicate_in_file / duplicate_key_in_file, key = the jfmx contract key)
-- and a month is one file (docs/FEEDS.md), so unflagged keys occur once. The
-- composite primary-key test guards the rule. Citizen IDs arrive
-- canonical from the ingest (trimmed, upper-case check letter), so rows are
-- matched on the plain ID with int_contributor_pseudonyms, which hashed each
-- ID once, when it was first delivered.
{#- The touched months' current rows, written into each CTE that reads them
    rather than made one CTE: DuckDB materialises a CTE read more than once,
    which for a month is a 14M-row copy of every column. -#}
{%- set current_rows -%}
    {{ ref('stg_social_security__contributions') }} as current_rows
    inner join latest_delivery
        on
            current_rows.contribution_month = latest_delivery.contribution_month
            and current_rows.delivery_date = latest_delivery.delivery_date
{%- endset %}

with

-- the newest delivery of each touched month is the month's truth, rows it
-- no longer carries are gone
latest_delivery as (
    select
        contribution_month,
        max(delivery_date) as delivery_date
    from {{ ref('stg_social_security__contributions') }}
    {{ where_touched_since_watermark(ref('stg_social_security__contributions'), 'contribution_month', 'loaded_at', 'date') }}
    group by contribution_month
),

-- the last row of each key the ingest flagged as repeated within its file:
-- the flag marks every repeat (not the first occurrence), so the largest
-- flagged row number of a key is the key's last row
last_of_repeated as (
    select
        current_rows.batch_id,
        current_rows.citizen_id,
        coalesce(current_rows.employer_uscc, '') as employer_uscc,
        current_rows.contribution_month,
        current_rows.insurance_type,
        max(current_rows.source_row_number) as last_row_number
    from {{ current_rows }}
    where current_rows.quality_flags like '%duplicate%'
    group by
        current_rows.batch_id,
        current_rows.citizen_id,
        coalesce(current_rows.employer_uscc, ''),
        current_rows.contribution_month,
        current_rows.insurance_type
),

-- the month's persons' pseudonyms, hashed once per citizen ID ever delivered
-- (int_contributor_pseudonyms): a corrected month hashes only its new persons
persons as (
    select
        citizen_id,
        person_key
    from {{ ref('int_contributor_pseudonyms') }}
),

-- one pass over the month: a row of a repeated key is kept only if it is
-- the key's last row
kept as (
    select current_rows.*
    from {{ current_rows }}
    left join last_of_repeated
        on
            current_rows.batch_id = last_of_repeated.batch_id
            and current_rows.citizen_id = last_of_repeated.citizen_id
            and coalesce(current_rows.employer_uscc, '') = last_of_repeated.employer_uscc
            and current_rows.contribution_month = last_of_repeated.contribution_month
            and current_rows.insurance_type = last_of_repeated.insurance_type
    where
        last_of_repeated.last_row_number is null
        or current_rows.source_row_number = last_of_repeated.last_row_number
),

-- no surrogate key: the grain (person, employer, month, insurance type) is
-- the primary key, tested by unique_combination_of_columns
final as (
    select
        -- the lookup is only a shortcut: an ID it lacks (e.g. a batch committed
        -- behind the lookup's watermark) is hashed here, never left without a key
        coalesce(persons.person_key, {{ pseudonym('kept.citizen_id') }}) as person_key,
        kept.employer_uscc,
        kept.contribution_month,
        kept.insurance_type,
        kept.contribution_base_yuan,
        kept.contribution_amount_yuan,
        coalesce(kept.is_paid, false) as is_paid,
        kept.paid_on,
        not coalesce(kept.is_paid, false) as is_in_arrears,
        kept.delivery_date,
        kept.loaded_at
    from kept
    left join persons on kept.citizen_id = persons.citizen_id
)

select * from final
