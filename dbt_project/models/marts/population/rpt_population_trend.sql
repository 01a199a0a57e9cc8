-- Question: how did each community's managed population, inflow and outflow
-- move, month by month, on TODAY's boundaries? A community split, merged or
-- redrawn since is restated: each grid's monthly counts (as delivered, on
-- the boundaries of their time: rpt_population_structure) go through the
-- crosswalk (dim_geography_crosswalk, dated at the month's end) to today's
-- grids, in whole persons (largest remainder, macro apportioned), and add
-- up to today's communities. The same month on the boundaries of its time
-- is managed_count_at_the_time (0 for a community that did not exist yet).
-- District total = the sum over communities in every month (restating moves
-- people between units, never in or out). docs/GEOGRAPHY.md.
with

grid_months as (
    select
        unit_code as grid_code,
        month_start,
        managed_count,
        inflow_count,
        outflow_count
    from {{ ref('rpt_population_structure') }}
    where unit_level = 'grid'
),

crosswalk as (
    select * from {{ ref('dim_geography_crosswalk') }}
),

-- today's grids and their communities (an unlocated grid 999 is in none:
-- its community is its first 12 digits)
current_grids as (
    select
        grid_code,
        community_code
    from {{ ref('dim_grid_version') }}
    where is_current
),

mapped as (
    select
        grid_months.grid_code,
        grid_months.month_start,
        grid_months.managed_count,
        grid_months.inflow_count,
        grid_months.outflow_count,
        coalesce(crosswalk.current_code, grid_months.grid_code) as current_grid_code,
        coalesce(crosswalk.population_share, 1) as population_share
    from grid_months
    left join crosswalk
        on {{ crosswalk_applies(
            'crosswalk', 'grid', 'grid_months.grid_code',
            dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'grid_months.month_start'))) }}
),

restated_grids as (
    select
        current_grid_code,
        month_start,
        {{ apportioned('managed_count', 'population_share', 'grid_code, month_start', 'current_grid_code') }}
            as managed_count,
        {{ apportioned('inflow_count', 'population_share', 'grid_code, month_start', 'current_grid_code') }}
            as inflow_count,
        {{ apportioned('outflow_count', 'population_share', 'grid_code, month_start', 'current_grid_code') }}
            as outflow_count
    from mapped
),

restated as (
    select
        coalesce(current_grids.community_code, {{ community_code_of('restated_grids.current_grid_code') }})
            as community_code,
        restated_grids.month_start,
        sum(restated_grids.managed_count) as managed_count,
        sum(restated_grids.inflow_count) as inflow_count,
        sum(restated_grids.outflow_count) as outflow_count
    from restated_grids
    left join current_grids on restated_grids.current_grid_code = current_grids.grid_code
    group by
        coalesce(current_grids.community_code, {{ community_code_of('restated_grids.current_grid_code') }}),
        restated_grids.month_start
),

at_the_time as (
    select
        unit_code as community_code,
        month_start,
        managed_count
    from {{ ref('rpt_population_structure') }}
    where unit_level = 'community'
),

final as (
    select
        {{ dbt.hash(dbt.concat(['restated.community_code', "'|'", as_string('restated.month_start')])) }}
            as trend_key,
        {{ street_code_of('restated.community_code') }} as street_code,
        restated.community_code,
        restated.month_start,
        cast(restated.managed_count as bigint) as managed_count,
        cast(restated.inflow_count as bigint) as inflow_count,
        cast(restated.outflow_count as bigint) as outflow_count,
        cast(coalesce(at_the_time.managed_count, 0) as bigint) as managed_count_at_the_time
    from restated
    left join at_the_time
        on
            restated.community_code = at_the_time.community_code
            and restated.month_start = at_the_time.month_start
)

select * from final
