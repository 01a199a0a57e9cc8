with

source as (
    select * from {{ source('entities', 'mz_shzz') }}
),

renamed as (
    select
        tyshxydm as uscc,
        mc as entity_name,
        case lb
            when '社会团体' then 'social_group'
            when '民办非企业单位' then 'private_non_enterprise'
            when '基金会' then 'foundation'
        end as entity_type,
        ywfw as business_scope,
        fddbr as legal_rep_name,
        zsfwbm as premises_room_code,
        substr(zsfwbm, 1, 17) as premises_building_code,
        djrq as registered_on,
        zt as status_text,
        pgdj as evaluation_grade,
        zzgzrys as full_time_staff,
        czsgs as certified_social_workers,
        {{ lineage_columns() }}
    from source
)

select * from renamed
