{#- Codes nest (docs/FEEDS.md): a grid, building or room code starts with its
    12-digit community code, whose first 9 digits are the street's; the
    12-digit street code pads them with 000. Dashboards filter on these
    columns (Superset row-level security), so every mart they read carries
    street_code and community_code. Null in, null out. -#}
{% macro street_code_of(code) -%}
    {{ dbt.concat(['substr(' ~ code ~ ', 1, 9)', "'000'"]) }}
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
    and <prefix>_grid. Use with located_* below. A grid is accepted only when
    it lies in the resolved community, so every level nests. -#}
{% macro location_joins(code, grid, prefix) -%}
    left join {{ ref('dim_community') }} as {{ prefix }}_community
        on
            substr({{ code }}, 1, 12) = {{ prefix }}_community.community_code
            and {{ prefix }}_community.is_current
            and not {{ prefix }}_community.is_unlocated
    left join {{ ref('dim_street') }} as {{ prefix }}_street
        on
            {{ street_code_of(code) }} = {{ prefix }}_street.street_code
            and not {{ prefix }}_street.is_unlocated
    left join {{ ref('dim_grid') }} as {{ prefix }}_grid
        on
            {{ grid }} = {{ prefix }}_grid.grid_code
            and {{ prefix }}_grid.community_code = {{ prefix }}_community.community_code
            and not {{ prefix }}_grid.is_unlocated
{%- endmacro %}

{#- The conformed community: the code's own (a current NBS community), else
    the unlocated community of its street (a retired street code maps to its
    successor), else the unlocated community of the unlocated street. -#}
{% macro located_community(prefix) -%}
    coalesce(
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
