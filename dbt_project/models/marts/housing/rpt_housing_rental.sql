-- Question: per building, how many rooms are rented and filed, how many people
-- live there (overcrowding), is it an urban village (城中村), is it hazardous and
-- how many residents does the hazard touch? Residents are the managed persons
-- of fct_person_status; a filing counts while it is current (docs/DEFINITIONS.md:
-- latest change active and not deleted, and not ended before the rental
-- filings' as-of date - the newest filing delivery date; fct_rental_filing_status).
with

buildings as (
    select * from {{ ref('dim_building') }}
),

filings as (
    select * from {{ ref('fct_rental_filings') }}
),

filing_status as (
    select * from {{ ref('fct_rental_filing_status') }}
),

persons as (
    select * from {{ ref('fct_person_status') }}
    where is_managed
),


filed as (
    select
        filings.building_code,
        count(distinct filings.room_code) as filed_room_count,
        count(distinct filings.tenant_person_key) as filed_tenant_count,
        -- measures rounded so rebuilds are bit-identical (parallel avg of doubles)
        round(avg(filings.monthly_rent_yuan), 2) as avg_monthly_rent_yuan
    from filings
    inner join filing_status on filings.filing_id = filing_status.filing_id
    where filing_status.is_current
    group by filings.building_code
),

residents as (
    select
        building_code,
        count(*) as resident_count
    from persons
    group by building_code
),

final as (
    select
        buildings.building_code,
        buildings.community_code,
        {{ street_code_of('buildings.community_code') }} as street_code,
        buildings.grid_code,
        buildings.building_type,
        buildings.is_urban_village,
        buildings.hazard_grade,
        buildings.is_hazardous,
        buildings.room_count,
        buildings.rental_room_count,
        coalesce(filed.filed_room_count, 0) as filed_room_count,
        coalesce(filed.filed_tenant_count, 0) as filed_tenant_count,
        filed.avg_monthly_rent_yuan,
        coalesce(residents.resident_count, 0) as resident_count,
        round(cast(coalesce(residents.resident_count, 0) as double) / nullif(buildings.room_count, 0), 6) as residents_per_room,
        round(buildings.floor_area_m2 / nullif(residents.resident_count, 0), 2) as floor_area_m2_per_resident,
        case when buildings.is_hazardous then coalesce(residents.resident_count, 0) else 0 end as residents_in_hazard
    from buildings
    left join filed on buildings.building_code = filed.building_code
    left join residents on buildings.building_code = residents.building_code
)

select * from final
