-- 社区与网格调整登记: every delivered line of the data office's register of
-- community and grid code changes (docs/GEOGRAPHY.md), renamed. A pair
-- re-delivered with a newer updated_at corrects the older line
-- (int_geography_changes keeps the newest).
with

source as (
    select * from {{ source('events', 'qhtz') }}
),

renamed as (
    select
        change_id,
        case unit_level
            when '社区' then 'community'
            when '网格' then 'grid'
        end as unit_level,
        predecessor_code,
        successor_code,
        successor_name,
        effective_date,
        population_share,
        area_share,
        basis as change_basis,
        updated_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
