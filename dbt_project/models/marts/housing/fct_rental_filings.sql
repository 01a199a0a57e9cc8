-- 租赁备案 rental filings, current state: one row per filing; a filing deleted
-- upstream (op D) stays, marked, so the deletion is visible.
{{ config(
    materialized='incremental',
    unique_key='filing_id',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

-- Incremental per filing: a run re-derives each filing with a change row loaded
-- after the model's watermark, from all of the filing's change rows. loaded_at
-- is the newest load over all of them (not only the winning row's), so a
-- late-arriving older change still advances the watermark. Only the one row
-- kept per filing is pseudonymised (the nested hash is the costly part).
with

changes as (
    select * from {{ ref('stg_housing__rental_filing_changes') }}
    {{ where_touched_since_watermark(ref('stg_housing__rental_filing_changes'), 'filing_id', 'loaded_at') }}
),

latest as (
    select
        *,
        max(loaded_at) over (partition by filing_id) as filing_loaded_at
    from changes
    qualify row_number() over (
        partition by filing_id order by changed_at desc, delivery_date desc, source_row_number desc
    ) = 1
),

final as (
    select
        filing_id,
        room_code,
        building_code,
        {{ pseudonym('landlord_citizen_id') }} as landlord_person_key,
        {{ pseudonym('tenant_citizen_id') }} as tenant_person_key,
        starts_on,
        ends_on,
        monthly_rent_yuan,
        filing_status,
        change_type = 'delete' as is_deleted_upstream,
        filing_status = 'active' and change_type <> 'delete' as is_active,
        changed_at,
        filing_loaded_at as loaded_at
    from latest
)

select * from final
