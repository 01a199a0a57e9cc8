-- 数据治理 the register of community and grid changes (社区与网格调整登记) as the
-- warehouse holds it: one row per line (the newest of each change,
-- predecessor and successor; int_geography_changes), with the names of the
-- units, whether it was applied and, when rejected, why and what the data
-- office must correct before re-delivering the line with a newer 更新时间
-- (docs/GEOGRAPHY.md). Codes, names, dates and shares only.
with

changes as (
    select * from {{ ref('int_geography_changes') }}
),

-- every community code ever in force (the register's new ones included)
communities as (
    select
        community_code,
        community_name
    from {{ ref('dim_community') }}
    where not is_unlocated
),

final as (
    select
        {{ dbt.concat(['changes.change_id', "'|'", 'changes.predecessor_code', "'|'", 'changes.successor_code']) }}
            as register_line_key,
        changes.change_id,
        changes.unit_level,
        case changes.unit_level when 'community' then '社区' when 'grid' then '网格' end as unit_level_name,
        changes.predecessor_code,
        predecessor.community_name as predecessor_community_name,
        changes.successor_code,
        coalesce(changes.successor_name, successor.community_name) as successor_community_name,
        changes.effective_date,
        changes.population_share,
        changes.area_share,
        changes.change_basis,
        changes.updated_at,
        changes.delivery_date,
        changes.is_accepted as is_applied,
        case when changes.is_accepted then '已采用' else '已退回（待更正）' end as status_name,
        changes.reject_reason,
        {{ geography_reject_reason_name('changes.reject_reason') }} as reject_reason_name,
        {{ street_code_of('changes.predecessor_code') }} as street_code,
        {{ community_code_of('changes.predecessor_code') }} as community_code
    from changes
    left join communities as predecessor
        on {{ community_code_of('changes.predecessor_code') }} = predecessor.community_code
    left join communities as successor
        on {{ community_code_of('changes.successor_code') }} = successor.community_code
)

select * from final
