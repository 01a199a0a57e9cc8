-- 代码对照 the crosswalk: any community or grid code a department delivers,
-- old or new, to today's unit(s). A fact dated t that carries delivered_code
-- belongs, on today's boundaries, to current_code with population_share of
-- it, using the row whose [applies_from, applies_to) holds t (null = open).
-- Per (unit_level, delivered_code, window) the shares sum to 1, so restating
-- neither loses nor invents anyone (docs/GEOGRAPHY.md).
--
-- From the accepted register lines (int_geography_changes) a code's history
-- cuts time into windows at each change it is the predecessor of: before a
-- change its facts go to that change's successors; after its last change it
-- is itself if it continued, else (retired: a late delivery still using the
-- old code) that change's successors. Chains of changes (A → B, later
-- B → C) are followed for up to three changes (hop_2..hop_4, macro
-- crosswalk_hop in macros/geography.sql) (test
-- geography_crosswalk_reaches_current_units fails on a longer one).
-- The unlocated grid of a community (<community>999) follows its community.
with

changes as (
    select * from {{ ref('int_geography_changes') }}
    where is_accepted
),

-- community changes carried to the communities' unlocated grids
all_changes as (
    select
        unit_level,
        predecessor_code,
        successor_code,
        effective_date,
        population_share,
        area_share
    from changes
    union all
    select
        'grid' as unit_level,
        {{ unlocated_grid_of_community('predecessor_code') }} as predecessor_code,
        {{ unlocated_grid_of_community('successor_code') }} as successor_code,
        effective_date,
        population_share,
        area_share
    from changes
    where unit_level = 'community'
),

change_dates as (
    select distinct
        unit_level,
        predecessor_code,
        effective_date
    from all_changes
),

continuing as (
    select distinct
        unit_level,
        predecessor_code,
        effective_date
    from all_changes
    where successor_code = predecessor_code
),

windows as (
    select
        change_dates.unit_level,
        change_dates.predecessor_code,
        change_dates.effective_date,
        lag(change_dates.effective_date) over (
            partition by change_dates.unit_level, change_dates.predecessor_code
            order by change_dates.effective_date nulls last
        ) as applies_from,
        lead(change_dates.effective_date) over (
            partition by change_dates.unit_level, change_dates.predecessor_code
            order by change_dates.effective_date nulls last
        ) as next_change_date,
        continuing.predecessor_code is not null as continues
    from change_dates
    left join continuing
        on
            change_dates.unit_level = continuing.unit_level
            and change_dates.predecessor_code = continuing.predecessor_code
            and change_dates.effective_date = continuing.effective_date
),

-- every code any dimension or the register knows: itself, unless changed
known_codes as (
    select
        'community' as unit_level,
        community_code as code
    from {{ ref('dim_community') }}
    union
    select
        'community' as unit_level,
        community_code as code
    from {{ ref('dim_community_version') }}
    union
    -- every community's unlocated grid (dim_grid's unlocated members)
    select
        'grid' as unit_level,
        {{ unlocated_grid_of_community('community_code') }} as code
    from {{ ref('dim_community') }}
    union
    select
        'grid' as unit_level,
        grid_code as code
    from {{ ref('dim_grid_version') }}
    union
    select
        unit_level,
        successor_code as code
    from all_changes
),

steps as (
    -- before (or, for a retired code, also after) each change: its successors
    select
        windows.unit_level,
        windows.predecessor_code as code,
        windows.applies_from,
        case
            when windows.next_change_date is null and not windows.continues then cast(null as date)
            else windows.effective_date
        end as applies_to,
        all_changes.successor_code as next_code,
        all_changes.population_share,
        all_changes.area_share,
        windows.effective_date as change_date,
        false as is_terminal
    from windows
    inner join all_changes
        on
            windows.unit_level = all_changes.unit_level
            and windows.predecessor_code = all_changes.predecessor_code
            and windows.effective_date = all_changes.effective_date
    union all
    -- after its last change, a code that continued is itself
    select
        unit_level,
        predecessor_code as code,
        effective_date as applies_from,
        cast(null as date) as applies_to,
        predecessor_code as next_code,
        cast(1 as double) as population_share,
        cast(1 as double) as area_share,
        cast(null as date) as change_date,
        true as is_terminal
    from windows
    where next_change_date is null and continues
    union all
    -- a code no change names as predecessor is itself, at any time
    select
        known_codes.unit_level,
        known_codes.code,
        cast(null as date) as applies_from,
        cast(null as date) as applies_to,
        known_codes.code as next_code,
        cast(1 as double) as population_share,
        cast(1 as double) as area_share,
        cast(null as date) as change_date,
        true as is_terminal
    from known_codes
    left join change_dates
        on
            known_codes.unit_level = change_dates.unit_level
            and known_codes.code = change_dates.predecessor_code
    where change_dates.predecessor_code is null
),

hop_1 as (
    select
        unit_level,
        code,
        applies_from,
        applies_to,
        next_code,
        population_share,
        area_share,
        change_date,
        is_terminal,
        case when is_terminal then 0 else 1 end as changes_followed
    from steps
),

hop_2 as (
    {{ crosswalk_hop('hop_1') }}
),

hop_3 as (
    {{ crosswalk_hop('hop_2') }}
),

hop_4 as (
    {{ crosswalk_hop('hop_3') }}
),

final as (
    select
        unit_level,
        code as delivered_code,
        applies_from,
        applies_to,
        next_code as current_code,
        sum(population_share) as population_share,
        sum(area_share) as area_share,
        max(changes_followed) as changes_followed,
        min(case when is_terminal then 1 else 0 end) = 1 as reaches_current_unit
    from hop_4
    group by unit_level, code, applies_from, applies_to, next_code
)

select * from final
