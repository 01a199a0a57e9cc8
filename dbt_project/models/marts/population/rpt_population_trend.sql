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

{{ restated_on_today(['managed_count', 'inflow_count', 'outflow_count']) }},

at_the_time as (
    select
        unit_code as community_code,
        month_start,
        managed_count
    from {{ ref('rpt_population_structure') }}
    where unit_level = 'community'
),

-- today's communities and months on either side: restated, or counted at the
-- time only (a community whose grids' counts all moved elsewhere that month)
-- with 0 restated; a retired community is in none of today's grids, so its
-- counts of the time stay in the marts of the time only
both_sides as (
    select
        coalesce(restated.community_code, at_the_time.community_code) as community_code,
        coalesce(restated.month_start, at_the_time.month_start) as month_start,
        restated.managed_count as restated_managed_count,
        restated.inflow_count as restated_inflow_count,
        restated.outflow_count as restated_outflow_count,
        at_the_time.managed_count as at_the_time_managed_count
    from restated
    full outer join at_the_time
        on
            restated.community_code = at_the_time.community_code
            and restated.month_start = at_the_time.month_start
    where
        restated.community_code is not null
        or at_the_time.community_code in (select current_grids.community_code from current_grids)
),

final as (
    select
        {{ dbt.hash(dbt.concat(['community_code', "'|'", as_string('month_start')])) }} as trend_key,
        {{ street_code_of('community_code') }} as street_code,
        community_code,
        month_start,
        cast(coalesce(restated_managed_count, 0) as bigint) as managed_count,
        cast(coalesce(restated_inflow_count, 0) as bigint) as inflow_count,
        cast(coalesce(restated_outflow_count, 0) as bigint) as outflow_count,
        cast(coalesce(at_the_time_managed_count, 0) as bigint) as managed_count_at_the_time
    from both_sides
)

select * from final
