-- The register of community and grid code changes (docs/GEOGRAPHY.md): the
-- newest line of each (change, predecessor, successor), checked. A line that
-- fails a check keeps its row with reject_reason (never silently dropped) and
-- is left out of the versions and the crosswalk; a share sum that is not 1
-- rejects every line of that predecessor's change, so no population is lost
-- or invented by restating.
with

lines as (
    select * from {{ ref('stg_events__geography_changes') }}
),

newest as (
    select
        *,
        row_number() over (
            partition by change_id, predecessor_code, successor_code
            order by updated_at desc, source_row_id desc
        ) as recency
    from lines
),

latest as (
    select * from newest
    where recency = 1
),

-- communities known before any change: the NBS reference
reference_communities as (
    select division_code as community_code
    from {{ ref('admin_divisions') }}
    where division_level = 'community'
),

register_communities as (
    select distinct successor_code as community_code
    from latest
    where unit_level = 'community' and {{ dbt.length('successor_code') }} = 12
),

known_communities as (
    select community_code from reference_communities
    union
    select community_code from register_communities
),

groups as (
    select
        change_id,
        predecessor_code,
        sum(population_share) as share_sum,
        count(distinct effective_date) as effective_dates
    from latest
    group by change_id, predecessor_code
),

checked as (
    select
        latest.change_id,
        latest.unit_level,
        latest.predecessor_code,
        latest.successor_code,
        latest.successor_name,
        latest.effective_date,
        latest.population_share,
        latest.area_share,
        latest.change_basis,
        latest.updated_at,
        latest.source_row_id,
        latest.delivery_date,
        case
            when latest.unit_level is null then 'unknown_unit_level'
            when
                latest.unit_level = 'community'
                and ({{ dbt.length('latest.predecessor_code') }} != 12 or {{ dbt.length('latest.successor_code') }} != 12)
                then 'community_code_not_12_digits'
            when
                latest.unit_level = 'grid'
                and ({{ dbt.length('latest.predecessor_code') }} != 15 or {{ dbt.length('latest.successor_code') }} != 15)
                then 'grid_code_not_15_digits'
            when
                {{ dbt.right('latest.successor_code', 3) }} = '999'
                then 'successor_is_an_unlocated_member_code'
            when substr(latest.predecessor_code, 1, 6) != substr(latest.successor_code, 1, 6)
                then 'successor_in_another_district'
            when latest.unit_level = 'community' and predecessors.community_code is null
                then 'predecessor_community_unknown'
            when latest.unit_level = 'grid' and predecessors.community_code is null
                then 'predecessor_grid_in_unknown_community'
            when latest.unit_level = 'grid' and successors.community_code is null
                then 'successor_grid_in_unknown_community'
            when latest.population_share is null or latest.population_share <= 0 or latest.population_share > 1
                then 'population_share_not_in_0_1'
            when groups.effective_dates > 1 then 'one_change_with_several_effective_dates'
            when abs(groups.share_sum - 1) > 0.001 then 'population_shares_do_not_sum_to_1'
        end as reject_reason
    from latest
    left join groups
        on
            latest.change_id = groups.change_id
            and latest.predecessor_code = groups.predecessor_code
    left join known_communities as predecessors
        on substr(latest.predecessor_code, 1, 12) = predecessors.community_code
    left join known_communities as successors
        on substr(latest.successor_code, 1, 12) = successors.community_code
),

final as (
    select
        *,
        reject_reason is null as is_accepted
    from checked
)

select * from final
