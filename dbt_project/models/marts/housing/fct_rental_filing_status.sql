-- 租赁备案状态 the one definition of a current rental filing
-- (docs/DEFINITIONS.md), one row per filing at the rental filings' as-of
-- date (the newest filing delivery date): current when its latest change
-- says active, is no delete, and its end date (inclusive) is not before the
-- as-of date - a filing still marked active whose lease has ended is not
-- current. Location conformed (unlocated members when unknown).
with

filings as (
    select * from {{ ref('fct_rental_filings') }}
),

as_of as (
    select max(delivery_date) as as_of_date from {{ ref('stg_housing__rental_filing_changes') }}
),

final as (
    select
        filings.filing_id,
        as_of.as_of_date,
        filings.room_code,
        filings.building_code,
        {{ located_community('loc') }} as community_code,
        {{ street_code_of(located_community('loc')) }} as street_code,
        filings.is_active as is_marked_active,
        filings.is_active and filings.ends_on is not null and filings.ends_on < as_of.as_of_date as has_ended,
        filings.is_active and (filings.ends_on is null or filings.ends_on >= as_of.as_of_date) as is_current
    from filings
    cross join as_of
    {{ location_joins('filings.room_code', 'cast(null as ' ~ dbt.type_string() ~ ')', 'loc') }}
)

select * from final
