-- 登记失业 one row per person in the registered-unemployment feed: their
-- latest change (by change time) at the as-of date (the newest sydj delivery
-- date). Registered now when that change says registered and is no delete
-- (docs/DEFINITIONS.md). Located on the registration's community (conformed:
-- unlocated members when unknown). Pseudonymous.
with

changes as (
    select
        *,
        {{ pseudonym_subject('citizen_id') }} as citizen_subject
    from {{ ref('stg_social_security__registered_unemployment_changes') }}
),

as_of as (
    select max(delivery_date) as as_of_date from changes
),

latest_change as (
    select * from changes
    qualify row_number() over (
        partition by citizen_subject order by changed_at desc, delivery_date desc, source_row_number desc
    ) = 1
),

final as (
    select
        {{ pseudonym('latest_change.citizen_id') }} as person_key,
        as_of.as_of_date,
        latest_change.registered_on,
        latest_change.registration_status,
        latest_change.change_type = 'delete' as is_deleted_upstream,
        latest_change.registration_status = 'registered'
        and latest_change.change_type <> 'delete' as is_registered_unemployed,
        {{ located_community('loc') }} as community_code,
        {{ street_code_of(located_community('loc')) }} as street_code,
        latest_change.changed_at
    from latest_change
    cross join as_of
    {{ location_joins('latest_change.community_code', 'cast(null as ' ~ dbt.type_string() ~ ')', 'loc') }}
)

select * from final
