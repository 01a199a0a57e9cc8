{#- Serving models (models/marts/serving): the tables the dashboards and the
    weekly brief read with a plain select. They are views over published marts,
    and publish evaluates each view again on the serving copy after disclosure
    control (orchestration/publish.py), so they show exactly the cells the copy
    publishes (docs/PRIVACY.md) while the warehouse's stay exact for dbt's tests.
    For that a view names its marts without the warehouse's catalog:
    `marts.<model>` binds in whichever database file holds the view. -#}
{% macro published(model_name) -%}
    {{- return(ref(model_name).include(database=false)) -}}
{%- endmacro %}

{#- "now" for events: the newest milestone in the data (reproducible on a
    rebuild); rpt_event_performance and rpt_event_closed_loop judge "overdue"
    against it. -#}
{% macro events_as_of_at(prefix='') -%}
    max(greatest(
        {{ prefix }}reported_at,
        coalesce({{ prefix }}dispatched_at, {{ prefix }}reported_at),
        coalesce({{ prefix }}handled_at, {{ prefix }}reported_at),
        coalesce({{ prefix }}closed_at, {{ prefix }}reported_at)
    ))
{%- endmacro %}

{#- WKT 'POLYGON((lng lat, lng lat, ...))' as the JSON '[[lng,lat],...]' deck.gl reads -#}
{% macro wkt_polygon_to_json(wkt) -%}
    {{- return(adapter.dispatch('wkt_polygon_to_json', 'zhiwang')(wkt)) -}}
{%- endmacro %}
{% macro default__wkt_polygon_to_json(wkt) -%}
    '[[' || replace(replace(regexp_extract({{ wkt }}, '\(\((.*)\)\)', 1), ', ', '],['), ' ', ',') || ']]'
{%- endmacro %}
{% macro spark__wkt_polygon_to_json(wkt) -%}
    concat('[[', replace(replace(regexp_extract({{ wkt }}, '\\(\\((.*)\\)\\)', 1), ', ', '],['), ' ', ','), ']]')
{%- endmacro %}

{#- 核验规则 the Chinese name of a cross-check rule (rpt_cross_checks.rule_code),
    as the dashboards and the weekly brief show it; an unnamed rule shows its code -#}
{% macro cross_check_rule_name(rule_code) -%}
    case {{ rule_code }}
        when 'xc_assistance_legal_rep' then '救助对象为在营企业法定代表人'
        when 'xc_assistance_high_base' then '救助对象社保缴费基数偏高'
        when 'xc_insured_no_residence' then '参保人员无居住登记'
        when 'xc_entity_no_building' then '法人住所无对应楼栋'
        when 'xc_building_over_capacity' then '楼栋登记法人数超过房间数'
        when 'xc_shared_room_entities' then '同一房间登记多家法人'
        else {{ rule_code }}
    end
{%- endmacro %}

{#- 数据源 a feed's Chinese name, as the dashboards and the weekly brief show it;
    a feed without one shows its code -#}
{% macro feed_name(feed) -%}
    case {{ feed }}
        when 'population' then '人口'
        when 'entities' then '法人'
        when 'housing' then '房屋'
        when 'social_security' then '社保'
        when 'events' then '事件'
        when 'facilities' then '公共服务设施'
        else {{ feed }}
    end
{%- endmacro %}

{#- The current streets and their names: the street half of the one
    current-geography rule (dim_community_current holds the community half) -#}
{% macro current_streets() -%}
    select
        street_code,
        street_name
    from {{ published('dim_street') }}
    where is_current
{%- endmacro %}

{#- The weekly brief's area rows from a per-community relation (columns
    street_code, street_name, community_code, community_name and the
    measures): the district's brief gets one row per street (brief_area
    'district', each measure summed over the street's communities), a
    street's brief one row per community (brief_area = its street code).
    `firsts` are carried as they are (min over a street). Columns out:
    brief_area, unit_code, area, is_unlocated, the firsts, the measures. -#}
{% macro brief_area_rows(relation, measures, firsts=[]) -%}
    select
        'district' as brief_area,
        street_code as unit_code,
        min(street_name) as area,
        coalesce(substr(street_code, 7, 3), '999') = '999' as is_unlocated,
        {%- for column in firsts %}
        min({{ column }}) as {{ column }},
        {%- endfor %}
        {%- for column in measures %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    group by street_code
    union all
    select
        street_code as brief_area,
        community_code as unit_code,
        community_name as area,
        coalesce(substr(community_code, 10, 3), '999') = '999' as is_unlocated,
        {%- for column in firsts %}
        {{ column }},
        {%- endfor %}
        {%- for column in measures %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}

{#- A brief row's place in its brief: the unlocated member first (its
    figures are counted, so they are shown), then by `column`, largest first. -#}
{% macro brief_order(column) -%}
    cast(row_number() over (
        partition by brief_area
        order by is_unlocated desc, {{ column }} desc nulls last, unit_code asc nulls last
    ) as bigint)
{%- endmacro %}
