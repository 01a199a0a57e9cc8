-- 网格 versions (SCD2): one row per grid code and period in force. The base
-- is every real grid the feeds use (dim_grid; grids have no reference list,
-- so a base grid is in force from before records begin); the register's
-- accepted grid lines (int_geography_changes) end a predecessor's version on
-- the effective date and start each successor's, a redrawn grid that keeps
-- its code getting a new version. A successor the feeds have not used yet
-- has a version here before dim_grid knows its position. docs/GEOGRAPHY.md.
with

grids as (
    select * from {{ ref('dim_grid') }}
    where not is_unlocated
),

changes as (
    select * from {{ ref('int_geography_changes') }}
    where is_accepted and unit_level = 'grid'
),

starts as (
    select
        grid_code,
        cast(null as date) as valid_from,
        cast(null as {{ dbt.type_string() }}) as change_id,
        cast(null as {{ dbt.type_string() }}) as change_basis
    from grids
    -- a successor is no base grid: its codes begin with the change
    where
        grid_code not in (
            select changes.successor_code from changes
            where changes.successor_code != changes.predecessor_code
        )
    union all
    select
        predecessor_code as grid_code,
        cast(null as date) as valid_from,
        cast(null as {{ dbt.type_string() }}) as change_id,
        cast(null as {{ dbt.type_string() }}) as change_basis
    from changes
    -- a predecessor the feeds no longer use still had a first version
    where predecessor_code not in (select grids.grid_code from grids)
    union all
    select
        successor_code as grid_code,
        effective_date as valid_from,
        min(change_id) as change_id,
        min(change_basis) as change_basis
    from changes
    group by successor_code, effective_date
),

distinct_starts as (
    select
        grid_code,
        valid_from,
        min(change_id) as change_id,
        min(change_basis) as change_basis
    from starts
    group by grid_code, valid_from
),

ends as (
    select
        predecessor_code as grid_code,
        effective_date as ends_on
    from changes
    union all
    select
        grid_code,
        valid_from as ends_on
    from distinct_starts
    where valid_from is not null
),

bounded as (
    select
        distinct_starts.grid_code,
        distinct_starts.valid_from,
        min(ends.ends_on) as valid_to
    from distinct_starts
    left join ends
        on
            distinct_starts.grid_code = ends.grid_code
            and ends.ends_on > coalesce(distinct_starts.valid_from, cast('0001-01-01' as date))
    group by distinct_starts.grid_code, distinct_starts.valid_from
),

final as (
    select
        {{ dbt.concat([
            'distinct_starts.grid_code', "'@'",
            "coalesce(" ~ as_string('distinct_starts.valid_from') ~ ", 'origin')"
        ]) }} as grid_version_key,
        distinct_starts.grid_code,
        {{ community_code_of('distinct_starts.grid_code') }} as community_code,
        distinct_starts.valid_from,
        bounded.valid_to,
        bounded.valid_to is null as is_current,
        distinct_starts.change_id,
        distinct_starts.change_basis,
        case when distinct_starts.change_id is null then 'observed' else 'register' end as version_source
    from distinct_starts
    inner join bounded
        on
            distinct_starts.grid_code = bounded.grid_code
            and coalesce(distinct_starts.valid_from, cast('0001-01-01' as date))
            = coalesce(bounded.valid_from, cast('0001-01-01' as date))
)

select * from final
