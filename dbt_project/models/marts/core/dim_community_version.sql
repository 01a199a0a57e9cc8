-- 社区 versions (SCD2): one row per community code and period in force.
-- The base is the NBS reference (seed admin_divisions; Bao'an's communities
-- from 2017-01-01, earlier codes not recorded); the data office's register
-- of changes (int_geography_changes, accepted lines) ends a predecessor's
-- version on the change's effective date and starts each successor's, a
-- predecessor that continues (a split that keeps its code) getting a new
-- version. valid_from null = in force before records begin; valid_to null =
-- current. docs/GEOGRAPHY.md.
with

divisions as (
    select * from {{ ref('admin_divisions') }}
),

changes as (
    select * from {{ ref('int_geography_changes') }}
    where is_accepted and unit_level = 'community'
),

reference_names as (
    select
        division_code as community_code,
        division_name as community_name
    from divisions
    where division_level = 'community'
),

starts as (
    select
        division_code as community_code,
        division_name as community_name,
        parent_code as street_code,
        valid_from,
        cast(null as {{ dbt.type_string() }}) as change_id,
        cast(null as {{ dbt.type_string() }}) as change_basis
    from divisions
    where division_level = 'community'
    union all
    select
        changes.successor_code as community_code,
        max(coalesce(changes.successor_name, own_name.community_name, predecessor_name.community_name))
            as community_name,
        {{ dbt.concat(['substr(changes.successor_code, 1, 9)', "'000'"]) }} as street_code,
        changes.effective_date as valid_from,
        min(changes.change_id) as change_id,
        min(changes.change_basis) as change_basis
    from changes
    left join reference_names as own_name on changes.successor_code = own_name.community_code
    left join reference_names as predecessor_name on changes.predecessor_code = predecessor_name.community_code
    group by changes.successor_code, changes.effective_date
),

-- the dates on which a code's version ends: its reference end, and every
-- change it is the predecessor of
ends as (
    select
        division_code as community_code,
        valid_to as ends_on
    from divisions
    where division_level = 'community' and valid_to is not null
    union all
    select
        predecessor_code as community_code,
        effective_date as ends_on
    from changes
    union all
    select
        community_code,
        valid_from as ends_on
    from starts
    where valid_from is not null
),

bounded as (
    select
        starts.community_code,
        starts.valid_from,
        min(ends.ends_on) as valid_to
    from starts
    left join ends
        on
            starts.community_code = ends.community_code
            and ends.ends_on > coalesce(starts.valid_from, cast('0001-01-01' as date))
    group by starts.community_code, starts.valid_from
),

final as (
    select
        {{ dbt.concat([
            'starts.community_code', "'@'",
            "coalesce(" ~ as_string('starts.valid_from') ~ ", 'origin')"
        ]) }} as community_version_key,
        starts.community_code,
        starts.community_name,
        starts.street_code,
        starts.valid_from,
        bounded.valid_to,
        bounded.valid_to is null as is_current,
        starts.change_id,
        starts.change_basis,
        case when starts.change_id is null then 'reference' else 'register' end as version_source
    from starts
    inner join bounded
        on
            starts.community_code = bounded.community_code
            and coalesce(starts.valid_from, cast('0001-01-01' as date))
            = coalesce(bounded.valid_from, cast('0001-01-01' as date))
)

select * from final
