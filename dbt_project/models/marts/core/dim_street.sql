-- 街道 streets with code history: a retired code keeps its row, valid_to and
-- successor, so facts carrying a pre-2017 code still find their street.
with

divisions as (
    select * from {{ ref('admin_divisions') }}
),

final as (
    select
        streets.division_code as street_code,
        streets.division_name as street_name,
        streets.parent_code as district_code,
        districts.division_name as district_name,
        streets.valid_from,
        streets.valid_to,
        streets.successor_code,
        coalesce(streets.successor_code, streets.division_code) as current_street_code,
        streets.valid_to is null as is_current,
        streets.code_basis
    from divisions as streets
    left join divisions as districts on streets.parent_code = districts.division_code
    where streets.division_level = 'street'
)

select * from final
