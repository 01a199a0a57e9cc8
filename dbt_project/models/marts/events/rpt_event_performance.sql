-- Question: how well does each street, community, department and grid run the
-- event closed loop per week and month, and how do they rank (统计排名,
-- 线上量化考核)? Events count in the period they were reported. Duplicate
-- reports (fct_event_duplicates: merged by the source or found by the rule)
-- are their own figure: excluded from the volume, the on-time rates and the
-- score. A unit that closed nothing in a period has no closure rate, hence no
-- score and no rank (not full marks). Every event counts once at every level:
-- fct_event conforms unknown locations to the unlocated members, an event
-- whose report state was not loaded counts in the period of its earliest
-- known state, and the district row = the sum over streets = over
-- communities = over grids (test conserved_across_levels).
-- The 12345 hotline joins the ranking (issue 13): each unit's tickets of the
-- period (by the day received, fct_hotline_ticket), the share that became
-- events, the median response to first contact, the callers' satisfaction
-- and repeats of a place within 30 days, beside the event figures; a unit
-- with tickets and no events of its own has a row with zero events (no score).
-- Every ticket counts once at every geographic level, like the events.
with

events as (
    select * from {{ ref('fct_event') }}
),

duplicates as (
    select * from {{ ref('fct_event_duplicates') }}
),

departments as (
    select * from {{ ref('dim_department') }}
),

residents as (
    select * from {{ ref('fct_population_snapshot') }}
),

hotline as (
    select * from {{ ref('fct_hotline_ticket') }}
),

data_as_of as (
    -- "now" is the newest milestone in the data, so a rebuild is reproducible
    select
        {{ events_as_of_at() }} as as_of_at
    from events
),

events_located as (
    select
        events.*,
        duplicates.event_id is not null as is_duplicate_report,
        not events.is_closed
        and duplicates.event_id is null
        and not coalesce(events.is_rejected, false)
        and data_as_of.as_of_at > events.deadline_at as is_overdue
    from events
    cross join data_as_of
    left join duplicates on events.event_id = duplicates.event_id
),

periods as (
    {% for period in ['week', 'month'] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'coalesce(events_located.reported_at, events_located.first_known_at)') }} as date)
                as period_start,
            events_located.*
        from events_located
        where coalesce(events_located.reported_at, events_located.first_known_at) is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

