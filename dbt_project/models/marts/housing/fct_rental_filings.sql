-- 租赁备案 rental filings, current state: one row per filing; a filing deleted
-- upstream (op D) stays, marked, so the deletion is visible.
with

changes as (
    select * from {{ ref('stg_housing__rental_filing_changes') }}
),

latest as (
    select * from changes
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
        changed_at
    from latest
)

select * from final
