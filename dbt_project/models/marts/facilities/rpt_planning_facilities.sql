-- Question: where are the public-service facilities, how big are they and how
-- full (规划辅助 dashboard map)? One row per facility of the newest monthly
-- snapshot (dim_facility.is_in_latest_snapshot: operating, closed-listed or
-- under construction), with its place, names, rated capacity, use and
-- utilisation. Facility rows are institutions, not persons.
with

facilities as (
    select * from {{ ref('dim_facility') }}
    where is_in_latest_snapshot
),

communities as (
    select * from {{ ref('dim_community') }}
),

final as (
    select
        facilities.facility_id,
        facilities.facility_name,
        facilities.facility_type,
        facilities.facility_type_zh,
        facilities.department,
        facilities.capacity_unit,
        case facilities.capacity_unit
            when 'beds' then '床位'
            when 'seats' then '学位'
            when 'childcare_places' then '托位'
            when 'work_places' then '工位'
            else facilities.capacity_unit
        end as capacity_unit_zh,
        facilities.facility_status,
        facilities.is_open,
        facilities.opens_on,
        facilities.rated_capacity,
        facilities.capacity_in_use,
        cast(facilities.capacity_in_use as double) / nullif(facilities.rated_capacity, 0) as utilisation_rate,
        facilities.street_code,
        communities.street_name,
        facilities.community_code,
        communities.community_name,
        facilities.grid_code,
        facilities.longitude,
        facilities.latitude
    from facilities
    left join communities on facilities.community_code = communities.community_code
)

select * from final
