-- The latest state of each insured person (参保人员), pseudonymous.
with

changes as (
    select * from {{ ref('stg_social_security__insured_person_changes') }}
),

latest as (
    select
        {{ pseudonym('citizen_id') }} as person_key,
        employer_uscc,
        insurance_status,
        start_month,
        has_pension,
        has_medical,
        has_unemployment,
        has_work_injury,
        has_maternity,
        change_type = 'delete' as is_deleted_upstream,
        changed_at
    from changes
    qualify row_number() over (
        partition by citizen_id order by changed_at desc, delivery_date desc, source_row_number desc
    ) = 1
)

select * from latest
