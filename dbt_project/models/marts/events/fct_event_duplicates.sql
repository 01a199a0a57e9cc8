-- 重复事件 one row per event that is a second report of an incident already
-- reported: marked `merged` by the source, or found by the rule (a later
-- report in the same grid, within var event_duplicate_minutes and
-- event_duplicate_metres of an earlier one, of the same top-level category).
-- A full rebuild every run: whether an event is a duplicate depends on other
-- events, which a later delivery may bring (fct_event stays incremental).
with

events as (
    select * from {{ ref('fct_event') }}
),

categories as (
    select * from {{ ref('dim_event_category') }}
),

located as (
    select
        events.event_id,
        events.category_code,
        -- the category group: the top-level category (two digits when the tree lacks the code)
        coalesce(categories.top_category_code, substr(events.category_code, 1, 2)) as category_group,
        -- the rule compares the grids the reports name (an unlocated member is no
        -- place: two reports on it are not thereby in the same grid)
        events.reported_grid_code,
        events.grid_code,
        events.community_code,
        events.street_code,
        events.longitude,
        events.latitude,
        events.reported_at,
        events.merged_into_event_id
    from events
    left join categories on events.category_code = categories.category_code
),

rule_candidates as (
    -- the later report is the duplicate; same time: the larger event id
    select
        later.event_id,
        earlier.event_id as original_event_id,
        earlier.reported_at as original_reported_at,
        {{ hours_between('earlier.reported_at', 'later.reported_at') }} * 60 as minutes_after_original,
        {{ distance_m('earlier.longitude', 'earlier.latitude', 'later.longitude', 'later.latitude') }}
            as distance_m
    from located as later
    inner join located as earlier
        on
            later.reported_grid_code = earlier.reported_grid_code
            {% if var('event_duplicate_same_category_group') -%}
                and later.category_group = earlier.category_group
            {%- endif %}
            and later.reported_at >= earlier.reported_at
            and later.reported_at <= {{ dbt.dateadd('minute', var('event_duplicate_minutes'), 'earlier.reported_at') }}
            and later.event_id != earlier.event_id
    where
        (earlier.reported_at < later.reported_at or earlier.event_id < later.event_id)
        and {{ distance_m('earlier.longitude', 'earlier.latitude', 'later.longitude', 'later.latitude') }}
        <= {{ var('event_duplicate_metres') }}
),

rule_matches as (
    -- several earlier reports match: the earliest is the original
    select * from rule_candidates
    qualify row_number() over (
        partition by event_id
        order by original_reported_at asc nulls last, original_event_id asc nulls last
    ) = 1
),

source_merged as (
    select
        event_id,
        merged_into_event_id
    from located
    where merged_into_event_id is not null
),

final as (
    select
        located.event_id,
        coalesce(source_merged.merged_into_event_id, rule_matches.original_event_id) as duplicate_of_event_id,
        case
            when source_merged.event_id is not null and rule_matches.event_id is not null then 'source_and_rule'
            when source_merged.event_id is not null then 'source'
            else 'rule'
        end as detected_by,
        source_merged.event_id is not null as is_source_merged,
        rule_matches.event_id is not null as is_rule_match,
        rule_matches.minutes_after_original,
        rule_matches.distance_m,
        located.category_code,
        located.grid_code,
        located.community_code,
        located.street_code,
        located.reported_at
    from located
    left join source_merged on located.event_id = source_merged.event_id
    left join rule_matches on located.event_id = rule_matches.event_id
    where source_merged.event_id is not null or rule_matches.event_id is not null
)

select * from final
