-- Question: which streets get a weekly brief of their own? Every street of
-- rpt_population_structure (the unlocated street 未定位街道 too), named by the
-- current geography (its code where it has no current name).
with

streets as (
    {{ current_streets() }}
),

population_streets as (
    select distinct unit_code as street_code
    from {{ published('rpt_population_structure') }}
    where unit_level = 'street'
),

final as (
    select
        population_streets.street_code,
        coalesce(streets.street_name, population_streets.street_code) as street_name
    from population_streets
    left join streets on population_streets.street_code = streets.street_code
)

select * from final
