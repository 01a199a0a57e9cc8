with

source as (
    select * from {{ source('events', 'rx12345') }}
),

renamed as (
    select
        ticket_id,
        received_at,
        caller_phone,
        content as ticket_content,
        category as ticket_category,
        address_text,
        event_id,
        try_cast(satisfaction as integer) as satisfaction_score,
        {{ lineage_columns() }}
    from source
)

select * from renamed
