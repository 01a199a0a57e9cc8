-- Where a grid code's place was before the code existed (docs/GEOGRAPHY.md,
-- "Persons on the boundaries of the time"). A resident is placed by the grid
-- their building has in the newest buildings snapshot; a grid code the
-- register started on some date (a recode into a new community, the new part
-- of a redrawn grid, the unlocated grid of a new community) was its
-- predecessor's ground before that date. One row per changed code and era:
-- the grid in force over [era_from, era_to) (null = open), the eras of a code
-- partitioning all time, so a spell split along them loses nobody. Up to two
-- changes are followed back (a code recoded twice); before the older one the
-- place is the older predecessor's. A predecessor the feeds never used (not
-- in dim_grid) is replaced by its community's unlocated grid.
with

changes as (
    select * from {{ ref('int_geography_changes') }}
    where is_accepted and predecessor_code != successor_code
),

grids as (
    select grid_code from {{ ref('dim_grid') }}
),

code_starts as (
    select
        successor_code as grid_code,
        effective_date as starts_on,
        predecessor_code
    from changes
    where unit_level = 'grid'
    union all
    select
        {{ unlocated_grid_of_community('successor_code') }} as grid_code,
        effective_date as starts_on,
        {{ unlocated_grid_of_community('predecessor_code') }} as predecessor_code
    from changes
    where unit_level = 'community'
),

-- a merger has several predecessors: the lowest code stands for them
starts as (
    select
        grid_code,
        starts_on,
        min(predecessor_code) as predecessor_code
    from code_starts
    group by grid_code, starts_on
),

first_starts as (
    select
        grid_code,
        min(starts_on) as starts_on
    from starts
    group by grid_code
),

lineage as (
    select
        starts.grid_code,
        starts.starts_on,
        case
            when starts.predecessor_code in (select grids.grid_code from grids) then starts.predecessor_code
            else {{ unlocated_grid_of_community(community_code_of('starts.predecessor_code')) }}
        end as predecessor_code
    from starts
    inner join first_starts
        on
            starts.grid_code = first_starts.grid_code
            and starts.starts_on = first_starts.starts_on
),

final as (
    -- the code itself, from the day it started
    select
        lineage.grid_code,
        lineage.grid_code as grid_at_the_time,
        lineage.starts_on as era_from,
        cast(null as date) as era_to
    from lineage
    union all
    -- its predecessor, up to that day (from the predecessor's own start)
    select
        lineage.grid_code,
        lineage.predecessor_code as grid_at_the_time,
        older.starts_on as era_from,
        lineage.starts_on as era_to
    from lineage
    left join lineage as older
        on
            lineage.predecessor_code = older.grid_code
            and lineage.starts_on > older.starts_on
    union all
    -- the predecessor's predecessor, before that
    select
        lineage.grid_code,
        older.predecessor_code as grid_at_the_time,
        cast(null as date) as era_from,
        older.starts_on as era_to
    from lineage
    inner join lineage as older
        on
            lineage.predecessor_code = older.grid_code
            and lineage.starts_on > older.starts_on
)

select * from final
