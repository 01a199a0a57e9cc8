-- 社区 communities (居委会 001-199, 村委会 200-399 in the NBS community segment),
-- one row per code that was ever in force: the NBS reference and the
-- communities the data office's register of changes created, each with its
-- latest version's period (dim_community_version holds every version; a
-- code the register retired keeps its row, not current, so facts delivered
-- with it still find it on the boundaries of their time), plus one unlocated member (未定位社区, segment 999) per current street and
-- for the unlocated street: facts whose community is unknown are counted
-- there (macros/geography.sql), never dropped.
with

divisions as (
    select * from {{ ref('admin_divisions') }}
),

versions as (
    select
        *,
        row_number() over (
            partition by community_code
            order by coalesce(valid_from, cast('0001-01-01' as date)) desc
        ) as recency
    from {{ ref('dim_community_version') }}
),

latest_versions as (
    select * from versions
    where recency = 1
),

street_members as (
    select * from {{ ref('dim_street') }}
),

final as (
    select
        communities.community_code,
        communities.community_name,
        case
            when cast(substr(communities.community_code, 10, 3) as integer) between 200 and 399
                then 'village_committee'
            else 'residents_committee'
        end as community_kind,
        communities.street_code,
        streets.division_name as street_name,
        streets.parent_code as district_code,
        communities.valid_from,
        communities.valid_to,
        communities.valid_to is null as is_current,
        false as is_unlocated,
        cast(null as {{ dbt.type_string() }}) as unlocated_reason
    from latest_versions as communities
    left join divisions as streets on communities.street_code = streets.division_code
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
