-- Question: is a changed community's trend continuous across the change? For
-- every community a change of the register names (applied lines of
-- rpt_geography_register: the predecessor's community and each successor's),
-- that is in force today, month by month from a year before its first change:
-- the managed population (rpt_population_trend) and the events reported
-- (rpt_event_trend) on TODAY's boundaries (restated) beside the same month on
-- the boundaries of its time (*_at_the_time). Restated, the successors'
-- series add up to what the predecessor had before the change; as delivered,
-- the predecessor drops and the new community starts from zero
-- (docs/GEOGRAPHY.md). The data office's page (数据治理); a view over
-- published marts, so a population count withheld by disclosure control is
-- NULL here too.
with

applied as (
    select * from {{ published('rpt_geography_register') }}
    where is_applied
),

changed as (
    select
        community_code,
        min(change_id) as change_id,
        min(effective_date) as effective_date
    from (
        select
            community_code,
            change_id,
            effective_date
        from applied
        union all
        select
            {{ community_code_of('successor_code') }} as community_code,
            change_id,
            effective_date
        from applied
    ) as named
    group by community_code
),

communities as (
    select * from {{ published('dim_community') }}
),

measures as (
    select
        'population' as measure,
        community_code,
        month_start,
        managed_count as restated_count,
        managed_count_at_the_time as at_the_time_count
    from {{ published('rpt_population_trend') }}
    union all
    select
        'events' as measure,
        community_code,
        month_start,
        events_reported as restated_count,
        events_reported_at_the_time as at_the_time_count
    from {{ published('rpt_event_trend') }}
),

final as (
    select
        {{ street_code_of('changed.community_code') }} as street_code,
        communities.street_name,
        changed.community_code,
        communities.community_name,
        changed.change_id,
        changed.effective_date,
        measures.measure,
        case measures.measure when 'population' then '实际管理人口' else '事件量' end as measure_name,
        measures.month_start,
        measures.month_start >= {{ dbt.date_trunc('month', 'changed.effective_date') }} as is_after_change,
        cast(measures.restated_count as bigint) as restated_count,
        cast(measures.at_the_time_count as bigint) as at_the_time_count
    from changed
    -- the trend marts hold today's communities only
    inner join measures on changed.community_code = measures.community_code
    left join communities on changed.community_code = communities.community_code
    where measures.month_start >= {{ dbt.dateadd('month', -12, dbt.date_trunc('month', 'changed.effective_date')) }}
)

select * from final
