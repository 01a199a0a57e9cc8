-- Question (weekly brief, section 规划缺口): at the end of the projection
-- horizon, where will elderly-care beds, childcare places and school seats
-- fall short of the facilities' capacity (those under construction counted
-- from their opening date)? The district's brief lists its streets, a
-- street's brief its communities (rpt_service_shortfall, sums of published
-- cells, with the number of communities whose shortfall is withheld; method
-- and its limits: docs/PROJECTIONS.md).
with

shortfall as (
    select * from {{ published('rpt_service_shortfall') }}
),

horizon as (
    select max(projection_year) as projection_year from shortfall
),

last_year as (
    select shortfall.*
    from shortfall
    inner join horizon on shortfall.projection_year = horizon.projection_year
),

pivoted as (
    select
        street_code,
        min(street_name) as street_name,
        community_code,
        min(community_name) as community_name,
        min(projection_date) as projection_date,
        sum(case when service = 'elderly_beds' then shortfall end) as elderly_beds_short,
        sum(case when service = 'childcare_places' then shortfall end) as childcare_places_short,
        sum(case when service = 'primary_seats' then shortfall end) as primary_seats_short,
        sum(case when service = 'junior_seats' then shortfall end) as junior_seats_short,
        max(case when shortfall is null then 1 else 0 end) as communities_withheld
    from last_year
    group by street_code, community_code
),

unioned as (
    {{ brief_area_rows('pivoted', [
        'elderly_beds_short', 'childcare_places_short', 'primary_seats_short', 'junior_seats_short',
        'communities_withheld'], firsts=['projection_date']) }}
),

final as (
    select
        brief_area,
        {{ brief_order('primary_seats_short') }} as brief_order,
        unit_code,
        coalesce(area, unit_code, '未定位') as area,
        projection_date,
        round(elderly_beds_short, 0) as elderly_beds_short,
        round(childcare_places_short, 0) as childcare_places_short,
        round(primary_seats_short, 0) as primary_seats_short,
        round(junior_seats_short, 0) as junior_seats_short,
        cast(communities_withheld as bigint) as communities_withheld
    from unioned
    where brief_area is not null
)

select * from final
