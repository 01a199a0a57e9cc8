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

-- today's communities and months on either side (macro restated_beside_the_time)
{{ restated_beside_the_time(
    ['managed_count', 'inflow_count', 'outflow_count'],
    'managed_count',
    'managed_count_at_the_time',
) }}

select * from final
