-- 部门 departments: the reference list plus any department the event feed
-- names that the list lacks (kept, marked, so no event loses its department).
with

reference_departments as (
    select * from {{ ref('departments') }}
),

event_states as (
    select * from {{ ref('int_event_state_changes') }}
),

seen as (
    select distinct department_name
    from event_states
    where department_name is not null
),

final as (
    select
        {{ dbt.hash('coalesce(reference_departments.department_name, seen.department_name)') }} as department_key,
        coalesce(reference_departments.department_name, seen.department_name) as department_name,
        coalesce(reference_departments.department_type, 'unlisted') as department_type,
        reference_departments.street_code,
        reference_departments.parent_department_name,
        reference_departments.department_name is not null as is_listed
    from reference_departments
    full outer join seen on reference_departments.department_name = seen.department_name
)

select * from final
