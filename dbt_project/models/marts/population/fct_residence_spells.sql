-- 居住轨迹 residence spells (SCD2 history of where each person lives): one row
-- per uninterrupted stay in one room; valid_to is exclusive and null while
-- the person still lives there. Consecutive statements of the same room from
-- either channel extend one spell.
with

observations as (
    select * from {{ ref('int_residence_observations') }}
),

registered as (
    select * from {{ ref('int_persons_registered') }}
),

rooms as (
    select * from {{ ref('dim_room') }}
),

buildings as (
    select * from {{ ref('dim_building') }}
),

marked as (
    select
        *,
        case
            when room_code = lag(room_code) over (partition by person_key order by observed_on)
                then 0
            else 1
        end as is_new_spell
    from observations
),

numbered as (
    select
        *,
        sum(is_new_spell) over (
            partition by person_key order by observed_on rows unbounded preceding
        ) as spell_number
    from marked
),

spells as (
    select
        person_key,
        spell_number,
        room_code,
        min(observed_on) as valid_from,
        max(observed_on) as last_observed_on,
        max_by(residence_source, observed_on) as last_source,
        max(moved_out_on) as moved_out_on,
        count(*) as observation_count
    from numbered
    group by person_key, spell_number, room_code
),

bounded as (
    select
        spells.*,
        lead(spells.valid_from) over (partition by spells.person_key order by spells.spell_number) as next_spell_from
    from spells
),

final as (
    select
        {{ dbt.hash(dbt.concat(['bounded.person_key', "'|'", dbt.cast('bounded.valid_from', api.Column.translate_type('string'))])) }} as spell_key,
        bounded.person_key,
        cast(bounded.spell_number as bigint) as spell_number,
        bounded.room_code,
        coalesce(rooms.building_code, substr(bounded.room_code, 1, 17)) as building_code,
        buildings.grid_code,
        substr(bounded.room_code, 1, 12) as community_code,
        bounded.valid_from,
        case
            when bounded.next_spell_from is not null then bounded.next_spell_from
            -- the register says the person left, or deleted them, and no
            -- channel has seen them since
            when bounded.moved_out_on is not null and bounded.last_source = 'register'
                then bounded.moved_out_on
            when registered.is_deleted_upstream and bounded.last_source = 'register'
                then cast(registered.changed_at as date)
        end as valid_to,
        bounded.last_source as residence_source,
        bounded.observation_count
    from bounded
    left join registered on bounded.person_key = registered.person_key
    left join rooms on bounded.room_code = rooms.room_code
    left join buildings on coalesce(rooms.building_code, substr(bounded.room_code, 1, 17)) = buildings.building_code
),

flagged as (
    select
        *,
        valid_to is null as is_current
    from final
)

select * from flagged
