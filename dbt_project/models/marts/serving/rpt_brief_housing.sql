-- Question (weekly brief, section 房屋与租赁): how many buildings, rental rooms
-- and filed tenants are there, and how many buildings are overcrowded (more
-- than 2 residents per room) or hazardous, with how many residents? The
-- district's brief lists its streets, a street's brief its communities
-- (rpt_housing_by_community, the dashboard's dataset; sums of published cells,
-- with the number of buildings a sum leaves out).
with

housing as (
    select * from {{ published('rpt_housing_by_community') }}
),

withheld as (
    -- buildings of rpt_housing_rental with a figure withheld by disclosure control:
    -- the sums above leave them out
    select
        community_code,
        count(
            case
                when filed_tenant_count is null or residents_in_hazard is null or residents_per_room is null
                    then 1
            end
        ) as buildings_withheld
    from {{ published('rpt_housing_rental') }}
    group by community_code
),

per_community as (
    select
        housing.*,
        coalesce(withheld.buildings_withheld, 0) as buildings_withheld
    from housing
    left join withheld on housing.community_code = withheld.community_code
),

unioned as (
    {{ brief_area_rows('per_community', [
        'buildings', 'urban_village_buildings', 'rental_rooms', 'tenants', 'overcrowded_buildings',
        'hazard_buildings', 'residents_in_hazard_buildings', 'buildings_withheld']) }}
),

final as (
    select
        brief_area,
        {{ brief_order('buildings') }} as brief_order,
        unit_code,
        -- a building of no known community (rpt_housing_rental) is unlocated too
        coalesce(area, unit_code, '未定位') as area,
        cast(buildings as bigint) as buildings,
        cast(urban_village_buildings as bigint) as urban_village_buildings,
        cast(rental_rooms as bigint) as rental_rooms,
        cast(tenants as bigint) as tenants,
        cast(overcrowded_buildings as bigint) as overcrowded_buildings,
        cast(hazard_buildings as bigint) as hazard_buildings,
        cast(residents_in_hazard_buildings as bigint) as residents_in_hazard_buildings,
        cast(buildings_withheld as bigint) as buildings_withheld
    from unioned
    where brief_area is not null
)

select * from final
