-- 街道 streets with code history: a retired code keeps its row, valid_to and
-- successor, so facts carrying a pre-2017 code still find their street.
-- Plus one unlocated member (未定位街道) for facts whose street is unknown
-- (macros/geography.sql): counted, never dropped.
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
        streets.code_basis,
        false as is_unlocated,
        cast(null as {{ dbt.type_string() }}) as unlocated_reason
    from divisions as streets
    left join divisions as districts on streets.parent_code = districts.division_code
    where streets.division_level = 'street'
    union all
    select
        {{ unlocated_street_code() }} as street_code,
        '未定位街道' as street_name,
        districts.division_code as district_code,
        districts.division_name as district_name,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        cast(null as {{ dbt.type_string() }}) as successor_code,
        {{ unlocated_street_code() }} as current_street_code,
        true as is_current,
        'unlocated' as code_basis,
        true as is_unlocated,
        'street unknown: no location code, or one whose street segment is no NBS street' as unlocated_reason
    from divisions as districts
    where districts.division_code = '{{ var("home_district_code") }}'
)

select * from final
