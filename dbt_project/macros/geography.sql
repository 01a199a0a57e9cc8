{#- Codes nest (docs/FEEDS.md): a grid, building or room code starts with its
    12-digit community code, whose first 9 digits are the street's; the
    12-digit street code pads them with 000. Dashboards filter on these
    columns (Superset row-level security), so every mart they read carries
    street_code and community_code. Null in, null out. -#}
{% macro street_code_of(code) -%}
    {{ dbt.concat(['substr(' ~ code ~ ', 1, 9)', "'000'"]) }}
{%- endmacro %}

{#- The district of a street (or any longer code): its first 6 digits padded
    to 12. A "district" row of a mart is one per district the data reach, so a
    city-wide warehouse never folds nine districts into the home one. Unlike
    the macros above, null is not passed on: a fact with no street at all is
    on the unlocated street, which is the home district's (below), so every
    fact has a district. -#}
{% macro district_code_of(code) -%}
    {{ dbt.concat(['substr(coalesce(' ~ code ~ ', ' ~ unlocated_street_code() ~ '), 1, 6)', "'000000'"]) }}
{%- endmacro %}

{% macro community_code_of(code) -%}
    substr({{ code }}, 1, 12)
{%- endmacro %}

{#- Unlocated members (issue 12: nobody is dropped between levels). A fact
    whose location is unknown at some level goes to an explicit member of
    that level, with a code that still nests, so street_code_of() and
    community_code_of() work on it:
      street    <district 6>999000   (未定位街道: not even the street is known)
      community <street 9>999        (未定位社区 of a street; of the unlocated
                                      street for a fact with no known street)
      grid      <community 12>999    (未定位网格 of a community, located or not)
    The NBS segments never use 999 (streets 001-499, communities 001-399,
    and the generator's grid sequences stay far below 999). -#}
{% macro unlocated_street_code() -%}
    '{{ var("home_district_code")[:6] }}999000'
{%- endmacro %}

{% macro unlocated_community_of_street(street_code) -%}
    {{ dbt.concat(['substr(' ~ street_code ~ ', 1, 9)', "'999'"]) }}
{%- endmacro %}

{% macro unlocated_grid_of_community(community_code) -%}
    {{ dbt.concat([community_code, "'999'"]) }}
{%- endmacro %}

{#- Joins that resolve a location code (a room, building or grid code: all
    start with the 12-digit community code) and an optional grid code to
    conformed members, under the aliases <prefix>_community, <prefix>_street
    and <prefix>_grid. A community code the register of changes retired still
    resolves to itself (the boundaries of the fact's time; the crosswalk
    restates it on today's, docs/GEOGRAPHY.md). Use with located_* below. A grid is accepted only when
    it lies in the resolved community, so every level nests, or in a community
    of the same street the register split off it (<prefix>_moved): a building
    whose grid moved into a new community keeps its code's digits, and is then
    in the grid's community. -#}
{% macro location_joins(code, grid, prefix) -%}
    left join {{ ref('dim_community') }} as {{ prefix }}_community
        on
            substr({{ code }}, 1, 12) = {{ prefix }}_community.community_code
            and not {{ prefix }}_community.is_unlocated
    left join {{ ref('dim_street') }} as {{ prefix }}_street
        on
            {{ street_code_of(code) }} = {{ prefix }}_street.street_code
            and not {{ prefix }}_street.is_unlocated
    left join {{ ref('int_community_moves') }} as {{ prefix }}_moved
        on
            {{ prefix }}_community.community_code = {{ prefix }}_moved.predecessor_code
            and substr({{ grid }}, 1, 12) = {{ prefix }}_moved.successor_code
    left join {{ ref('dim_grid') }} as {{ prefix }}_grid
        on
            {{ grid }} = {{ prefix }}_grid.grid_code
            and (
                {{ prefix }}_grid.community_code = {{ prefix }}_community.community_code
                or {{ prefix }}_grid.community_code = {{ prefix }}_moved.successor_code
            )
            and not {{ prefix }}_grid.is_unlocated
{%- endmacro %}

{#- The conformed community: the accepted grid's (the code's own, or the
    community the register moved that grid into), else the code's own (an NBS
    community or one the register created), else the unlocated community of its
    street (a retired street code maps to its successor), else the unlocated
    community of the unlocated street. -#}
{% macro located_community(prefix) -%}
    coalesce(
        {{ prefix }}_grid.community_code,
        {{ prefix }}_community.community_code,
        {{ unlocated_community_of_street(prefix ~ '_street.current_street_code') }},
        {{ unlocated_community_of_street(unlocated_street_code()) }}
    )
{%- endmacro %}

{% macro located_grid(prefix) -%}
    coalesce({{ prefix }}_grid.grid_code, {{ unlocated_grid_of_community(located_community(prefix)) }})
{%- endmacro %}

{#- Why a fact sits on an unlocated member (null when fully located).
    ``missing_grid_reason`` names what lacked the grid (e.g. the building). -#}
{% macro unlocated_reason(code, prefix, missing_grid_reason) -%}
    case
        when {{ code }} is null then 'no_location_code'
        when {{ prefix }}_community.community_code is null and {{ prefix }}_street.street_code is not null
            then 'unknown_community_code'
        when {{ prefix }}_community.community_code is null then 'unknown_street_code'
        when {{ prefix }}_grid.grid_code is null then '{{ missing_grid_reason }}'
    end
{%- endmacro %}

{#- Restating on today's boundaries (docs/GEOGRAPHY.md): a count of a
    delivered unit split over its current units by the crosswalk's shares,
    in whole units by the largest-remainder method, so the parts sum exactly
    to the count (nothing lost or invented, no fractional persons) and each
    part differs from count x share by less than 1. ``source`` partitions the
    rows of one delivered count (its code and period); ``code`` breaks ties. -#}
{% macro apportioned(measure, share, source, code) -%}
    cast(floor({{ measure }} * {{ share }}) as bigint)
    + case
        when row_number() over (
            partition by {{ source }}
            order by {{ measure }} * {{ share }} - floor({{ measure }} * {{ share }}) desc, {{ code }} nulls last
        )
        <= {{ measure }} - sum(cast(floor({{ measure }} * {{ share }}) as bigint)) over (partition by {{ source }})
            then 1
        else 0
    end
{%- endmacro %}

{#- The crosswalk row of a fact dated ``fact_date`` carrying ``code``
    (join condition; ``xwalk`` is dim_geography_crosswalk's alias) -#}
{% macro crosswalk_applies(xwalk, level, code, fact_date) -%}
    {{ xwalk }}.unit_level = '{{ level }}'
    and {{ xwalk }}.delivered_code = {{ code }}
    and ({{ xwalk }}.applies_from is null or {{ xwalk }}.applies_from <= {{ fact_date }})
    and ({{ xwalk }}.applies_to is null or {{ fact_date }} < {{ xwalk }}.applies_to)
{%- endmacro %}

{#- One more change along the crosswalk's chains (dim_geography_crosswalk):
    a row of ``previous`` that is not yet at a unit in force today follows the
    step of its next code whose window holds the change's date. -#}
{% macro crosswalk_hop(previous) -%}
    select
        previous.unit_level,
        previous.code,
        previous.applies_from,
        previous.applies_to,
        case when previous.is_terminal then previous.next_code else step.next_code end as next_code,
        case when previous.is_terminal then previous.change_date else step.change_date end as change_date,
        case when previous.is_terminal then previous.is_terminal else step.is_terminal end as is_terminal,
        case
            when previous.is_terminal then previous.population_share
            else previous.population_share * step.population_share
        end as population_share,
        case
            when previous.is_terminal then previous.area_share
            else previous.area_share * step.area_share
        end as area_share,
        case
            when previous.is_terminal or step.is_terminal then previous.changes_followed
            else previous.changes_followed + 1
        end as changes_followed
    from {{ previous }} as previous
    left join steps as step
        on
            not previous.is_terminal
            and previous.unit_level = step.unit_level
            and previous.next_code = step.code
            and (step.applies_from is null or previous.change_date >= step.applies_from)
            and (step.applies_to is null or previous.change_date < step.applies_to)
{%- endmacro %}

{#- Monthly grid counts on TODAY's boundaries: the CTEs crosswalk,
    current_grids, mapped, restated_grids and `restated` (community_code,
    month_start, each measure) from a CTE `grid_months` (grid_code,
    month_start, the measures). Each grid's month goes through the crosswalk
    dated at the month's end (a retired code a late delivery still carries
    maps too), is split into whole units by largest remainder (apportioned)
    and added up to today's communities (an unlocated grid 999 is in none: its
    community is its first 12 digits). rpt_population_trend, rpt_event_trend. -#}
{% macro restated_on_today(measures) -%}
crosswalk as (
    select * from {{ ref('dim_geography_crosswalk') }}
),

current_grids as (
    select
        grid_code,
        community_code
    from {{ ref('dim_grid_version') }}
    where is_current
),

mapped as (
    select
        grid_months.*,
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
        {%- for measure in measures %}
        {{ apportioned(measure, 'population_share', 'grid_code, month_start', 'current_grid_code') }}
            as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from mapped
),

restated as (
    select
        coalesce(current_grids.community_code, {{ community_code_of('restated_grids.current_grid_code') }})
            as community_code,
        restated_grids.month_start,
        {%- for measure in measures %}
        sum(restated_grids.{{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from restated_grids
    left join current_grids on restated_grids.current_grid_code = current_grids.grid_code
    group by
        coalesce(current_grids.community_code, {{ community_code_of('restated_grids.current_grid_code') }}),
        restated_grids.month_start
)
{%- endmacro %}

{#- 退回原因 what the data office must correct in a rejected line of the register
    of changes (int_geography_changes.reject_reason, docs/GEOGRAPHY.md), as
    its page shows it; an unnamed reason shows its code, an accepted line null -#}
{% macro geography_reject_reason_name(reason) -%}
    case {{ reason }}
        when 'unknown_unit_level' then '层级不是社区或网格'
        when 'community_code_not_12_digits' then '社区代码不是12位'
        when 'grid_code_not_15_digits' then '网格代码不是15位'
        when 'successor_is_an_unlocated_member_code' then '新代码以999结尾（为未定位保留）'
        when 'successor_in_another_district' then '新代码不在本区'
        when 'predecessor_community_unknown' then '原社区代码未知'
        when 'predecessor_grid_in_unknown_community' then '原网格所属社区未知'
        when 'successor_grid_in_unknown_community' then '新网格所属社区未知'
        when 'population_share_not_in_0_1' then '人口占比不在(0,1]内'
        when 'one_change_with_several_effective_dates' then '同一变更有多个生效日期'
        when 'population_shares_do_not_sum_to_1' then '同一原代码的人口占比合计不为1'
        else {{ reason }}
    end
{%- endmacro %}

{#- The trend rows beside each other (after restated_on_today): today's
    communities and months on either side, from the CTEs `restated`
    (community_code, month_start, each of ``measures``) and `at_the_time`
    (community_code, month_start, ``at_the_time_measure``). A month counted
    at the time only (a community whose grids' counts all moved elsewhere
    that month) gets 0 restated; a retired community is in none of today's
    grids, so its counts of the time stay in the marts of the time only.
    Into the CTE `final`: trend_key, street_code, community_code,
    month_start, each measure restated, and ``at_the_time_column``.
    rpt_population_trend, rpt_event_trend. -#}
{% macro restated_beside_the_time(measures, at_the_time_measure, at_the_time_column) -%}
both_sides as (
    select
        coalesce(restated.community_code, at_the_time.community_code) as community_code,
        coalesce(restated.month_start, at_the_time.month_start) as month_start,
        {%- for measure in measures %}
        restated.{{ measure }} as restated_{{ measure }},
        {%- endfor %}
        at_the_time.{{ at_the_time_measure }} as at_the_time_count
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
        {%- for measure in measures %}
        cast(coalesce(restated_{{ measure }}, 0) as bigint) as {{ measure }},
        {%- endfor %}
        cast(coalesce(at_the_time_count, 0) as bigint) as {{ at_the_time_column }}
    from both_sides
)
{%- endmacro %}
