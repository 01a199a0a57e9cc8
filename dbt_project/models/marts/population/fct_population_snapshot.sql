-- 人口快照 residents per grid at each month end, with hukou, 60+ and the
-- half-year-resident (常住) counts, inflow and outflow. Built from +1/-1
-- changes at spell boundaries, so cost grows with spells, not spell × months.
-- The last month is counted at the population as-of date (fct_person_status):
-- changes after it (future move-ins, birthdays to come) are not counted, so
-- the last month's totals are exactly fct_person_status's (one definition).
-- Every spell has a conformed grid (unlocated members): nobody is dropped.
-- Hukou and birth date are the person's (dim_person's, from the register),
-- carried on the spell (fct_residence_spells); every spell's person is in
-- dim_person (the spells' carries_parent_columns test), so every spell counts.
with

spells as (
    select * from {{ ref('fct_residence_spells') }}
),

calendar as (
    select distinct month_start from {{ ref('dim_date') }}
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('fct_person_status') }}
),

-- a narrow scan of its own: read through the spells CTE, DuckDB would
-- materialise all spells once more
bounds as (
    select
        greatest(
            cast({{ dbt.date_trunc('month', 'min(all_spells.valid_from)') }} as date),
            cast('{{ var("calendar_start") }}' as date)
        ) as first_month,
        cast({{ dbt.date_trunc('month', 'max(as_of.as_of_date)') }} as date) as last_month,
        max(as_of.as_of_date) as as_of_date
    from {{ ref('fct_residence_spells') }} as all_spells
    cross join as_of
),

-- on the boundaries of the time: a spell on a grid code the register started
-- is split at the code's start, the part before it on the grid in force then
-- (int_grid_eras). Only a piece's end that is the spell's own is a move: the
-- boundary between two pieces is neither outflow nor inflow.
eras as (
    select * from {{ ref('int_grid_eras') }}
),

pieces as (
    select
        spells.person_key,
        spells.is_hukou,
        spells.birth_date,
        coalesce(eras.grid_at_the_time, spells.grid_code) as grid_code,
        spells.valid_from,
        spells.valid_to,
        case
            when eras.era_from is null or eras.era_from < spells.valid_from then spells.valid_from
            else eras.era_from
        end as piece_from,
        case
            when eras.era_to is null then spells.valid_to
            when spells.valid_to is null or eras.era_to < spells.valid_to then eras.era_to
            else spells.valid_to
        end as piece_to
    from spells
    left join eras
        on
            spells.grid_code = eras.grid_code
            and (eras.era_from is null or spells.valid_to is null or spells.valid_to > eras.era_from)
            and (eras.era_to is null or spells.valid_from < eras.era_to)
),

spell_people as (
    select
        pieces.grid_code,
        pieces.piece_from as valid_from,
        pieces.piece_to as valid_to,
        case when pieces.piece_from = pieces.valid_from then 1 else 0 end as is_move_in,
        case when pieces.piece_to = pieces.valid_to then 1 else 0 end as is_move_out,
        coalesce(pieces.is_hukou, false) as is_hukou,
        {{ dbt.dateadd('year', 60, 'pieces.birth_date') }} as turns_60_on,
        -- half a year after the spell's own start, not the piece's
        greatest(pieces.piece_from, {{ dbt.dateadd('month', 6, 'pieces.valid_from') }}) as resident_6m_from
    from pieces
),

