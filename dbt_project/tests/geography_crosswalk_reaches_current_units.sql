-- The crosswalk (dim_geography_crosswalk) restates without loss: for every
-- delivered code and window the shares sum to 1, and every target is a unit
-- in force today (a current version, or an unlocated member). A row returned
-- names a code whose restating would lose, invent or strand people
-- (docs/GEOGRAPHY.md).
with

crosswalk as (
    select * from {{ ref('dim_geography_crosswalk') }}
),

current_units as (
    select
        'community' as unit_level,
        community_code as code
    from {{ ref('dim_community_version') }}
    where is_current
    union all
    select
        'community' as unit_level,
        community_code as code
    from {{ ref('dim_community') }}
    where is_unlocated
    union all
    select
        'grid' as unit_level,
        grid_code as code
    from {{ ref('dim_grid_version') }}
    where is_current
    union all
    select
        'grid' as unit_level,
        grid_code as code
    from {{ ref('dim_grid') }}
    where is_unlocated
),

share_sums as (
    select
        unit_level,
        delivered_code,
        applies_from,
        applies_to,
        sum(population_share) as share_sum,
        min(case when reaches_current_unit then 1 else 0 end) as reaches
    from crosswalk
    group by unit_level, delivered_code, applies_from, applies_to
),

failures as (
    select
        unit_level,
        delivered_code,
        {{ dbt.concat(["'population shares sum to '", as_string('share_sum')]) }} as problem
    from share_sums
    where abs(share_sum - 1) > 0.000001
    union all
    select
        unit_level,
        delivered_code,
        'a chain of changes longer than the crosswalk follows' as problem
    from share_sums
    where reaches = 0
    union all
    select
        crosswalk.unit_level,
        crosswalk.delivered_code,
        {{ dbt.concat(["'maps to '", 'crosswalk.current_code', "', no unit in force today'"]) }} as problem
    from crosswalk
    left join current_units
        on
            crosswalk.unit_level = current_units.unit_level
            and crosswalk.current_code = current_units.code
    where current_units.code is null
)

select * from failures
