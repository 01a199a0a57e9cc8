with

source as (
    select * from {{ source('events', 'sjlz') }}
),

renamed as (
    select
        event_id,
        seq as state_seq,
        state as event_state,
        {{ adapter.quote('at') }} as state_at,
        category_code,
        category_name,
        channel as report_channel,
        grid_code,
        building_code,
        lon as longitude,
        lat as latitude,
        department as department_name,
        deadline as deadline_at,
        merged_into as merged_into_event_id,
        description as event_description,
        {{ lineage_columns() }}
    from source
)

select * from renamed
