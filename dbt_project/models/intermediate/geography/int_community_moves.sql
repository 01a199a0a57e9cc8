-- Communities the register of changes split off another community of the
-- same street (docs/GEOGRAPHY.md): one row per (predecessor, successor) of an
-- accepted community line whose successor is a new code. location_joins
-- accepts a building's grid in the successor for a room code that still
-- carries the predecessor's digits (room and building codes never change).
with

changes as (
    select * from {{ ref('int_geography_changes') }}
),

final as (
    select distinct
        predecessor_code,
        successor_code
    from changes
    where
        is_accepted
        and unit_level = 'community'
        and predecessor_code != successor_code
        and substr(predecessor_code, 1, 9) = substr(successor_code, 1, 9)
)

select * from final