-- a snapshot is the last day of the month: a spell [valid_from, valid_to)
-- counts from valid_from's month and stops counting in valid_to's month
raw_changes as (
    select
        grid_code,
        valid_from as change_on,
        cast({{ dbt.date_trunc('month', 'valid_from') }} as date) as month_start,
        1 as residents,
        case when is_hukou then 1 else 0 end as hukou,
        -- 60 already when the piece starts: counted from its start, in this row
        case
            when turns_60_on <= valid_from and (valid_to is null or turns_60_on < valid_to) then 1 else 0
        end as elderly,
        0 as resident_6m,
        is_move_in as inflow,
        0 as outflow
    from spell_people
    union all
    -- a piece's end closes every count it was in, in one row: the resident,
    -- the hukou resident, the 60+ person (when 60 before the end) and the
    -- half-year resident (when half a year in before the end)
    select
        grid_code,
        valid_to as change_on,
        cast({{ dbt.date_trunc('month', 'valid_to') }} as date) as month_start,
        -1 as residents,
        case when is_hukou then -1 else 0 end as hukou,
        case when turns_60_on < valid_to then -1 else 0 end as elderly,
        case when resident_6m_from < valid_to then -1 else 0 end as resident_6m,
        0 as inflow,
        is_move_out as outflow
    from spell_people
    where valid_to is not null
    union all
    select
        grid_code,
        turns_60_on as change_on,
        cast({{ dbt.date_trunc('month', 'turns_60_on') }} as date) as month_start,
        0 as residents,
        0 as hukou,
        1 as elderly,
        0 as resident_6m,
        0 as inflow,
        0 as outflow
    from spell_people
    where turns_60_on > valid_from and (valid_to is null or turns_60_on < valid_to)
    union all
    select
        grid_code,
        resident_6m_from as change_on,
        cast({{ dbt.date_trunc('month', 'resident_6m_from') }} as date) as month_start,
        0 as residents,
        0 as hukou,
        0 as elderly,
        1 as resident_6m,
        0 as inflow,
        0 as outflow
    from spell_people
    where valid_to is null or resident_6m_from < valid_to
),

changes as (
    -- spells older than the calendar start count from its first month
    -- (as opening stock, not as that month's inflow or outflow); changes
    -- after the as-of date (future move-ins, 60th birthdays to come) never
    -- reach a snapshot, so they are dropped before the aggregation
    select
        raw_changes.grid_code,
        greatest(raw_changes.month_start, bounds.first_month) as month_start,
        raw_changes.residents,
        raw_changes.hukou,
        raw_changes.elderly,
        raw_changes.resident_6m,
        case when raw_changes.month_start >= bounds.first_month then raw_changes.inflow else 0 end as inflow,
        case when raw_changes.month_start >= bounds.first_month then raw_changes.outflow else 0 end as outflow
    from raw_changes
    cross join bounds
    where raw_changes.change_on <= bounds.as_of_date
),

grid_months as (
    select
        grids.grid_code,
        calendar.month_start
    from (select distinct grid_code from spell_people) as grids
    cross join calendar
    cross join bounds
    where calendar.month_start between bounds.first_month and bounds.last_month
),

monthly_changes as (
    select
        grid_code,
        month_start,
        sum(residents) as residents,
        sum(hukou) as hukou,
        sum(elderly) as elderly,
        sum(resident_6m) as resident_6m,
        sum(inflow) as inflow,
        sum(outflow) as outflow
    from changes
    group by grid_code, month_start
),

running as (
    select
        grid_months.grid_code,
        grid_months.month_start,
        sum(coalesce(monthly_changes.residents, 0)) over w as resident_count,
        sum(coalesce(monthly_changes.hukou, 0)) over w as hukou_count,
        sum(coalesce(monthly_changes.elderly, 0)) over w as elderly_60_plus_count,
        sum(coalesce(monthly_changes.resident_6m, 0)) over w as resident_6m_count,
        coalesce(monthly_changes.inflow, 0) as inflow_count,
        coalesce(monthly_changes.outflow, 0) as outflow_count
    from grid_months
    left join monthly_changes
        on
            grid_months.grid_code = monthly_changes.grid_code
            and grid_months.month_start = monthly_changes.month_start
    window w as (partition by grid_months.grid_code order by grid_months.month_start rows unbounded preceding)
),

final as (
    select
        {{ dbt.hash(dbt.concat(['running.grid_code', "'|'", as_string('running.month_start')])) }} as snapshot_key,
        running.grid_code,
        substr(running.grid_code, 1, 12) as community_code,
        communities.street_code,
        running.month_start,
        cast(running.resident_count as bigint) as resident_count,
        cast(running.hukou_count as bigint) as hukou_count,
        cast(running.resident_count - running.hukou_count as bigint) as non_hukou_count,
        cast(running.elderly_60_plus_count as bigint) as elderly_60_plus_count,
        cast(running.resident_6m_count as bigint) as resident_6m_count,
        cast(running.inflow_count as bigint) as inflow_count,
        cast(running.outflow_count as bigint) as outflow_count
    from running
    left join {{ ref('dim_community') }} as communities
        on substr(running.grid_code, 1, 12) = communities.community_code
)

select * from final
