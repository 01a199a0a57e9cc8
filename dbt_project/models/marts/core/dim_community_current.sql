-- The current geography, the one rule every serving model and the weekly brief
-- use to name an area: each community code's current version (dim_community
-- is_current: valid_to is null; re-issued codes such as 新安's in 2017 keep
-- their retired versions there) with its current street's name (dim_street
-- is_current). Unlocated members (未定位社区) are current too.
with

communities as (
    select * from {{ ref('dim_community') }}
    where is_current
),

streets as (
    select * from {{ ref('dim_street') }}
    where is_current
),

final as (
    select
        communities.community_code,
        communities.community_name,
        communities.street_code,
        streets.street_name,
        communities.is_unlocated
    from communities
    left join streets on communities.street_code = streets.street_code
)

select * from final
