-- 社区 communities (居委会 001-199, 村委会 200-399 in the NBS community segment).
with

divisions as (
    select * from {{ ref('admin_divisions') }}
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
        communities.valid_to is null as is_current
    from divisions as communities
    left join divisions as streets on communities.parent_code = streets.division_code
    where communities.division_level = 'community'
)

select * from final
