-- 数据治理 late old codes: rows a department delivered, on or after the day the
-- register of changes retired a grid or community code, still carrying that
-- code (docs/GEOGRAPHY.md). The crosswalk maps each of them to today's
-- unit(s) (dim_geography_crosswalk, by the row's own date); this mart counts
-- them per feed, delivered code and month of delivery, so the data office
-- knows which department still uses which old code: rows_dated_after_count
-- of them are themselves dated on or after the retirement (the code was no
-- longer in force when used), the rest are late deliveries of earlier facts.
-- Codes and counts of rows only.
--
-- Delivered codes: the grid of each event state line (int_event_state_changes,
-- dated by the state's time), of each grid-channel collection (dated by the
-- collection) and of each building row, with the building's community (dated
-- by its delivery). A room's or building's code is an identifier that never
-- changes with a boundary, so it is not counted.
with

event_lines as (
    select * from {{ ref('int_event_state_changes') }}
),

collections as (
    select * from {{ ref('stg_population__grid_collections') }}
),

buildings as (
    select * from {{ ref('stg_housing__buildings') }}
),

versions as (
    select
        'community' as unit_level,
        community_code as unit_code,
        is_current,
        valid_to
    from {{ ref('dim_community_version') }}
    union all
    select
        'grid' as unit_level,
        grid_code as unit_code,
        is_current,
        valid_to
    from {{ ref('dim_grid_version') }}
),

-- a code none of whose versions is current, retired on its last version's end
retired as (
    select
        unit_level,
        unit_code,
        max(valid_to) as retired_on
    from versions
    group by unit_level, unit_code
    having max(case when is_current then 1 else 0 end) = 0
),

retiring_changes as (
    select
        unit_level,
        predecessor_code,
        effective_date,
        min(change_id) as change_id
    from {{ ref('int_geography_changes') }}
    where is_accepted
    group by unit_level, predecessor_code, effective_date
),

-- where the crosswalk sends a retired code's late facts (its open last window)
targets as (
    select
        unit_level,
        delivered_code,
        count(*) as current_code_count,
        min(current_code) as first_current_code
    from {{ ref('dim_geography_crosswalk') }}
    where applies_to is null
    group by unit_level, delivered_code
),

delivered as (
    select
        'events' as feed,
        'grid' as unit_level,
        grid_code as delivered_code,
        cast(state_at as date) as fact_date,
        event_id as fact_id,
        delivery_date
    from event_lines
    where grid_code is not null
    union all
    select
        'population' as feed,
        'grid' as unit_level,
        grid_code as delivered_code,
        cast(collected_at as date) as fact_date,
        collection_id as fact_id,
        delivery_date
    from collections
    where grid_code is not null
    union all
    select
        'housing' as feed,
        'grid' as unit_level,
        grid_code as delivered_code,
        delivery_date as fact_date,
        building_code as fact_id,
        delivery_date
    from buildings
    where grid_code is not null
    union all
    select
        'housing' as feed,
        'community' as unit_level,
        community_code as delivered_code,
        delivery_date as fact_date,
        building_code as fact_id,
        delivery_date
    from buildings
    where community_code is not null
),

late as (
    select
        delivered.feed,
        delivered.unit_level,
        delivered.delivered_code,
        retired.retired_on,
        {{ dbt.date_trunc('month', 'delivered.delivery_date') }} as month_start,
        delivered.fact_date,
        delivered.fact_id,
        delivered.delivery_date
    from delivered
    inner join retired
        on
            delivered.unit_level = retired.unit_level
            and delivered.delivered_code = retired.unit_code
            and delivered.delivery_date >= retired.retired_on
),

counted as (
    select
        feed,
        unit_level,
        delivered_code,
        retired_on,
        month_start,
        count(*) as rows_count,
        count(distinct fact_id) as facts_count,
        count(case when fact_date >= retired_on then 1 end) as rows_dated_after_count,
        min(delivery_date) as first_delivery_date,
        max(delivery_date) as last_delivery_date
    from late
    group by feed, unit_level, delivered_code, retired_on, month_start
),

final as (
    select
        {{ dbt.concat([
            'counted.feed', "'|'", 'counted.unit_level', "'|'", 'counted.delivered_code', "'|'",
            as_string('counted.month_start')
        ]) }} as late_code_key,
        counted.feed,
        {{ feed_name('counted.feed') }} as feed_name,
        counted.unit_level,
        case counted.unit_level when 'community' then '社区' else '网格' end as unit_level_name,
        counted.delivered_code,
        counted.retired_on,
        retiring_changes.change_id as retired_by_change_id,
        targets.current_code_count,
        case when targets.current_code_count = 1 then targets.first_current_code end as current_code,
        cast(counted.month_start as date) as month_start,
        counted.rows_count,
        counted.facts_count,
        counted.rows_dated_after_count,
        counted.first_delivery_date,
        counted.last_delivery_date,
        {{ street_code_of('counted.delivered_code') }} as street_code,
        {{ community_code_of('counted.delivered_code') }} as community_code
    from counted
    left join retiring_changes
        on
            counted.unit_level = retiring_changes.unit_level
            and counted.delivered_code = retiring_changes.predecessor_code
            and counted.retired_on = retiring_changes.effective_date
    left join targets
        on
            counted.unit_level = targets.unit_level
            and counted.delivered_code = targets.delivered_code
)

select * from final