event_units as (
    {% set units = {
        'district': district_code_of('street_code'), 'street': 'street_code',
        'community': 'community_code', 'department': 'department_name', 'grid': 'grid_code'} %}
    {% for level, column in units.items() %}
        select
            period_type,
            period_start,
            '{{ level }}' as unit_level,
            {{ column }} as unit_code,
            count(*) as reports_received,
            count(*) filter (where is_duplicate_report) as duplicate_events,
            count(*) filter (where not is_duplicate_report) as events_reported,
            count(*) filter (where is_closed and not is_duplicate_report) as events_closed,
            count(*) filter (where is_closed_on_time and not is_duplicate_report) as closed_on_time,
            count(*) filter (where dispatched_at is not null and not is_duplicate_report) as events_dispatched,
            count(*) filter (where is_dispatched_on_time and not is_duplicate_report) as dispatched_on_time,
            count(*) filter (where rework_count > 0 and not is_duplicate_report) as reworked_events,
            count(*) filter (where reopen_count > 0 and not is_duplicate_report) as reopened_events,
            count(*) filter (where is_overdue) as overdue_backlog,
            avg(handling_hours) filter (where not is_duplicate_report) as avg_handling_hours
        from periods
        where {{ column }} is not null
        group by period_type, period_start, {{ column }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

hotline_periods as (
    {% for period in ['week', 'month'] %}
        select
            '{{ period }}' as period_type,
            cast({{ dbt.date_trunc(period, 'hotline.received_at') }} as date) as period_start,
            hotline.*
        from hotline
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

hotline_units as (
    {% for level, column in units.items() %}
        select
            period_type,
            period_start,
            '{{ level }}' as unit_level,
            {{ column }} as unit_code,
            count(*) as hotline_tickets,
            count(*) filter (where is_linked_to_event) as hotline_tickets_to_events,
            count(*) filter (where is_rated) as hotline_rated_tickets,
            count(*) filter (where is_satisfied) as hotline_satisfied_tickets,
            count(*) filter (where is_repeat_within_30_days) as hotline_repeat_tickets,
            avg(cast(satisfaction_score as double)) as hotline_avg_satisfaction,
            median(response_minutes) as hotline_median_response_minutes
        from hotline_periods
        {%- if level == 'department' %}
            where not is_unassigned
        {%- endif %}
        group by period_type, period_start, {{ column }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

by_unit as (
    -- a unit with hotline tickets but no event of the period still gets its
    -- row (zero events), so the tickets add up at every level
    select
        coalesce(event_units.period_type, hotline_units.period_type) as period_type,
        coalesce(event_units.period_start, hotline_units.period_start) as period_start,
        coalesce(event_units.unit_level, hotline_units.unit_level) as unit_level,
        coalesce(event_units.unit_code, hotline_units.unit_code) as unit_code,
        {% for measure in ['reports_received', 'duplicate_events', 'events_reported', 'events_closed',
                           'closed_on_time', 'events_dispatched', 'dispatched_on_time',
                           'reworked_events', 'reopened_events', 'overdue_backlog'] %}
            coalesce(event_units.{{ measure }}, 0) as {{ measure }},
        {% endfor %}
        event_units.avg_handling_hours,
        {% for measure in ['hotline_tickets', 'hotline_tickets_to_events', 'hotline_rated_tickets',
                           'hotline_satisfied_tickets', 'hotline_repeat_tickets'] %}
            coalesce(hotline_units.{{ measure }}, 0) as {{ measure }},
        {% endfor %}
        hotline_units.hotline_avg_satisfaction,
        hotline_units.hotline_median_response_minutes
    from event_units
    full outer join hotline_units
        on
            event_units.period_type = hotline_units.period_type
            and event_units.period_start = hotline_units.period_start
            and event_units.unit_level = hotline_units.unit_level
            and event_units.unit_code = hotline_units.unit_code
),

population_by_unit as (
    {% for level, column in {
        'district': district_code_of('street_code'), 'street': 'street_code',
        'community': 'community_code', 'grid': 'grid_code'}.items() %}
        select
            '{{ level }}' as unit_level,
            {{ column }} as unit_code,
            month_start,
            sum(resident_count) as resident_count
        from residents
        group by {{ column }}, month_start
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

latest_population as (
    select * from population_by_unit
    qualify row_number() over (partition by unit_level, unit_code order by month_start desc) = 1
),

rates as (
    select
        by_unit.*,
        latest_population.resident_count,
        1000 * cast(by_unit.events_reported as double) / nullif(latest_population.resident_count, 0) as events_per_1000_residents,
        cast(by_unit.closed_on_time as double) / nullif(by_unit.events_closed, 0) as closed_on_time_rate,
        cast(by_unit.dispatched_on_time as double) / nullif(by_unit.events_dispatched, 0) as dispatched_on_time_rate,
        cast(by_unit.reworked_events as double) / nullif(by_unit.events_reported, 0) as rework_rate,
        cast(by_unit.duplicate_events as double) / nullif(by_unit.reports_received, 0) as duplicate_rate,
        cast(by_unit.overdue_backlog as double) / nullif(by_unit.events_reported, 0) as overdue_rate,
        cast(by_unit.hotline_tickets_to_events as double) / nullif(by_unit.hotline_tickets, 0)
            as hotline_event_share,
        cast(by_unit.hotline_satisfied_tickets as double) / nullif(by_unit.hotline_rated_tickets, 0)
            as hotline_satisfaction_rate,
        cast(by_unit.hotline_repeat_tickets as double) / nullif(by_unit.hotline_tickets, 0)
            as hotline_repeat_rate
    from by_unit
    left join latest_population
        on
            by_unit.unit_level = latest_population.unit_level
            and by_unit.unit_code = latest_population.unit_code
),

scored as (
    select
        *,
        {{ event_score('closed_on_time_rate', 'dispatched_on_time_rate', 'rework_rate', 'overdue_rate') }} as assessment_score
    from rates
),

with_department_street as (
    select
        scored.*,
        departments.street_code as department_street_code
    from scored
    left join departments
        on
            scored.unit_level = 'department'
            and scored.unit_code = departments.department_name
),

final as (
    select
        {{ dbt.hash(dbt.concat(['period_type', "'|'", as_string('period_start'), "'|'", 'unit_level', "'|'", 'unit_code'])) }}
            as performance_key,
        period_type,
        period_start,
        unit_level,
        unit_code,
        -- a department's street is the one it serves (null for district bureaus)
        case
            when unit_level = 'department' then department_street_code
            when unit_level <> 'district' then {{ street_code_of('unit_code') }}
        end as street_code,
        case
            when unit_level = 'community' then unit_code
            when unit_level = 'grid' then {{ community_code_of('unit_code') }}
        end as community_code,
        reports_received,
        events_reported,
        events_closed,
        closed_on_time,
        events_dispatched,
        dispatched_on_time,
        reworked_events,
        reopened_events,
        duplicate_events,
        overdue_backlog,
        avg_handling_hours,
        resident_count,
        events_per_1000_residents,
        closed_on_time_rate,
        dispatched_on_time_rate,
        rework_rate,
        duplicate_rate,
        overdue_rate,
        assessment_score,
        hotline_tickets,
        hotline_tickets_to_events,
        hotline_rated_tickets,
        hotline_satisfied_tickets,
        hotline_repeat_tickets,
        hotline_event_share,
        hotline_median_response_minutes,
        hotline_avg_satisfaction,
        hotline_satisfaction_rate,
        hotline_repeat_rate,
        -- among the units with rated tickets only (1 = most satisfied)
        case
            when hotline_avg_satisfaction is not null
                then cast(rank() over (
                    partition by period_type, period_start, unit_level, hotline_avg_satisfaction is null
                    order by hotline_avg_satisfaction desc nulls last
                ) as bigint)
        end as hotline_satisfaction_rank,
        -- among the scored units only; bigint on both engines (Spark's rank() is an int)
        case
            when assessment_score is not null
                then cast(rank() over (
                    partition by period_type, period_start, unit_level, assessment_score is null
                    order by assessment_score desc nulls last
                ) as bigint)
        end as assessment_rank
    from with_department_street
)

select * from final
