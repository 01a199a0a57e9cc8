-- 网格 grids: every real grid the feeds use (its community is in the
-- admin-division seed; see int_grids_observed), with the centroid of its
-- buildings. Codes of unknown communities are no members: facts keep them as
-- delivered, and a conformed grid key on a fact is null for them.
-- The H3 cell, polygon and area come from int_grid_cells (a Python model:
-- H3 in SQL is not portable across DuckDB and Spark).
-- Plus one unlocated member (未定位网格, sequence 999) per community,
-- located or unlocated, without geometry: facts whose grid is unknown (e.g.
-- their building's row was quarantined) are counted there, never dropped.
with

cells as (
    select * from {{ ref('int_grid_cells') }}
),

communities as (
    select * from {{ ref('dim_community') }}
),

final as (
    select
        cells.grid_code,
        cells.community_code,
        communities.street_code,
        cells.h3_cell,
        cells.polygon_wkt,
        cells.centroid_longitude,
        cells.centroid_latitude,
        cells.area_km2,
        cells.building_count,
        communities.community_code is not null as is_known_community,
        false as is_unlocated,
        cast(null as {{ dbt.type_string() }}) as unlocated_reason
    from cells
    -- int_grid_cells holds known communities only; the relationships test on
    -- community_code fails loudly should one ever be missing here
    left join communities on cells.community_code = communities.community_code
    union all
    select
        {{ unlocated_grid_of_community('communities.community_code') }} as grid_code,
        communities.community_code,
        communities.street_code,
        cast(null as {{ dbt.type_string() }}) as h3_cell,
        cast(null as {{ dbt.type_string() }}) as polygon_wkt,
        cast(null as double) as centroid_longitude,
        cast(null as double) as centroid_latitude,
        cast(null as double) as area_km2,
        cast(0 as bigint) as building_count,
        true as is_known_community,
        true as is_unlocated,
        case
            when communities.is_unlocated then 'grid unknown: the community is unknown'
            else 'grid unknown: no building row with a grid of this community (e.g. quarantined or not in the snapshot)'
        end as unlocated_reason
    -- every community, retired ones too: facts delivered before a change
    -- stay on its members (docs/GEOGRAPHY.md)
    from communities
)

select * from final
