-- 数据治理 which community and grid codes of the district are in force, since
-- when, and which were retired by which change: one row per version of
-- dim_community_version and dim_grid_version (SCD2), the home district's
-- only, with the change that started it and the one that ended it
-- (int_geography_changes, accepted lines). A code is retired when none of its
-- versions is current: a department still delivering it is mapped by the
-- crosswalk (rpt_geography_late_codes). docs/GEOGRAPHY.md.
with

community_versions as (
    select * from {{ ref('dim_community_version') }}
),

grid_versions as (
    select * from {{ ref('dim_grid_version') }}
),

communities as (
    select
        community_code,
        community_name
    from {{ ref('dim_community') }}
),

changes as (
    select * from {{ ref('int_geography_changes') }}
    where is_accepted
),

versions as (
    select
        'community' as unit_level,
        community_code as unit_code,
        community_code,
        community_name,
        valid_from,
        valid_to,
        is_current,
        change_id,
        change_basis,
        version_source
    from community_versions
    union all
    select
        'grid' as unit_level,
        grid_versions.grid_code as unit_code,
        grid_versions.community_code,
        communities.community_name,
        grid_versions.valid_from,
        grid_versions.valid_to,
        grid_versions.is_current,
        grid_versions.change_id,
        grid_versions.change_basis,
        grid_versions.version_source
    from grid_versions
    left join communities on grid_versions.community_code = communities.community_code
),

home as (
    select * from versions
    where substr(unit_code, 1, 6) = '{{ var("home_district_code")[:6] }}'
),

codes as (
    select
        unit_level,
        unit_code,
        max(case when is_current then 1 else 0 end) = 0 as is_code_retired,
        -- several versions, one from the register, or none current (retired)
        count(*) > 1
        or max(case when version_source = 'register' then 1 else 0 end) = 1
        or max(case when is_current then 1 else 0 end) = 0 as has_history
    from home
    group by unit_level, unit_code
),

-- the change that ended a version: the one whose predecessor it is, on its valid_to
endings as (
    select
        unit_level,
        predecessor_code,
        effective_date,
        min(change_id) as change_id
    from changes
    group by unit_level, predecessor_code, effective_date
),

final as (
    select
        {{ dbt.concat([
            'home.unit_level', "':'", 'home.unit_code', "'@'",
            "coalesce(" ~ as_string('home.valid_from') ~ ", 'origin')"
        ]) }} as unit_version_key,
        home.unit_level,
        case home.unit_level when 'community' then '社区' else '网格' end as unit_level_name,
        home.unit_code,
        home.community_code,
        home.community_name,
        {{ street_code_of('home.community_code') }} as street_code,
        home.valid_from,
        home.valid_to,
        home.is_current,
        codes.is_code_retired,
        codes.has_history,
        case
            when home.is_current then '现行'
            when codes.is_code_retired then '已停用'
            else '旧版本（代码沿用）'
        end as status_name,
        home.change_id as started_by_change_id,
        home.change_basis,
        endings.change_id as ended_by_change_id,
        home.version_source
    from home
    inner join codes
        on
            home.unit_level = codes.unit_level
            and home.unit_code = codes.unit_code
    left join endings
        on
            home.unit_level = endings.unit_level
            and home.unit_code = endings.predecessor_code
            and home.valid_to = endings.effective_date
)

select * from final
