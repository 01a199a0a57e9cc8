-- 社区 communities (居委会 001-199, 村委会 200-399 in the NBS community segment),
-- plus one unlocated member (未定位社区, segment 999) per current street and
-- for the unlocated street: facts whose community is unknown are counted
-- there (macros/geography.sql), never dropped.
with

divisions as (
    select * from {{ ref('admin_divisions') }}
),

street_members as (
    select * from {{ ref('dim_street') }}
),

final as (
    select
        communities.division_code as community_code,
        communities.division_name as community_name,
        case
            when cast(substr(communities.division_code, 10, 3) as integer) between 200 and 399
                then 'village_committee'
            else 'residents_committee'
        end as community_kind,
        communities.parent_code as street_code,
        streets.division_name as street_name,
        streets.parent_code as district_code,
        communities.valid_from,
        communities.valid_to,
        communities.valid_to is null as is_current,
        false as is_unlocated,
        cast(null as {{ dbt.type_string() }}) as unlocated_reason
    from divisions as communities
    left join divisions as streets on communities.parent_code = streets.division_code
    where communities.division_level = 'community'
    union all
    select
        {{ unlocated_community_of_street('street_members.street_code') }} as community_code,
        {{ dbt.concat(['street_members.street_name', "'未定位社区'"]) }} as community_name,
        'unlocated' as community_kind,
        street_members.street_code,
        street_members.street_name,
        street_members.district_code,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        true as is_current,
        true as is_unlocated,
        case
            when street_members.is_unlocated then 'community and street unknown'
            else 'community unknown: a code of this street (or its pre-2017 code) names no current community'
        end as unlocated_reason
    from street_members
    where street_members.is_current
)

select * from final
