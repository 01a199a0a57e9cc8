-- Question: per community, how many buildings (in urban villages), rooms and
-- rental rooms, filed tenants, overcrowded buildings (more than 2 residents
-- per room) and hazardous buildings with how many residents? Sums of the
-- buildings of rpt_housing_rental as published (Superset dataset
-- rpt_housing_by_community).
with

areas as (
    select * from {{ published('dim_community_current') }}
),

final as (
    select
        areas.street_code,
        areas.street_name,
        housing.community_code,
        areas.community_name,
        count(*) as buildings,
        count(case when housing.is_urban_village then 1 end) as urban_village_buildings,
        sum(housing.room_count) as rooms,
        sum(housing.rental_room_count) as rental_rooms,
        sum(housing.filed_tenant_count) as tenants,
        count(case when housing.residents_per_room > 2 then 1 end) as overcrowded_buildings,
        count(case when housing.is_hazardous then 1 end) as hazard_buildings,
        sum(housing.residents_in_hazard) as residents_in_hazard_buildings
    from {{ published('rpt_housing_rental') }} as housing
    left join areas on housing.community_code = areas.community_code
    group by
        areas.street_code,
        areas.street_name,
        housing.community_code,
        areas.community_name
)

select * from final
